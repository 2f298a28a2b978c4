/**
 * @module cli/edgefeed — the command line: `edgefeed build [--seeds DIR] [--out DIR] [--config FILE]`.
 */
import { parseArgs } from "node:util";
import { EdgefeedError } from "../errors.js";
import { buildSite, DEFAULT_CACHE_DIR, formatBuildReport } from "./build.js";
import { startProgress } from "./progress.js";
import { readSiteConfigFile } from "./site-config.js";

const USAGE = `usage: edgefeed build [--seeds DIR] [--out DIR] [--config FILE] [--threads N] [--no-cache] [--quiet]

  --seeds DIR     folder of seed documents, subfolders included (default: seeds)
  --out DIR       folder the feeds are written to (default: out)
  --config FILE   wrangler.toml whose [vars] hold the site's settings (default: wrangler.toml)
  --threads N     worker threads converting documents (default: one per core when over
                  1,000 documents change, else 1); the output is the same for any N
  --time-budget MS  with threads, how long one document may take before it is stopped and
                  rejected (default: 20000)
  --cache DIR     incremental build cache (default: node_modules/.cache/edgefeed)
  --no-cache      convert every document, and remember nothing
  --quiet         print only problems

Exit status: 0 when every document was published, 1 when any was rejected (the feeds of
the others are still written), 2 when the build could not run at all.`;

/** Exit codes. */
const EXIT = { ok: 0, rejected: 1, failed: 2 } as const;

async function build(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      seeds: { type: "string", default: "seeds" },
      out: { type: "string", default: "out" },
      config: { type: "string", default: "wrangler.toml" },
      threads: { type: "string" },
      "time-budget": { type: "string" },
      cache: { type: "string" },
      "no-cache": { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return EXIT.ok;
  }
  const config = await readSiteConfigFile(values.config);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 64)) {
    throw new EdgefeedError(
      `--threads expects a whole number from 1 to 64, got "${values.threads}"`,
    );
  }
  const budget = values["time-budget"] === undefined ? undefined : Number(values["time-budget"]);
  if (budget !== undefined && !(Number.isInteger(budget) && budget >= 1)) {
    throw new EdgefeedError(
      `--time-budget expects milliseconds, a whole number from 1, got "${values["time-budget"]}"`,
    );
  }
  let progress: ReturnType<typeof startProgress> | undefined;
  const report = await buildSite({
    seedsDir: values.seeds,
    outDir: values.out,
    config,
    threads,
    timeBudgetMs: budget,
    cacheDir: values["no-cache"] ? undefined : (values.cache ?? DEFAULT_CACHE_DIR),
    onProgress: (done, total) => {
      progress ??= startProgress(process.stderr, total, "converting");
      progress.tick(done);
      if (done === total) progress.done();
    },
  });
  const { problems, summary } = formatBuildReport(report);
  for (const line of problems) console.error(line);
  if (!values.quiet || problems.length > 0) console.log(summary);
  return report.rejected.length > 0 ? EXIT.rejected : EXIT.ok;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "build":
        return await build(rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return command === undefined ? EXIT.failed : EXIT.ok;
      default:
        console.error(`edgefeed: unknown command "${command}"\n\n${USAGE}`);
        return EXIT.failed;
    }
  } catch (error) {
    if (
      error instanceof EdgefeedError ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      console.error(`edgefeed: ${(error as Error).message}`);
      return EXIT.failed;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
