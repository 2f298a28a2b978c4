/**
 * @module cli/ingest-bench — CPU time of the worker per ingest, per correction and per feed request, for `npm run bench`,
 * measured inside workerd: the real worker runs under `wrangler dev` on 127.0.0.1 with its own local D1
 * and KV, a site of `siteEntries` entries is loaded through the ingest API (batches of 500), then each
 * measured request runs under the isolate's V8 profiler (see cli/worker-profiler). Only the worker's
 * isolate is counted: the local D1 and KV run in other isolates, as on Cloudflare their time is not the
 * worker's CPU time.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateCorrection, generateDocument } from "./corpus.js";
import { freePort } from "./local-stack.js";
import { type CpuSample, type Spread, spread, WorkerProfiler } from "./worker-profiler.js";
import { spawnWrangler } from "./wrangler.js";

/** CPU figures of one kind of request: each one's figures in order, and their spread. */
export interface RequestCpu extends Spread {
  readonly cpuMs: readonly number[];
  readonly gcMs: readonly number[];
  readonly wallMs: readonly number[];
  /** Where the CPU went, summed over every request of this kind (self time, ms). */
  readonly top: ReadonlyArray<readonly [string, number]>;
}

export interface IngestCpuReport {
  /** Entries in the site before the measured ingests. */
  readonly siteEntries: number;
  /** Seconds it took to load them (convert, store, publish, in batches of 500). */
  readonly loadSeconds: number;
  /** POST of one new document: convert, store in D1, re-render and compress what is stale, publish. */
  readonly ingest: RequestCpu;
  /** POST of a correction of one of those new documents (among the newest): an update, then a publish. */
  readonly correction: RequestCpu;
  /** GET /feed.atom, Accept-Encoding: gzip, answered 200. */
  readonly feed200: RequestCpu;
  /** GET /feed.atom with the current ETag in If-None-Match, answered 304. */
  readonly feed304: RequestCpu;
}

export interface IngestCpuOptions {
  /** Ingests measured, one document per request, then as many corrections of them (default 20). */
  readonly ingests?: number;
  /** Entries loaded before measuring (default 10,000). */
  readonly siteEntries?: number;
  /** Requests measured per feed case (default 30). */
  readonly requests?: number;
  readonly configPath?: string;
  readonly log?: (line: string) => void;
  /** A folder to write each measured ingest's V8 profile to (`ingest-<n>.cpuprofile`), for DevTools. */
  readonly profileDir?: string;
}

const BATCH = 500;

function summarize(samples: readonly CpuSample[]): RequestCpu {
  const cpuMs = samples.map((s) => s.cpuMs);
  const top = new Map<string, number>();
  for (const s of samples) for (const [name, ms] of s.top) top.set(name, (top.get(name) ?? 0) + ms);
  return {
    ...spread(cpuMs),
    cpuMs,
    gcMs: samples.map((s) => s.gcMs),
    wallMs: samples.map((s) => s.wallMs),
    top: [...top].sort((a, b) => b[1] - a[1]).slice(0, 10),
  };
}

interface DevServer {
  readonly origin: string;
  readonly inspectorPort: number;
  stop(): Promise<void>;
}

/** `wrangler dev` on 127.0.0.1 with its state in `state`, once it answers. */
async function startDev(state: string, token: string, configPath: string): Promise<DevServer> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const child: ChildProcess = spawnWrangler(
    [
      "dev",
      ...["--config", configPath, "--ip", "127.0.0.1", "--port", String(port)],
      ...["--inspector-port", String(inspectorPort), "--local", "--persist-to", state],
      ...["--var", `INGEST_TOKEN:${token}`, "--show-interactive-dev-session=false"],
    ],
    { stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const origin = `http://127.0.0.1:${port}`;
  // wrangler runs in its own process group (it starts workerd): stop all of it, also when this
  // process is interrupted.
  const killGroup = () => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
  };
  const interrupted = () => {
    killGroup();
    process.exit(130);
  };
  process.once("exit", killGroup);
  process.once("SIGINT", interrupted);
  const stop = async () => {
    process.off("exit", killGroup);
    process.off("SIGINT", interrupted);
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    killGroup();
    await exited;
  };
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output.slice(-2000)}`);
    try {
      await fetch(`${origin}/health`, { signal: AbortSignal.timeout(2_000) });
      return { origin, inspectorPort, stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  await stop();
  throw new Error(`wrangler dev did not answer on ${origin}:\n${output.slice(-2000)}`);
}

async function post(server: DevServer, token: string, body: string, type: string, name = "") {
  const response = await fetch(`${server.origin}/api/documents${name ? `?name=${name}` : ""}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": type },
    body,
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`ingest answered ${response.status}: ${text.slice(0, 500)}`);
  return text;
}

