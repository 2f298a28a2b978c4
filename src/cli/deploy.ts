/**
 * @module cli/deploy — `npm run deploy`: builds seeds/, checks the worker's bundle against Cloudflare's
 * size limits, deploys the worker, then loads the seeds into the account's ENTRIES database and
 * publishes the site from it to its FEEDS namespace (what `npm start` does locally, through remote
 * bindings).
 * Publishing from the database, under its publishing lease, keeps every article the ingest API added and
 * never writes over a publish the worker has in progress.
 *
 * usage: tsx src/cli/deploy.ts [--dry-run] [--seeds DIR] [--out DIR] [--config FILE] [--outdir DIR] [--brotli] [--full]
 *   --dry-run   build and bundle only: no account, no network
 *   --brotli    store brotli variants whatever the folder's size (by default only up to 100 documents)
 *   --full      render every document again (by default only what changed, unless the code or
 *               settings differ from the live version's)
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { EdgefeedError } from "../errors.js";
import {
  BUNDLE_LIMITS,
  formatBundleSize,
  measureBundle,
  writeRemotePublishConfig,
} from "./deploy-checks.js";
import { PROJECT_ROOT, publishFingerprint } from "./fingerprint.js";
import { buildAndReport } from "./publish-build.js";
import { publishForDeploy } from "./publish-seeds.js";
import { runCommand } from "./run-command.js";
import { readSiteConfigFile } from "./site-config.js";
import { quietWrangler, runWrangler } from "./wrangler.js";

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "dry-run": { type: "boolean", default: false },
      seeds: { type: "string", default: "seeds" },
      out: { type: "string", default: "out" },
      config: { type: "string", default: "wrangler.toml" },
      outdir: { type: "string", default: ".wrangler/deploy/bundle" },
      brotli: { type: "boolean" },
      full: { type: "boolean" },
    },
    strict: true,
  });
  quietWrangler();
  const dryRun = values["dry-run"];

  // Fail before building when the account's namespace is not set up.
  const publishConfig = dryRun
    ? undefined
    : await writeRemotePublishConfig(values.config, path.dirname(values.outdir));

  const config = await readSiteConfigFile(values.config);
  if (!dryRun && /^https?:\/\/(localhost|127\.0\.0\.1)[:/]/.test(config.siteUrl)) {
    throw new EdgefeedError(
      `${values.config} [vars] SITE_URL is ${config.siteUrl}; set it to the address the feeds are served from before deploying`,
    );
  }
  // Taken before the build: what the deployed code and settings are, whatever is edited meanwhile.
  const sourceKey = await publishFingerprint(config, PROJECT_ROOT);
  const build = await buildAndReport(values, config);

  const bundled = await runWrangler(
    ["deploy", "--config", values.config, "--dry-run", "--outdir", values.outdir],
    { env: { WRANGLER_LOG: "warn" } },
  );
  if (bundled !== 0) return bundled;
  const size = await measureBundle(values.outdir);
  for (const line of formatBundleSize(size)) console.log(line);
  const overFree = size.gzipBytes > BUNDLE_LIMITS[0].bytes;
  if (size.gzipBytes > BUNDLE_LIMITS[1].bytes)
    throw new EdgefeedError("the bundle is over every plan's size limit");
  if (dryRun) {
    console.log("dry run: nothing published or deployed");
    return 0;
  }
  if (overFree)
    console.warn("the bundle is over the Workers Free limit: it deploys on Workers Paid only");

  // The worker first, then the publish: a worker reads what older versions of itself published, not
  // always what newer ones publish (a pointer split into more shelves, say), so the old worker must
  // never serve a new publish. Until the publish lands, the new worker serves the old one.
  const deployed = await runWrangler(["deploy", "--config", values.config]);
  if (deployed !== 0) return deployed;
  await publishForDeploy(
    values.seeds,
    config,
    build,
    { configPath: publishConfig as string, remoteBindings: true },
    {
      ...(values.brotli ? { brotli: true } : {}),
      ...(values.full ? { full: true } : {}),
      sourceKey,
    },
  );
  return 0;
}

await runCommand("deploy", main);
