/**
 * @module cli/publish-build — the build `npm start` and `npm run deploy` run first: it writes out/ and
 * tells the publish which seeds it rejected and which entries it made (see cli/publish-seeds).
 */
import type { SiteConfig } from "../config.js";
import { type BuildReport, buildSite, formatBuildReport } from "./build.js";

/** Where a build comes from and goes. */
export interface BuildPaths {
  readonly seeds: string;
  readonly out: string;
}

/**
 * Builds the seeds as `npm run build` does, with the settings the caller read (and publishes with),
 * printing its problems and summary.
 */
export async function buildAndReport(paths: BuildPaths, config: SiteConfig): Promise<BuildReport> {
  const build = await buildSite({ seedsDir: paths.seeds, outDir: paths.out, config });
  const { problems, summary } = formatBuildReport(build);
  for (const line of problems) console.error(line);
  console.log(`build: ${summary}`);
  return build;
}
