import { reset } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { CURRENT_KEY, documentKey } from "../../src/store/keys.js";
import { makeEntry, NEWER_MS, OLDER_MS, publishSite, request } from "./helpers.js";

const PATHS = ["/", "/feed.atom", "/feed.rss", "/feed.json", "/health"];

/** No stack frame, file path or error class name may reach a client. */
function expectNoInternals(text: string): void {
  expect(text).not.toMatch(/\bat \S+:\d+|\.ts\b|Error:|StoreError|undefined/);
}

/** The test's env with a FEEDS namespace whose reads fail as a KV outage does. */
function envWithFailingKv(): Env {
  const failing = {
    get: () => Promise.reject(new Error("KV GET failed: 500 Internal Server Error")),
  } as unknown as KVNamespace;
  return { ...env, FEEDS: failing };
}

beforeEach(async () => {
  await reset();
});

describe("nothing published yet", () => {
  it.each(PATHS)("%s answers 503 with Retry-After and how to publish", async (path) => {
    const response = await request(path);
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const text = await response.text();
    expect(text).toContain("Nothing is published yet");
    expect(text).toContain("npm start");
    expect(text).toContain("npm run deploy");
  });

  it("a HEAD gets the 503 without a body", async () => {
    const response = await request("/feed.atom", { method: "HEAD" });
    expect(response.status).toBe(503);
    expect(await response.text()).toBe("");
  });

  it("redirects and 404s do not need storage", async () => {
    expect((await request("/rss.xml", { redirect: "manual" })).status).toBe(301);
    expect((await request("/missing")).status).toBe(404);
  });
});

describe("storage failures", () => {
  it.each(PATHS)(
    "%s answers 503 with Retry-After when KV fails, without internals",
    async (path) => {
      const response = await request(path, {}, envWithFailingKv());
      expect(response.status).toBe(503);
      expect(response.headers.get("Retry-After")).not.toBeNull();
      expect(response.headers.get("Cache-Control")).toBe("no-store");
      const text = await response.text();
      expect(text).toContain("storage is unavailable");
      expectNoInternals(text);
    },
  );

  it("a KV read that never answers becomes a 503 with Retry-After after the read timeout", async () => {
    const hanging = {
      ...env,
      FEEDS: { get: () => new Promise(() => {}) } as unknown as KVNamespace,
    };
    const response = await request("/feed.atom", {}, hanging);
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).not.toBeNull();
    const text = await response.text();
    expect(text).toContain("storage is unavailable");
    expectNoInternals(text);
  });

  it("a pointer that holds no manifest answers 503, not a half-served site", async () => {
    await env.FEEDS.put(CURRENT_KEY, '{"schema":1,"version":"x","documents":"oops"}');
    const response = await request("/feed.atom");
    expect(response.status).toBe(503);
    expectNoInternals(await response.text());
  });

  it("a pointer that is not JSON answers 503 through the runtime too, never its 500 page", async () => {
    await env.FEEDS.put(CURRENT_KEY, "<html>");
    const response = await exports.default.fetch("https://news.example/feed.rss");
    expect(response.status).toBe(503);
    expectNoInternals(await response.text());
  });

  it("a body lost from storage answers 503 while the rest of the site is served", async () => {
    // A site no earlier test served: a body this isolate already holds would still be served.
    const { version } = await publishSite([makeEntry(91, NEWER_MS), makeEntry(90, OLDER_MS)]);
    // Only the gzip body is stored; the identity form is decoded from it, so both are lost.
    await env.FEEDS.delete(documentKey(version, "feed.atom", "gzip"));
    const lost = await request("/feed.atom", { headers: { "Accept-Encoding": "gzip" } });
    expect(lost.status).toBe(503);
    expectNoInternals(await lost.text());
    expect((await request("/feed.atom")).status).toBe(503);
    expect((await request("/feed.rss")).status).toBe(200);
    expect((await request("/feed.rss", { headers: { "Accept-Encoding": "gzip" } })).status).toBe(
      200,
    );
  });
});
