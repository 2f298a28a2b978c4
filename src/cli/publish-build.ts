/**
 * @module cli/publish-build — publishes a build to a KV namespace: the same code path for the local
 * state `wrangler dev` reads and for the account's namespace.
 */
import type { GetPlatformProxyOptions } from "wrangler";
import { prepareDocuments } from "../publish.js";
import { type PublishReport, publishVersion } from "../store/publish.js";
import { type BuildReport, buildSite, formatBuildReport } from "./build.js";
import { readSiteConfigFile } from "./site-config.js";

/**
 * Pre-compresses and hashes a build's documents, then publishes them as one version.
 * @example await publishBuild(report, env.FEEDS)
 */
export async function publishBuild(
  report: BuildReport,
  kv: KVNamespace,
  now: number = Date.now(),
): Promise<PublishReport> {
  const documents = await prepareDocuments(report.documents);
  let newestEntryMs: number | null = null;
  for (const entry of report.entries) newestEntryMs = Math.max(newestEntryMs ?? 0, entry.updatedMs);
  return publishVersion(
    kv,
    documents,
    { entryCount: report.entries.length, newestEntryMs },
    { now },
  );
}

/** One line saying what a publish did. */
export function formatPublishReport(report: PublishReport, where: string): string {
  if (!report.switched)
    return `${where}: version ${report.version} was already live; nothing written`;
  const previous = report.previousVersion ? `, replacing ${report.previousVersion}` : "";
  return `${where}: published version ${report.version} (${report.written} keys${previous}; pruned ${report.pruned} old keys)`;
}

/** Where a build comes from and goes. */
export interface BuildPaths {
  readonly seeds: string;
  readonly out: string;
  /** The wrangler.toml whose [vars] hold the site's settings. */
  readonly config: string;
}

/** Builds the seeds as `npm run build` does, printing its problems and summary. */
export async function buildAndReport(paths: BuildPaths): Promise<BuildReport> {
  const config = await readSiteConfigFile(paths.config);
  const build = await buildSite({ seedsDir: paths.seeds, outDir: paths.out, config });
  const { problems, summary } = formatBuildReport(build);
  for (const line of problems) console.error(line);
  console.log(`build: ${summary}`);
  return build;
}

/**
 * Publishes a build to the FEEDS namespace that wrangler's getPlatformProxy binds: local state, or the
 * account's namespace when the binding is remote. Prints what it did.
 */
export async function publishThroughProxy(
  build: BuildReport,
  options: GetPlatformProxyOptions,
  where: string,
): Promise<PublishReport> {
  const { getPlatformProxy } = await import("wrangler");
  const proxy = await getPlatformProxy<Env>(options);
  try {
    const report = await publishBuild(build, proxy.env.FEEDS);
    console.log(formatPublishReport(report, where));
    return report;
  } finally {
    await proxy.dispose();
  }
}
