/**
 * Thousands of mixed requests against the real stack (wrangler dev and workerd on 127.0.0.1): feeds,
 * conditional requests, HEAD, redirects, unknown paths, wrong methods, and ingest requests without or
 * with a wrong token, malformed, with too many documents, with broken JSON. Bounded in count and time.
 * Every answer must be the right status with the right body; none may be a 5xx.
 *
 * Memory: `wrangler dev` itself grows by about 40 KB per request, whatever the worker (measured with a
 * worker that only answers 404), so an absolute bound would measure wrangler. Instead the same load
 * runs against such a trivial worker under the same `wrangler dev`, and edgefeed's worker may grow no
 * faster than that baseline: a worker that kept anything per request would.
 */

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type LocalStack, ROOT, startLocalStack } from "../../src/cli/local-stack.js";

const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const MAX_REQUESTS = Number(process.env.LOAD_REQUESTS ?? 2000);
const CONCURRENCY = 8;

interface Probe {
  readonly name: string;
  readonly path: string;
  readonly init?: RequestInit;
  readonly status: number;
  /** The body must hash to this (sha256 hex), when given. */
  readonly bodyHash?: string;
}

let stack: LocalStack;
let probes: Probe[];

const sha256 = (bytes: ArrayBuffer | Uint8Array) =>
  createHash("sha256").update(new Uint8Array(bytes)).digest("hex");

/** Resident memory of the workerd processes in the stack's process group, in MiB. */
function workerdRssMb(group: number): number {
  let kb = 0;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (Number(fields[2]) !== group || name !== "workerd") continue;
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // The process ended while we looked.
    }
  }
  return kb / 1024;
}

interface Run {
  readonly sent: number;
  readonly statuses: Map<number, number>;
  readonly wrong: string[];
  /** workerd resident memory, sampled through the run (MiB). */
  readonly memory: number[];
}

