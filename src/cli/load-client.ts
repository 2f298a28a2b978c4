/**
 * @module cli/load-client — loads one URL on loopback for a bounded time and reports throughput and
 * latency, for `npm run bench`. It uses wrk where it is installed (Debian: `apt-get install wrk`) and
 * autocannon otherwise. The choice matters on a 2-core machine: autocannon runs in Node and spends
 * about 4 ms of CPU taking in each 190 KiB feed, CPU the server then lacks, so it reports a large
 * response as slower than it is; wrk, in C, takes the same bytes for a small fraction of that.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";

export type LoadClientName = "wrk" | "autocannon";

export interface LoadFigures {
  readonly client: LoadClientName;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Connection errors and time-outs. */
  readonly errors: number;
  /** Responses whose status was not the one expected (wrk: not 2xx or 3xx). */
  readonly unexpectedStatus: number;
  /** Mean bytes on the wire per response, body and headers. */
  readonly bytesPerResponse: number;
}

export interface LoadOptions {
  readonly seconds: number;
  readonly connections: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The status every response should have. */
  readonly status: number;
}

/** Whether wrk is on the PATH. */
export function hasWrk(): boolean {
  return spawnSync("wrk", ["--version"], { stdio: "ignore" }).error === undefined;
}

/**
 * wrk's own report, printed once at the end as one JSON line (Lua's `done` hook: nothing runs per
 * request, so the client stays as cheap as wrk is).
 */
const WRK_REPORT_SCRIPT = `
done = function(summary, latency, requests)
  io.write(string.format(
    'EDGEFEED {"requests":%d,"durationUs":%d,"bytes":%d,"p50Us":%d,"p99Us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d}\\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status))
end
`;

interface WrkReport {
  readonly requests: number;
  readonly durationUs: number;
  readonly bytes: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly connect: number;
  readonly read: number;
  readonly write: number;
  readonly timeout: number;
  readonly status: number;
}

async function loadWithWrk(url: string, options: LoadOptions): Promise<LoadFigures> {
  const dir = await mkdtemp(path.join(tmpdir(), "edgefeed-wrk-"));
  try {
    const script = path.join(dir, "report.lua");
    await writeFile(script, WRK_REPORT_SCRIPT);
    const args = [
      "--threads",
      "1",
      "--connections",
      String(options.connections),
      "--duration",
      `${options.seconds}s`,
      "--timeout",
      "10s",
      "--script",
      script,
      ...Object.entries(options.headers).flatMap(([name, value]) => [
        "--header",
        `${name}: ${value}`,
      ]),
      url,
    ];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      child.stdout.on("data", (chunk) => {
        text += chunk;
      });
      child.stderr.on("data", (chunk) => {
        text += chunk;
      });
      child.once("error", reject);
      child.once("exit", (code) =>
        code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}:\n${text}`)),
      );
    });
    const line = output.split("\n").find((l) => l.startsWith("EDGEFEED "));
    if (!line) throw new Error(`wrk printed no report:\n${output}`);
    const report = JSON.parse(line.slice("EDGEFEED ".length)) as WrkReport;
    return {
      client: "wrk",
      requestsPerSecond: report.requests / (report.durationUs / 1e6),
      p50Ms: report.p50Us / 1000,
      p99Ms: report.p99Us / 1000,
      requests: report.requests,
      errors: report.connect + report.read + report.write + report.timeout,
      unexpectedStatus: report.status,
      bytesPerResponse: report.requests > 0 ? report.bytes / report.requests : 0,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function loadWithAutocannon(url: string, options: LoadOptions): Promise<LoadFigures> {
  let unexpectedStatus = 0;
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    headers: { ...options.headers },
    setupClient: (client) => {
      client.on("response", (statusCode: number) => {
        if (statusCode !== options.status) unexpectedStatus++;
      });
    },
  });
  return {
    client: "autocannon",
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    unexpectedStatus,
    bytesPerResponse:
      result.requests.total > 0 ? result.throughput.total / result.requests.total : 0,
  };
}

/**
 * Loads a URL for `seconds` with wrk (or autocannon without it). wrk counts only statuses outside
 * 2xx–3xx, so the URL's status is checked once first: a 200 where a 304 is expected is caught there.
 * @example (await loadUrl("http://127.0.0.1:8787/health", { seconds: 5, connections: 10, headers: {}, status: 200 })).p50Ms
 */
export async function loadUrl(
  url: string,
  options: LoadOptions,
  client: LoadClientName = hasWrk() ? "wrk" : "autocannon",
): Promise<LoadFigures> {
  const probe = await fetch(url, { headers: options.headers });
  await probe.arrayBuffer();
  if (probe.status !== options.status)
    throw new Error(`${url} answered ${probe.status} before the load, not ${options.status}`);
  return client === "wrk" ? loadWithWrk(url, options) : loadWithAutocannon(url, options);
}
