import { reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { documentKey } from "../../src/store/keys.js";
import { createApp } from "../../src/worker/app.js";
import { BodyCache } from "../../src/worker/body-cache.js";
import { ENTRIES, makeEntry, NEWER_MS, publishSite, request } from "./helpers.js";

/** Wed, 26 Nov 2026 00:00:00 GMT: the helpers' publish time, so every document's Last-Modified. */
const LAST_MODIFIED = "Thu, 26 Nov 2026 00:00:00 GMT";

beforeEach(async () => {
  await reset();
  await publishSite();
});

async function etagOf(path: string, acceptEncoding?: string): Promise<string> {
  const response = await request(
    path,
    acceptEncoding ? { headers: { "Accept-Encoding": acceptEncoding } } : {},
  );
  const etag = response.headers.get("ETag");
  if (etag === null) throw new Error(`${path} has no ETag`);
  return etag;
}

describe("validators", () => {
  it("every document has a strong ETag from its content hash and a Last-Modified", async () => {
    for (const path of ["/", "/feed.atom", "/feed.rss", "/feed.json"]) {
      const response = await request(path);
      expect(response.headers.get("ETag")).toMatch(/^"[0-9a-f]{32}"$/);
      expect(response.headers.get("Last-Modified")).toBe(LAST_MODIFIED);
    }
  });

  it("each format has its own ETag, and each coding of one document its own strong tag", async () => {
    const tags = await Promise.all(["/feed.atom", "/feed.rss", "/feed.json"].map((p) => etagOf(p)));
    expect(new Set(tags).size).toBe(3);
    const atom = await etagOf("/feed.atom");
    expect(await etagOf("/feed.atom", "gzip")).toBe(`${atom.slice(0, -1)}-gzip"`);
    expect(await etagOf("/feed.atom", "br")).toBe(`${atom.slice(0, -1)}-br"`);
  });
});

describe("If-None-Match", () => {
  it("answers 304 with no body for the current tag", async () => {
    const etag = await etagOf("/feed.atom");
    const response = await request("/feed.atom", { headers: { "If-None-Match": etag } });
    expect(response.status).toBe(304);
    expect(await response.text()).toBe("");
  });

  it("304 carries ETag, Cache-Control, Vary, Date and CORS, and no representation headers", async () => {
    const etag = await etagOf("/feed.json");
    const response = await request("/feed.json", { headers: { "If-None-Match": etag } });
    expect(response.status).toBe(304);
    expect(response.headers.get("ETag")).toBe(etag);
    expect(response.headers.get("Cache-Control")).toContain("max-age=");
    expect(response.headers.get("Vary")).toBe("Accept-Encoding");
    expect(Date.parse(response.headers.get("Date") ?? "")).not.toBeNaN();
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.headers.get("Content-Type")).toBeNull();
    expect(response.headers.get("Content-Length")).toBeNull();
    expect(response.headers.get("Content-Encoding")).toBeNull();
  });

  it("compares weakly: W/ before our tag still matches", async () => {
    const etag = await etagOf("/feed.rss");
    const response = await request("/feed.rss", { headers: { "If-None-Match": `W/${etag}` } });
    expect(response.status).toBe(304);
  });

  it("matches any tag of a list", async () => {
    const etag = await etagOf("/feed.atom");
    const list = `"stale-one", W/"other",${etag} , "x"`;
    expect((await request("/feed.atom", { headers: { "If-None-Match": list } })).status).toBe(304);
  });

  it("answers 304 naming the client's own tag when it holds another coding of the same content", async () => {
    const gzipTag = await etagOf("/feed.atom", "gzip");
    const response = await request("/feed.atom", {
      headers: { "If-None-Match": gzipTag, "Accept-Encoding": "br" },
    });
    expect(response.status).toBe(304);
    expect(response.headers.get("ETag")).toBe(gzipTag);
  });

  it("* matches whatever is published", async () => {
    const response = await request("/", { headers: { "If-None-Match": "*" } });
    expect(response.status).toBe(304);
    expect(response.headers.get("ETag")).toBe(await etagOf("/"));
  });

  it("a tag of another document, or of an older build, gets the full document", async () => {
    const rssTag = await etagOf("/feed.rss");
    const response = await request("/feed.atom", {
      headers: { "If-None-Match": `${rssTag}, "0123"` },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("<feed");
  });

  it("takes precedence over If-Modified-Since", async () => {
    const response = await request("/feed.atom", {
      headers: { "If-None-Match": '"old"', "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT" },
    });
    expect(response.status).toBe(200);
  });

  it("a new build with other content answers 200 to the old tag", async () => {
    const old = await etagOf("/feed.atom");
    const { makeEntry, NEWER_MS, ENTRIES } = await import("./helpers.js");
    await publishSite([makeEntry(3, NEWER_MS + 1000), ...ENTRIES], { now: Date.UTC(2026, 10, 27) });
    const response = await request("/feed.atom", { headers: { "If-None-Match": old } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Article number 3");
  });
});

describe("If-Modified-Since", () => {
  it.each([
    [LAST_MODIFIED, 304],
    ["Fri, 27 Nov 2026 08:00:00 GMT", 304],
    ["Wed, 25 Nov 2026 23:59:59 GMT", 200],
    ["not a date", 200],
  ])("If-Modified-Since: %s answers %i", async (since, status) => {
    const response = await request("/feed.rss", { headers: { "If-Modified-Since": since } });
    expect(response.status).toBe(status);
  });

  it("the 304 still names the document's ETag", async () => {
    const response = await request("/feed.rss", {
      headers: { "If-Modified-Since": LAST_MODIFIED },
    });
    expect(response.headers.get("ETag")).toBe(await etagOf("/feed.rss"));
  });
});

describe("HEAD", () => {
  it.each(["/", "/feed.atom", "/feed.rss", "/feed.json", "/health"])(
    "HEAD %s answers GET's status and headers, without a body",
    async (path) => {
      for (const encoding of ["identity", "gzip, br"]) {
        const headers = { "Accept-Encoding": encoding };
        const get = await request(path, { headers });
        const head = await request(path, { method: "HEAD", headers });
        expect(head.status).toBe(get.status);
        const comparable = (r: Response) => [...r.headers].filter(([name]) => name !== "date");
        expect(comparable(head)).toEqual(comparable(get));
        expect(await head.text()).toBe("");
      }
    },
  );

  it("a conditional HEAD answers 304", async () => {
    const etag = await etagOf("/feed.atom");
    const response = await request("/feed.atom", {
      method: "HEAD",
      headers: { "If-None-Match": etag },
    });
    expect(response.status).toBe(304);
  });
});

describe("caching and security headers", () => {
  it.each(["/", "/feed.atom", "/feed.rss", "/feed.json"])(
    "%s may be cached briefly and served stale while revalidating, per coding",
    async (path) => {
      const response = await request(path);
      const cacheControl = response.headers.get("Cache-Control") ?? "";
      expect(cacheControl).toMatch(/\bpublic\b/);
      expect(Number(/max-age=(\d+)/.exec(cacheControl)?.[1])).toBeLessThanOrEqual(600);
      expect(Number(/stale-while-revalidate=(\d+)/.exec(cacheControl)?.[1])).toBeGreaterThan(0);
      expect(response.headers.get("Vary")).toBe("Accept-Encoding");
      expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    },
  );

  it.each(["/feed.atom", "/feed.rss", "/feed.json"])(
    "%s is readable by web-based readers on any origin, ETag included",
    async (path) => {
      const response = await request(path, { headers: { Origin: "https://reader.example" } });
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
      expect(response.headers.get("Access-Control-Expose-Headers")).toContain("ETag");
    },
  );

  it("the page is not shared across origins and forbids scripts, frames and foreign styles", async () => {
    const response = await request("/");
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|script-src/);
  });

  it("the page's CSP allows exactly its inline style, by hash", async () => {
    const response = await request("/");
    const html = await response.text();
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(style));
    const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
    expect(response.headers.get("Content-Security-Policy")).toContain(`style-src 'sha256-${hash}'`);
  });
});

describe("bodies kept in the isolate", () => {
  const ctx = {
    waitUntil() {},
    passThroughOnException() {},
    props: {},
  } as unknown as ExecutionContext;

  function get(
    app: ReturnType<typeof createApp>,
    path: string,
    acceptEncoding = "gzip",
  ): Promise<Response> {
    return Promise.resolve(
      app.fetch(
        new Request(new URL(path, "https://news.example"), {
          headers: { "Accept-Encoding": acceptEncoding },
        }),
        env,
        ctx,
      ),
    );
  }

  it("a body read once is served again from memory, byte for byte, without KV", async () => {
    const bodies = new BodyCache();
    const app = createApp({ bodies });
    const { version } = await publishSite();
    const first = new Uint8Array(await (await get(app, "/feed.atom")).arrayBuffer());
    expect(bodies.keys()).toEqual([documentKey(version, "feed.atom", "gzip")]);
    await env.FEEDS.delete(documentKey(version, "feed.atom", "gzip"));
    for (let i = 0; i < 3; i++) {
      const again = await get(app, "/feed.atom");
      expect(again.status).toBe(200);
      expect(new Uint8Array(await again.arrayBuffer())).toEqual(first);
    }
  });

  it("a new publish is served at once: the pointer is read on every request", async () => {
    const app = createApp({ bodies: new BodyCache() });
    await publishSite();
    expect(await (await get(app, "/feed.json", "identity")).text()).not.toContain(
      "Article number 3",
    );
    await publishSite([makeEntry(3, NEWER_MS + 1000), ...ENTRIES], { now: Date.UTC(2026, 10, 27) });
    expect(await (await get(app, "/feed.json", "identity")).text()).toContain("Article number 3");
  });
});
