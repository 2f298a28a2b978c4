/**
 * @module cli/publish-build — the build `npm start` and `npm run deploy` run first: it writes out/ and
 * tells the publish which seeds it rejected and which entries it made (see cli/publish-seeds).
 */
import { type BuildReport, buildSite, formatBuildReport } from "./build.js";
import { readSiteConfigFile } from "./site-config.js";

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