/**
 * Loads a site of `siteEntries` generated documents into a fresh local worker, then measures the
 * isolate's CPU per ingest of one more document and per /feed.atom request (200 gzip, 304).
 * @example const { ingest } = await measureIngestCpu({ ingests: 20 }); ingest.medianMs
 */
export async function measureIngestCpu(options: IngestCpuOptions = {}): Promise<IngestCpuReport> {
  const siteEntries = options.siteEntries ?? 10_000;
  const ingests = options.ingests ?? 20;
  const requests = options.requests ?? 30;
  const log = options.log ?? (() => {});
  const state = await mkdtemp(path.join(tmpdir(), "edgefeed-cpu-bench-"));
  const token = randomBytes(16).toString("hex");
  const server = await startDev(state, token, options.configPath ?? "wrangler.toml");
  try {
    const loadStart = performance.now();
    for (let from = 0; from < siteEntries; from += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, siteEntries - from) }, (_, i) => ({
        name: `site-${from + i}.txt`,
        text: generateDocument(from + i),
      }));
      await post(server, token, JSON.stringify(batch), "application/json");
      log(`  loaded ${from + batch.length} of ${siteEntries} entries`);
    }
    const loadSeconds = (performance.now() - loadStart) / 1000;

    const profiler = await WorkerProfiler.connect(server.inspectorPort);
    try {
      // One unmeasured ingest first: the isolate compiles the ingest path once.
      await post(server, token, generateDocument(siteEntries), "text/plain", "warm.txt");
      // Each new document, then each of them corrected (the isolate has seen them, as it would an
      // article corrected the day it ran).
      const measured = async (kind: "ingest" | "correction", make: (index: number) => string) => {
        const samples: CpuSample[] = [];
        for (let i = 1; i <= ingests; i++) {
          const text = make(siteEntries + i);
          const { sample, profile } = await profiler.measure(() =>
            post(server, token, text, "text/plain", `new-${i}.txt`),
          );
          samples.push(sample);
          if (options.profileDir)
            await writeFile(
              path.join(options.profileDir, `${kind}-${i}.cpuprofile`),
              JSON.stringify(profile),
            );
        }
        return summarize(samples);
      };
      const ingest = await measured("ingest", generateDocument);
      const correction = await measured("correction", generateCorrection);
      const url = `${server.origin}/feed.atom`;
      const feed = (headers: Record<string, string>, status: number) => async () => {
        const response = await fetch(url, { headers });
        await response.arrayBuffer();
        if (response.status !== status)
          throw new Error(`GET /feed.atom answered ${response.status}, not ${status}`);
        return response;
      };
      const gzip = { "accept-encoding": "gzip" };
      const first = await feed(gzip, 200)();
      const etag = first.headers.get("etag") ?? "";
      const ok: CpuSample[] = [];
      const notModified: CpuSample[] = [];
      for (let i = 0; i < requests; i++) {
        ok.push((await profiler.measure(feed(gzip, 200))).sample);
        notModified.push(
          (await profiler.measure(feed({ ...gzip, "if-none-match": etag }, 304))).sample,
        );
      }
      return {
        siteEntries,
        loadSeconds,
        ingest,
        correction,
        feed200: summarize(ok),
        feed304: summarize(notModified),
      };
    } finally {
      profiler.close();
    }
  } finally {
    await server.stop();
    await rm(state, { recursive: true, force: true });
  }
}
