import { reset } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { ENTRIES, makeEntry, NEWER_MS, publishSite, renderedBody, request } from "./helpers.js";

beforeEach(async () => {
  await reset();
  await publishSite();
});

describe("feeds", () => {
  it.each([
    ["/feed.atom", "application/atom+xml; charset=utf-8", "feed.atom"],
    ["/feed.rss", "application/rss+xml; charset=utf-8", "feed.rss"],
    ["/feed.json", "application/feed+json; charset=utf-8", "feed.json"],
  ])("GET %s answers the published document as %s", async (path, type, file) => {
    const response = await request(path);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe(type);
    const body = await response.text();
    expect(body).toBe(renderedBody(file));
    expect(response.headers.get("Content-Length")).toBe(
      String(new TextEncoder().encode(body).byteLength),
    );
  });

  it("carries the newest entry first", async () => {
    const feed = (await (await request("/feed.json")).json()) as { items: { title: string }[] };
    expect(feed.items.map((item) => item.title)).toEqual(ENTRIES.map((e) => e.title));
  });
});

describe("the index page", () => {
  it("is HTML with the title, subscribe links, autodiscovery and the entries", async () => {
    const response = await request("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    const html = await response.text();
    expect(html).toContain("<title>Test archive</title>");
    const formats = [
      ["application/atom+xml", "Atom", "https://news.example/feed.atom"],
      ["application/rss+xml", "RSS", "https://news.example/feed.rss"],
      ["application/feed+json", "JSON Feed", "https://news.example/feed.json"],
    ] as const;
    for (const [type, name, href] of formats) {
      expect(html).toContain(
        `<link rel="alternate" type="${type}" title="Test archive (${name})" href="${href}">`,
      );
      expect(html).toContain(`<a href="${href}" type="${type}">${name}</a>`);
    }
    expect(html.indexOf("Article number 2")).toBeLessThan(html.indexOf("Article number 1"));
    expect(html).toContain('<img src="https://img.example/2.jpg" alt="Photo 2"');
    expect(html).toContain('<time datetime="2021-12-16T18:57:46Z">2021-12-16 18:57 UTC</time>');
    expect(html).toContain("Summary of article 2.");
    expect(html).not.toMatch(/<script/i);
  });
});

describe("the index page, from hostile or empty archives", () => {
  it("shows markup in titles, summaries and captions as text, never as elements", async () => {
    const hostile = {
      ...makeEntry(7, NEWER_MS, '<img src=x onerror="alert(1)"> & <script>alert(2)</script>'),
      summary: "</p><script>alert(3)</script>",
      images: [{ url: 'https://img.example/7.jpg?a=1&b="2"', caption: "<b>bold</b>" }],
    };
    await publishSite([hostile]);
    const html = await (await request("/")).text();
    expect(html).not.toMatch(/<script|<img src=x|<b>bold/);
    expect(html).toContain(
      "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &lt;script&gt;alert(2)&lt;/script&gt;",
    );
    expect(html).toContain('src="https://img.example/7.jpg?a=1&amp;b=&quot;2&quot;"');
  });

  it("says that nothing is published yet when the archive is empty", async () => {
    await publishSite([]);
    const html = await (await request("/")).text();
    expect(html).toContain("No articles have been published yet.");
    expect(html).not.toContain('class="entry"');
  });
});

describe("/health", () => {
  it("reports the published version, entry count and newest entry time, uncached", async () => {
    const report = await publishSite();
    const response = await request("/health");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(await response.json()).toEqual({
      status: "ok",
      site: "http://localhost:8787/",
      version: report.version,
      publishedAt: "2026-11-26T00:00:00Z",
      entries: 2,
      newestEntry: "2021-12-16T18:57:46Z",
    });
  });
});

describe("redirects", () => {
  it.each([
    ["/atom.xml", "/feed.atom"],
    ["/rss.xml", "/feed.rss"],
    ["/feed.xml", "/feed.atom"],
    ["/feed", "/feed.atom"],
    ["/feed/", "/feed.atom"],
    ["/index.html", "/"],
  ])("%s answers 301 to %s", async (from, to) => {
    for (const method of ["GET", "HEAD"]) {
      const response = await request(from, { method, redirect: "manual" });
      expect(response.status).toBe(301);
      expect(response.headers.get("Location")).toBe(`https://news.example${to}`);
      expect(response.headers.get("Cache-Control")).toMatch(/max-age=\d+/);
    }
  });
});

describe("unknown paths and methods", () => {
  it.each(["/nope", "/feed.atom/", "/FEED.ATOM", "/feed.atom.gz"])(
    "%s is 404 in plain text",
    async (path) => {
      const response = await request(path);
      expect(response.status).toBe(404);
      expect(response.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
      expect(await response.text()).toContain("/feed.atom, /feed.rss and /feed.json");
    },
  );

  it.each([
    [
      "POST",
      "/feed.atom",
      "GET, HEAD, OPTIONS",
      "POST is not allowed on /feed.atom; use GET, HEAD or OPTIONS.",
    ],
    ["PUT", "/", "GET, HEAD", "PUT is not allowed on /; use GET or HEAD."],
    ["DELETE", "/health", "GET, HEAD", "DELETE is not allowed on /health; use GET or HEAD."],
    ["PATCH", "/atom.xml", "GET, HEAD", "PATCH is not allowed on /atom.xml; use GET or HEAD."],
  ])("%s %s is 405 with Allow: %s", async (method, path, allow, message) => {
    const response = await request(path, { method, body: method === "DELETE" ? null : "x" });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe(allow);
    expect(await response.text()).toBe(`${message}\n`);
  });

  it("answers a CORS preflight on a feed, allowing the conditional headers", async () => {
    const response = await request("/feed.json", {
      method: "OPTIONS",
      headers: {
        Origin: "https://reader.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.headers.get("Access-Control-Allow-Headers")).toContain("If-None-Match");
    expect(response.headers.get("Access-Control-Allow-Methods")).toBe("GET, HEAD");
  });
});
