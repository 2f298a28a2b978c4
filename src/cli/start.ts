/**
 * @module cli/start — `npm start`: builds seeds/, publishes the build into the local KV state that
 * `wrangler dev` reads (one process, through wrangler's getPlatformProxy), then serves the worker on
 * 127.0.0.1 with `wrangler dev` until interrupted.
 *
 * usage: tsx src/cli/start.ts [--port 8787] [--seeds DIR] [--out DIR] [--config FILE] [--persist-to DIR] [--brotli] [--full]
 *   --brotli   store brotli variants whatever the folder's size (by default only up to 100 documents)
 *   --full     render every document again (by default only what changed, unless the code or
 *              settings differ from the live version's)
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { EdgefeedError } from "../errors.js";
import { PROJECT_ROOT, publishFingerprint } from "./fingerprint.js";
import { buildAndReport } from "./publish-build.js";
import { ensureDevVars, loadingProgress, publishSeedsThroughProxy } from "./publish-seeds.js";
import { runCommand } from "./run-command.js";
import { readSiteConfigFile } from "./site-config.js";
import { quietWrangler, spawnWrangler } from "./wrangler.js";

/** Only the loopback interface: the local server is for this machine. */
const HOST = "127.0.0.1";

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string", default: "8787" },
      seeds: { type: "string", default: "seeds" },
      out: { type: "string", default: "out" },
      config: { type: "string", default: "wrangler.toml" },
      "persist-to": { type: "string", default: ".wrangler/state" },
      brotli: { type: "boolean" },
      full: { type: "boolean" },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new EdgefeedError(`--port expects a port number, got "${values.port}"`);
  quietWrangler();

  // What this run's code and settings are, taken before anything runs: an edit made meanwhile must
  // not be recorded as what rendered the site.
  const config = await readSiteConfigFile(values.config);
  const sourceKey = await publishFingerprint(config, PROJECT_ROOT);
  const build = await buildAndReport(values, config);
  if (await ensureDevVars(path.dirname(path.resolve(values.config))))
    console.log("wrote .dev.vars with a new INGEST_TOKEN for the ingest API (git-ignored)");
  // The served site comes from the worker's entry store, so ingests add to the seeds, never replace
  // them. Same state folder as `wrangler dev --persist-to`, which keeps its data in a "v3" folder.
  await publishSeedsThroughProxy(
    values.seeds,
    config,
    {
      configPath: values.config,
      persist: { path: path.join(values["persist-to"], "v3") },
      remoteBindings: false,
    },
    "local KV",
    {
      build,
      ...(values.brotli ? { brotli: true } : {}),
      ...(values.full ? { full: true } : {}),
      sourceKey,
      ...loadingProgress("local KV"),
    },
  );

  console.log(
    `serving http://localhost:${port}/ (feeds: /feed.atom /feed.rss /feed.json); Ctrl+C stops`,
  );
  const child = spawnWrangler(
    [
      "dev",
      "--config",
      values.config,
      "--ip",
      HOST,
      "--port",
      String(port),
      "--persist-to",
      values["persist-to"],
      "--local",
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    { stdio: "inherit" },
  );
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => child.kill(signal));
  }
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 0 : 1)));
  });
}

await runCommand("start", main);