/** Sends the probes round-robin from CONCURRENCY clients until the deadline or the request cap. */
async function drive(origin: string, group: number, list: readonly Probe[]): Promise<Run> {
  const deadline = Date.now() + SECONDS * 1000;
  let sent = 0;
  const wrong: string[] = [];
  const statuses = new Map<number, number>();
  const memory: number[] = [workerdRssMb(group)];
  const sampler = setInterval(() => memory.push(workerdRssMb(group)), 250);
  const client = async () => {
    while (Date.now() < deadline && sent < MAX_REQUESTS) {
      const probe = list[sent++ % list.length] as Probe;
      const response = await fetch(`${origin}${probe.path}`, probe.init);
      const bytes = await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status !== probe.status) wrong.push(`${probe.name}: ${response.status}`);
      else if (probe.bodyHash && sha256(bytes) !== probe.bodyHash)
        wrong.push(`${probe.name}: wrong body`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  clearInterval(sampler);
  memory.push(workerdRssMb(group));
  return { sent, statuses, wrong, memory };
}

/** Resident growth per request after the first third of the run (KiB). */
function growthPerRequestKb(run: Run): number {
  const third = Math.max(1, Math.floor(run.memory.length / 3));
  const after = run.memory.slice(third);
  return ((Math.max(...after) - (after[0] as number)) * 1024) / (run.sent * (2 / 3));
}

/** `wrangler dev` serving a worker that answers 404 to everything: the dev server's own growth. */
async function baselineRun(): Promise<Run> {
  const dir = mkdtempSync(path.join(tmpdir(), "edgefeed-baseline-"));
  writeFileSync(
    path.join(dir, "worker.js"),
    'export default { fetch: () => new Response("nope", { status: 404 }) };\n',
  );
  writeFileSync(
    path.join(dir, "wrangler.toml"),
    'name = "baseline"\nmain = "worker.js"\ncompatibility_date = "2026-11-01"\n',
  );
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, "node_modules/wrangler/bin/wrangler.js"),
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
    ],
    {
      cwd: dir,
      detached: true,
      stdio: "ignore",
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: "false",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        WRANGLER_HIDE_BANNER: "true",
        CI: "true",
      },
    },
  );
  const origin = `http://127.0.0.1:${port}`;
  try {
    for (let tries = 0; tries < 300; tries++) {
      if ((await fetch(origin).catch(() => undefined))?.status === 404) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return await drive(origin, child.pid as number, [
      { name: "baseline", path: "/x", status: 404 },
    ]);
  } finally {
    process.kill(-(child.pid as number), "SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  stack = await startLocalStack(180_000);
  const body = (name: string) => sha256(readFileSync(path.join(stack.outDir, name)));
  const etag =
    (await fetch(`${stack.origin}/feed.atom`, { method: "HEAD" })).headers.get("etag") ?? "";
  const lastModified =
    (await fetch(`${stack.origin}/feed.rss`, { method: "HEAD" })).headers.get("last-modified") ??
    "";
  // The served page lists the worker's whole entry store (categories, OPML), not just the build's page.
  const indexHash = sha256(await (await fetch(`${stack.origin}/`)).arrayBuffer());
  const token =
    /^INGEST_TOKEN=(.*)$/m.exec(readFileSync(path.join(ROOT, ".dev.vars"), "utf8"))?.[1]?.trim() ??
    "";
  const ingest = (body: string, type: string, auth: string | undefined): RequestInit => ({
    method: "POST",
    body,
    headers: {
      "content-type": type,
      ...(auth === undefined ? {} : { authorization: `Bearer ${auth}` }),
    },
  });
  probes = [
    {
      name: "Atom, gzip",
      path: "/feed.atom",
      init: { headers: { "accept-encoding": "gzip" } },
      status: 200,
      bodyHash: body("feed.atom"),
    },
    {
      name: "RSS, brotli",
      path: "/feed.rss",
      init: { headers: { "accept-encoding": "br" } },
      status: 200,
      bodyHash: body("feed.rss"),
    },
    {
      name: "JSON Feed, identity",
      path: "/feed.json",
      init: { headers: { "accept-encoding": "identity" } },
      status: 200,
      bodyHash: body("feed.json"),
    },
    { name: "index page", path: "/", status: 200, bodyHash: indexHash },
    {
      name: "ingest without token",
      path: "/api/documents",
      init: ingest("x", "text/plain", undefined),
      status: 401,
    },
    {
      name: "ingest, wrong token",
      path: "/api/documents",
      init: ingest("x", "text/plain", `${token}x`),
      status: 401,
    },
    {
      name: "ingest, malformed document",
      path: "/api/documents",
      init: ingest("<!--17a8-->\n[T](/x)\n------\n<p>x</p>", "text/plain", token),
      status: 422,
    },
    {
      name: "ingest, 501 documents",
      path: "/api/documents",
      init: ingest(JSON.stringify(Array(501).fill("x")), "application/json", token),
      status: 413,
    },
    {
      name: "ingest, broken JSON",
      path: "/api/documents",
      init: ingest("[{", "application/json", token),
      status: 400,
    },
    { name: "HEAD", path: "/feed.atom", init: { method: "HEAD" }, status: 200 },
    {
      name: "If-None-Match",
      path: "/feed.atom",
      init: { headers: { "if-none-match": etag } },
      status: 304,
    },
    {
      name: "If-None-Match list",
      path: "/feed.atom",
      init: { headers: { "if-none-match": `"x", W/${etag}` } },
      status: 304,
    },
    {
      name: "If-Modified-Since",
      path: "/feed.rss",
      init: { headers: { "if-modified-since": lastModified } },
      status: 304,
    },
    { name: "health", path: "/health", status: 200 },
    { name: "redirect", path: "/rss.xml", init: { redirect: "manual" }, status: 301 },
    { name: "unknown path", path: "/nope", status: 404 },
    { name: "traversal", path: "/..%2f..%2fetc%2fpasswd", status: 404 },
    { name: "long path", path: `/${"a".repeat(4000)}`, status: 404 },
    {
      name: "POST to a feed",
      path: "/feed.atom",
      init: { method: "POST", body: "x" },
      status: 405,
    },
    { name: "DELETE the index", path: "/", init: { method: "DELETE" }, status: 405 },
    { name: "PUT health", path: "/health", init: { method: "PUT", body: "{}" }, status: 405 },
  ];
});

afterAll(async () => {
  await stack?.stop();
});

describe(`load on 127.0.0.1 (${SECONDS} s, at most ${MAX_REQUESTS} requests, ${CONCURRENCY} at a time)`, () => {
  it("answers every request with the right status and body, no 5xx, and grows no faster than wrangler dev alone", async () => {
    const run = await drive(stack.origin, stack.processGroup, probes);
    await stack.stop();
    const baseline = await baselineRun();
    const serverErrors = [...run.statuses]
      .filter(([status]) => status >= 500)
      .reduce((n, [, count]) => n + count, 0);
    const ours = growthPerRequestKb(run);
    const theirs = growthPerRequestKb(baseline);
    console.log(
      `load: ${run.sent} requests, statuses ${JSON.stringify(Object.fromEntries(run.statuses))}, ${run.wrong.length} wrong; ` +
        `workerd RSS ${run.memory[0]?.toFixed(0)} → ${run.memory.at(-1)?.toFixed(0)} MiB, ${ours.toFixed(1)} KiB per request ` +
        `(wrangler dev with a trivial worker: ${theirs.toFixed(1)} KiB per request over ${baseline.sent} requests)`,
    );
    expect(run.sent).toBeGreaterThanOrEqual(Math.min(MAX_REQUESTS, 1000));
    expect(serverErrors).toBe(0);
    expect([...new Set(run.wrong)].slice(0, 10)).toEqual([]);
    expect(run.memory[0]).toBeGreaterThan(0);
    expect(baseline.wrong).toEqual([]);
    // A worker that kept a response per request would add its size (kilobytes) to every request.
    expect(ours).toBeLessThanOrEqual(theirs * 1.5 + 8);
  });
});
