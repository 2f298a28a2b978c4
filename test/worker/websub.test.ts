/**
 * WebSub inside workerd: with `WEBSUB_HUB` set, every published feed names the hub (Atom and RSS
 * `rel="hub"`, JSON Feed `hubs`), and each publish posts `hub.mode=publish` with the changed feeds' URLs.
 */
import { env, reset } from "cloudflare:test";
import { XMLParser } from "fast-xml-parser";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ingestDocuments } from "../../src/api/ingest.js";
import { readSiteConfig } from "../../src/config.js";
import { publishChanges, type SitePublishOptions } from "../../src/site.js";
import { EntryStore } from "../../src/store/entries.js";
import { postDocuments, request, seed } from "./helpers.js";

const HUB = "https://hub.example/";
const HUB_ENV = { ...env, WEBSUB_HUB: HUB } as unknown as Env;
/** Where wrangler.toml serves the site from: the URLs the hub hears of. */
const SITE = "http://localhost:8787/";

/** What the worker posted to the hub: each ping's form fields. */
let pings: URLSearchParams[];
let pingTypes: string[];

beforeEach(async () => {
  await reset();
  pings = [];
  pingTypes = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const outgoing = new Request(input, init);
    if (!outgoing.url.startsWith(HUB)) return realFetch(input, init);
    expect(outgoing.method).toBe("POST");
    pingTypes.push(outgoing.headers.get("Content-Type") ?? "");
    pings.push(new URLSearchParams(new TextDecoder().decode(await outgoing.arrayBuffer())));
    return new Response(null, { status: 204 });
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function ingest(texts: readonly string[], workerEnv: Env): Promise<void> {
  const body = JSON.stringify(texts.map((text, i) => ({ name: `seeds/${i}.txt`, text })));
  const response = await postDocuments(body, "application/json", undefined, workerEnv);
  expect(response.status, await response.clone().text()).toBe(200);
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" });

type Link = { "@rel"?: string; "@href"?: string };
const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** The hubs a published feed document names, read as a reader would in its format. */
async function hubsNamed(path: string): Promise<string[]> {
  const response = await request(path);
  expect(response.status, path).toBe(200);
  const text = await response.text();
  if (path.endsWith(".json")) {
    const hubs = (JSON.parse(text) as { hubs?: Array<{ type: string; url: string }> }).hubs ?? [];
    for (const hub of hubs) expect(hub.type).toBe("WebSub");
    return hubs.map((hub) => hub.url);
  }
  const parsed = xml.parse(text) as {
    feed?: { link?: Link | Link[] };
    rss?: { channel: { "atom:link"?: Link | Link[] } };
  };
  const links = path.endsWith(".atom")
    ? asArray(parsed.feed?.link)
    : asArray(parsed.rss?.channel["atom:link"]);
  return links.filter((link) => link["@rel"] === "hub").map((link) => link["@href"] ?? "");
}

/** The feed URLs one ping named, sorted. */
function urlsOf(ping: URLSearchParams | undefined): string[] {
  return (ping?.getAll("hub.url") ?? []).sort();
}

const formats = (name: string) => ["atom", "json", "rss"].map((ext) => `${SITE}${name}.${ext}`);

/** 51 articles: page 1 of the archive is complete (50 a page), all in category "World". */
const ARCHIVE_OF_51 = Array.from({ length: 51 }, (_, i) => seed(i + 1, { tag: "World" }));

describe("WebSub with WEBSUB_HUB set", () => {
  it("every feed names the hub: the subscription feed, an archive page and a category feed, in each format", async () => {
    await ingest(ARCHIVE_OF_51, HUB_ENV);
    for (const name of ["feed", "archive/1", "category/world"])
      for (const ext of ["atom", "rss", "json"])
        expect(await hubsNamed(`/${name}.${ext}`), `${name}.${ext}`).toEqual([HUB]);
  });

  it("posts hub.mode=publish with the URL of each feed that changed, and nothing for an unchanged document", async () => {
    await ingest([seed(1, { tag: "World" })], HUB_ENV);
    expect(pings).toHaveLength(1);
    expect(pingTypes[0]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(pings[0]?.get("hub.mode")).toBe("publish");
    expect(urlsOf(pings[0])).toEqual([...formats("category/world"), ...formats("feed")]);

    await ingest([seed(1, { tag: "World" })], HUB_ENV);
    expect(pings).toHaveLength(1);

    // Another category's article: its feeds and the subscription feeds changed, "world" did not.
    await ingest([seed(2, { tag: "Sports" })], HUB_ENV);
    expect(pings).toHaveLength(2);
    expect(urlsOf(pings[1])).toEqual([...formats("category/sports"), ...formats("feed")]);
  });

  it("a hub configured after the site was published reaches every feed at the next ingest, and hears of each", async () => {
    await ingest(ARCHIVE_OF_51, env);
    expect(await hubsNamed("/archive/1.atom")).toEqual([]);
    expect(pings).toHaveLength(0);

    await ingest([seed(52, { tag: "Sports" })], HUB_ENV);
    for (const path of ["/archive/1.atom", "/category/world.rss", "/category/sports.json"])
      expect(await hubsNamed(path), path).toEqual([HUB]);
    expect(urlsOf(pings[0])).toEqual(
      [
        ...formats("archive/1"),
        ...formats("category/sports"),
        ...formats("category/world"),
        ...formats("feed"),
      ].sort(),
    );
  });
});

describe("a hub configured after a large site was published", () => {
  /** The seeds as the ingest code takes them, then a publish with `options`, as the worker's own. */
  async function ingestThenPublish(
    texts: readonly string[],
    options: Partial<SitePublishOptions> = {},
  ): Promise<void> {
    const config = readSiteConfig({ ...HUB_ENV });
    const store = new EntryStore(env.ENTRIES, config.entriesPerFeed);
    const bytes = (text: string) => new TextEncoder().encode(text);
    const documents = texts.map((text, i) => ({ name: `late-${i}.txt`, bytes: bytes(text) }));
    await ingestDocuments(store, env.FEEDS, config, documents, { publish: false });
    await publishChanges(store, env.FEEDS, config, { now: Date.now(), ...options });
  }

  it("is named by what each ingest publishes, and everywhere once a publish of a small enough site is full", async () => {
    await ingest(ARCHIVE_OF_51, env);
    // Over the limit (52 entries, at most 51 republished in full): the ingest publishes what it
    // changed, with the hub, and leaves the archive page and the untouched category as they were.
    await ingestThenPublish([seed(52, { tag: "Sports" })], { fullRepublishMaxEntries: 51 });
    for (const path of ["/feed.atom", "/feed.json", "/category/sports.rss"])
      expect(await hubsNamed(path), path).toEqual([HUB]);
    for (const path of ["/archive/1.atom", "/category/world.rss"])
      expect(await hubsNamed(path), path).toEqual([]);
    // The live version still says it was rendered without the hub: the next publish allowed to be
    // full (53 entries, the default limit) renders every feed again.
    await ingestThenPublish([seed(53, { tag: "Sports" })]);
    for (const path of ["/archive/1.atom", "/category/world.rss", "/feed.json"])
      expect(await hubsNamed(path), path).toEqual([HUB]);
  });
});

describe("WebSub without a hub", () => {
  it("feeds name no hub and nothing is posted", async () => {
    await ingest([seed(1, { tag: "World" })], env);
    for (const path of ["/feed.atom", "/feed.rss", "/feed.json", "/category/world.atom"])
      expect(await hubsNamed(path), path).toEqual([]);
    expect(pings).toHaveLength(0);
  });
});
