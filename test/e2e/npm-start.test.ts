import { readFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../src/cli/local-stack.js";

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
  console.log(`npm start served /health after ${stack.startupMs} ms`);
});

afterAll(async () => {
  await stack?.stop();
});

const FEEDS = [
  ["feed.atom", "application/atom+xml; charset=utf-8"],
  ["feed.rss", "application/rss+xml; charset=utf-8"],
  ["feed.json", "application/feed+json; charset=utf-8"],
] as const;

describe("npm start", () => {
  it("prints the build, the publish and the address, and nothing about telemetry or Cloudflare's hosts", () => {
    const log = stack.log();
    expect(log).toMatch(/build: read \d+, published [1-9]\d*/);
    expect(log).toMatch(/local KV: entries created \d+, .*; published version [0-9a-f]{16}/);
    expect(log).toContain("serving http://localhost:");
    expect(log).not.toMatch(
      /telemetry|metrics|cloudflare\.com|update available|ENOTFOUND|EAI_AGAIN/i,
    );
  });

  it.each(FEEDS)("serves /%s over HTTP as %s, the build's own bytes", async (file, type) => {
    const response = await fetch(`${stack.origin}/${file}`, {
      headers: { "Accept-Encoding": "identity" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe(type);
    expect(response.headers.get("Content-Encoding")).toBeNull();
    expect(await response.text()).toBe(await readFile(path.join(stack.outDir, file), "utf8"));
  });

  it("a client that sends no Accept-Encoding (curl, old readers) gets plain bytes", async () => {
    // node:http sends only the headers it is given; fetch would add its own Accept-Encoding.
    const { headers, body } = await new Promise<{ headers: Record<string, unknown>; body: string }>(
      (resolve, reject) => {
        const req = httpRequest(`${stack.origin}/feed.atom`, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => resolve({ headers: res.headers, body: text }));
        });
        req.on("error", reject);
        req.end();
      },
    );
    expect(headers["content-encoding"]).toBeUndefined();
    expect(body).toBe(await readFile(path.join(stack.outDir, "feed.atom"), "utf8"));
  });

  it("HEAD over HTTP answers GET's length and validators, without a body", async () => {
    const init = { headers: { "Accept-Encoding": "identity" } };
    const get = await fetch(`${stack.origin}/feed.json`, init);
    const head = await fetch(`${stack.origin}/feed.json`, { ...init, method: "HEAD" });
    expect(head.status).toBe(200);
    for (const name of [
      "Content-Length",
      "Content-Type",
      "ETag",
      "Last-Modified",
      "Cache-Control",
    ]) {
      expect(head.headers.get(name)).toBe(get.headers.get(name));
    }
    expect(await head.text()).toBe("");
  });

  it("the JSON feed carries the seeds' articles", async () => {
    const feed = (await (await fetch(`${stack.origin}/feed.json`)).json()) as { items: unknown[] };
    const health = (await (await fetch(`${stack.origin}/health`)).json()) as { entries: number };
    expect(feed.items.length).toBeGreaterThan(0);
    expect(health.entries).toBe(feed.items.length);
  });

  it("compresses for clients that accept it, and a client that decodes reads the same feed", async () => {
    const plain = await readFile(path.join(stack.outDir, "feed.atom"), "utf8");
    for (const coding of ["gzip", "br"]) {
      // fetch (undici) decodes gzip and br itself, after the headers tell what was sent.
      const response = await fetch(`${stack.origin}/feed.atom`, {
        headers: { "Accept-Encoding": coding },
      });
      expect(response.headers.get("Content-Encoding")).toBe(coding);
      expect(await response.text()).toBe(plain);
    }
  });

  it("answers a conditional request with 304, and an old name with a redirect", async () => {
    const first = await fetch(`${stack.origin}/feed.rss`);
    const etag = first.headers.get("ETag") ?? "";
    const again = await fetch(`${stack.origin}/feed.rss`, { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    const moved = await fetch(`${stack.origin}/rss.xml`, { redirect: "manual" });
    expect(moved.status).toBe(301);
    expect(moved.headers.get("Location")).toBe(`${stack.origin}/feed.rss`);
  });

  it("serves the index page with its strict CSP", async () => {
    const response = await fetch(`${stack.origin}/`);
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    // The served page is the build's, plus the links only the worker's site has (categories, OPML).
    const page = await response.text();
    const built = await readFile(path.join(stack.outDir, "index.html"), "utf8");
    for (const title of built.match(/<h2>.*<\/h2>/g) ?? []) expect(page).toContain(title);
    expect(page).toContain("/feeds.opml");
  });

  it("npm run publish sends the seeds to the running worker: every document unchanged", async () => {
    const { execFile } = await import("node:child_process");
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        "npm",
        ["run", "--silent", "publish", "--", "--to", stack.origin],
        { cwd: path.resolve(import.meta.dirname, "../.."), env: { ...process.env, CI: "true" } },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    expect(output).toMatch(/^unchanged /m);
    expect(output).toMatch(/created 0, updated 0, unchanged [1-9]\d*, rejected 0/);
  });

  it("npm run publish sends each document's bytes as they are: a GBK document arrives readable", async () => {
    const { execFile } = await import("node:child_process");
    const { copyFile, mkdtemp } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const seeds = await mkdtemp(path.join(tmpdir(), "edgefeed-publish-gbk-"));
    const fixture = path.resolve(
      import.meta.dirname,
      "../fixtures/hostile/encoding-gbk-declared.txt",
    );
    await copyFile(fixture, path.join(seeds, "gbk.txt"));
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        "npm",
        ["run", "--silent", "publish", "--", "--to", stack.origin, "--seeds", seeds],
        { cwd: path.resolve(import.meta.dirname, "../.."), env: { ...process.env, CI: "true" } },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    expect(output).toMatch(/created 1, updated 0, unchanged 0, rejected 0/);
    const feed = (await (await fetch(`${stack.origin}/feed.json`)).json()) as {
      items: Array<{ url: string; content_html: string }>;
    };
    const story = feed.items.find((item) => item.url === "https://news.example/2024/05/story.html");
    expect(story?.content_html).toContain("<p>中文新闻</p>");
  });
});
