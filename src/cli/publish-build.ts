/**
 * @module cli/publish-build — publishes a build to a KV namespace: the same code path for the local
 * state `wrangler dev` reads and for the account's namespace.
 */
import { prepareDocuments } from "../publish.js";
import { type PublishReport, publishVersion } from "../store/publish.js";
import type { BuildReport } from "./build.js";

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
