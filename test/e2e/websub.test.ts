/**
 * WebSub end to end: `npm start` with WEBSUB_HUB pointing at a fake hub on 127.0.0.1; its own first
 * publish, and then a document ingested through the API, each post `hub.mode=publish` with the changed
 * feeds' URLs.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, ROOT, startLocalStack } from "../../src/cli/local-stack.js";
import { categorySlug } from "../../src/site.js";
import { type FakeHub, type HubRequest, startFakeHub } from "../helpers/fake-hub.js";

let hub: FakeHub;
let hubUrl: string;
let stack: LocalStack;
/** What the hub had received when npm start began serving: its own publish's ping. */
let atStart: readonly HubRequest[] = [];

/** The site URL of wrangler.toml: the feeds' own URLs, which the hub hears of. */
const SITE = "http://localhost:8787/";

beforeAll(async () => {
  hub = await startFakeHub();
  hubUrl = hub.url;
  stack = await startLocalStack(90_000, { vars: { WEBSUB_HUB: hubUrl } });
  atStart = [...hub.received];
});

afterAll(async () => {
  await stack?.stop();
  await hub?.close();
});

/** Waits for the hub to have received `count` requests; the worker pings after answering. */
async function hubRequests(count: number): Promise<readonly HubRequest[]> {
  const deadline = Date.now() + 20_000;
  while (hub.received.length < count && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  return hub.received;
}

/** A new article: the repository's seed with another URL and a later time. */
async function newArticle(): Promise<{ text: string; url: string }> {
  const seed = await readFile(path.join(ROOT, "seeds/000_2cee1c3ee14bd78d.txt"), "utf8");
  const url = "https://www.rfa.org/mandarin/yataibaodao/junshiwaijiao/al-websub-e2e.html";
  const text = seed
    .replace(/^<!--\d+-->/, "<!--1639681066000-->")
    .replace(/\]\(https:[^)]+\)/, `](${url})`);
  return { text, url };
}

const formats = (name: string) => ["atom", "json", "rss"].map((ext) => `${SITE}${name}.${ext}`);

describe("WebSub with npm start", () => {
  it("serves feeds that name the hub (Atom rel=hub, JSON Feed hubs)", async () => {
    const atom = await (await fetch(`${stack.origin}/feed.atom`)).text();
    expect(atom).toContain(`<link rel="hub" href="${hubUrl}"/>`);
    const json = (await (await fetch(`${stack.origin}/feed.json`)).json()) as {
      hubs?: unknown;
    };
    expect(json.hubs).toEqual([{ type: "WebSub", url: hubUrl }]);
  });

  it("npm start's own publish posts hub.mode=publish with every feed it published", async () => {
    expect(atStart).toHaveLength(1);
    const [ping] = atStart;
    expect(ping?.method).toBe("POST");
    expect(ping?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(ping?.form.get("hub.mode")).toBe("publish");
    // Every feed the site lists in its OPML (the subscription feed and each category's, each format);
    // the seed makes no complete archive page.
    const opml = await (await fetch(`${stack.origin}/feeds.opml`)).text();
    const listed = [...opml.matchAll(/xmlUrl="([^"]+)"/g)].map((m) => m[1] as string);
    expect(listed).toContain(`${SITE}category/${categorySlug({ term: "junshiwaijiao" })}.rss`);
    expect(ping?.form.getAll("hub.url").sort()).toEqual([...new Set(listed)].sort());
    expect(stack.log()).toContain(`WebSub: told ${hubUrl} about `);
  });

  it("an article ingested through the API makes the worker post hub.mode=publish with the changed feeds", async () => {
    const { text, url } = await newArticle();
    const response = await fetch(`${stack.origin}/api/documents?name=seeds/websub.txt`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${await stack.ingestToken()}`,
        "Content-Type": "text/plain; charset=utf-8",
      },
      body: text,
    });
    const answer = (await response.json()) as { documents: Array<{ status: string }> };
    expect(response.status, JSON.stringify(answer)).toBe(200);
    expect(answer.documents.map((d) => d.status)).toEqual(["created"]);

    // The categories the new entry has, as its Atom entry says: their feeds changed too.
    const feed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(
      await (await fetch(`${stack.origin}/feed.atom`)).text(),
    ) as { feed: { entry: Array<{ id: string; category?: unknown }> } };
    const entry = feed.feed.entry.find((e) => e.id === url);
    const categories = [entry?.category ?? []].flat() as Array<{ "@term": string }>;
    expect(categories.length).toBeGreaterThan(0);

    const [ping, ...more] = (await hubRequests(atStart.length + 1)).slice(atStart.length);
    expect(more).toEqual([]);
    expect(ping?.method).toBe("POST");
    expect(ping?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(ping?.form.get("hub.mode")).toBe("publish");
    expect(ping?.form.getAll("hub.url").sort()).toEqual(
      [
        ...formats("feed"),
        ...categories.flatMap((c) => formats(`category/${categorySlug({ term: c["@term"] })}`)),
      ].sort(),
    );
  });
});
