import { reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { deleteArticle, ingestDocuments } from "../../src/api/ingest.js";
import { compressEntryPieces, renderEntryPieces } from "../../src/publish.js";
import { CATEGORY_SHELVES, publishChanges, publishFromStore, renderKeyOf } from "../../src/site.js";
import { EntryStore } from "../../src/store/entries.js";
import {
  CURRENT_KEY,
  documentKey,
  shelfKey,
  stagingName,
  stagingTime,
  VERSIONS_PREFIX,
  versionOfKey,
} from "../../src/store/keys.js";
import {
  findDocument,
  type Manifest,
  type ManifestDocument,
  mergeShelves,
  parseManifest,
  referencedVersions,
  referencedVersionsOf,
  reusableShelf,
  shardOf,
  shelfFor,
  storedVersion,
} from "../../src/store/manifest.js";
import {
  pruneVersions,
  publishersLiveManifest,
  publishVersion,
  RETIRED_GRACE_MS,
  readLiveManifest,
} from "../../src/store/publish.js";
import { createApp } from "../../src/worker/app.js";
import {
  CONFIG,
  decodeBody,
  ENTRIES,
  HOUR,
  identityAndGzip,
  kvShowingPointer,
  kvWith,
  makeEntry,
  NEWER_MS,
  PUBLISHED_MS,
  prepareSite,
  publishSite,
  renderedBody,
  request,
  seed,
  T0,
} from "./helpers.js";

const PATHS = ["/", "/feed.atom", "/feed.rss", "/feed.json"];
const NEXT_DAY_MS = PUBLISHED_MS + 86_400_000;
/** A build with one more article than the helpers' own. */
const NEXT_ENTRIES = [makeEntry(3, NEWER_MS + 3_600_000), ...ENTRIES];

beforeEach(async () => {
  await reset();
});

/** A namespace that loses its connection after `puts` successful writes, as an interrupted publish does. */
function interruptedAfter(kv: KVNamespace, puts: number): KVNamespace {
  let left = puts;
  return new Proxy(kv, {
    get(target, property) {
      if (property === "put") {
        return (...args: Parameters<KVNamespace["put"]>) => {
          if (left-- <= 0) return Promise.reject(new Error("network connection lost"));
          return target.put(...args);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function versionsInStorage(): Promise<string[]> {
  const { keys } = await env.FEEDS.list({ prefix: VERSIONS_PREFIX });
  return [...new Set(keys.map((k) => versionOfKey(k.name)))].sort() as string[];
}

async function servedBodies(): Promise<string[]> {
  return Promise.all(PATHS.map(async (path) => (await request(path)).text()));
}

describe("publishVersion", () => {
  it("writes every stored coding of every document under the version, then points to it", async () => {
    const report = await publishSite();
    // gzip and brotli of each of the four documents; identity is decoded from gzip when asked for.
    expect(report).toMatchObject({ switched: true, previousVersion: null, written: 8, pruned: 0 });
    const manifest = parseManifest((await env.FEEDS.get(CURRENT_KEY)) ?? "", CURRENT_KEY);
    expect(manifest.version).toBe(report.version);
    expect(manifest.documents.map((d) => d.path)).toEqual([
      "feed.atom",
      "feed.rss",
      "feed.json",
      "index.html",
    ]);
    const prefix = `${VERSIONS_PREFIX}${report.version}/`;
    const { keys } = await env.FEEDS.list({ prefix });
    expect(keys.map((k) => k.name.slice(prefix.length).split("/")[0]).sort()).toEqual([
      ...Array(4).fill("br"),
      ...Array(4).fill("gzip"),
    ]);
    expect(manifest.documents.every((d) => d.variants[0]?.decodedFrom === "gzip")).toBe(true);
  });

  it("keeps content type, strong ETag and Last-Modified as each body's KV metadata", async () => {
    const { version } = await publishSite();
    const stored = await env.FEEDS.getWithMetadata(
      `${VERSIONS_PREFIX}${version}/gzip/feed.json`,
      "arrayBuffer",
    );
    expect(stored.metadata).toEqual({
      contentType: "application/feed+json; charset=utf-8",
      etag: expect.stringMatching(/^"[0-9a-f]{32}-gzip"$/),
      encoding: "gzip",
      lastModified: "Thu, 26 Nov 2026 00:00:00 GMT",
    });
  });

  it("republishing the same build writes nothing and keeps Last-Modified", async () => {
    const first = await publishSite();
    const again = await publishSite(ENTRIES, { now: NEXT_DAY_MS });
    expect(again).toMatchObject({ version: first.version, switched: false, written: 0 });
    expect((await request("/feed.atom")).headers.get("Last-Modified")).toBe(
      "Thu, 26 Nov 2026 00:00:00 GMT",
    );
  });

  it("a build whose feeds are unchanged but whose archive grew updates /health", async () => {
    await publishSite();
    const report = await publishVersion(
      env.FEEDS,
      await prepareSite(),
      { entryCount: 5000, newestEntryMs: NEWER_MS },
      { now: NEXT_DAY_MS },
    );
    expect(report.switched).toBe(true);
    const health = (await (await request("/health")).json()) as { entries: number };
    expect(health.entries).toBe(5000);
    expect((await request("/feed.atom")).headers.get("Last-Modified")).toBe(
      "Thu, 26 Nov 2026 00:00:00 GMT",
    );
  });

  it("moves Last-Modified only for documents whose content changed", async () => {
    await publishSite();
    const before = await prepareSite();
    const after = await prepareSite(NEXT_ENTRIES);
    // Only the JSON feed changes in this build.
    const mixed = before.map((doc) =>
      doc.path === "feed.json" ? (after.find((d) => d.path === "feed.json") ?? doc) : doc,
    );
    await publishVersion(
      env.FEEDS,
      mixed,
      { entryCount: 3, newestEntryMs: NEWER_MS },
      { now: NEXT_DAY_MS },
    );
    expect((await request("/feed.atom")).headers.get("Last-Modified")).toBe(
      "Thu, 26 Nov 2026 00:00:00 GMT",
    );
    expect((await request("/feed.json")).headers.get("Last-Modified")).toBe(
      "Fri, 27 Nov 2026 00:00:00 GMT",
    );
  });

  it("keeps the previous version; deletes older ones five minutes after no pointer reads them", async () => {
    const first = await publishSite();
    const second = await publishSite(NEXT_ENTRIES, { now: NEXT_DAY_MS });
    expect(second.previousVersion).toBe(first.version);
    expect(await versionsInStorage()).toEqual([first.version, second.version].sort());
    // The third stops reading the first, which a location whose KV lags may still read: retired.
    const third = await publishSite([makeEntry(4, NEWER_MS + 7_200_000), ...NEXT_ENTRIES], {
      now: NEXT_DAY_MS + 1000,
    });
    expect(third.pruned).toBe(0);
    expect(await versionsInStorage()).toEqual(
      [first.version, second.version, third.version].sort(),
    );
    const pointer = parseManifest((await env.FEEDS.get(CURRENT_KEY)) ?? "", CURRENT_KEY);
    expect(pointer.retiredVersions).toEqual([
      { version: first.version, retiredMs: NEXT_DAY_MS + 1000 },
    ]);
    // A publish within the grace period keeps it; the first after it deletes it.
    const fourth = await publishSite([makeEntry(5, NEWER_MS + 9_000_000), ...NEXT_ENTRIES], {
      now: NEXT_DAY_MS + 2000,
    });
    expect(await versionsInStorage()).toEqual(
      [first.version, second.version, third.version, fourth.version].sort(),
    );
    const fifth = await publishSite([makeEntry(6, NEWER_MS + 9_600_000), ...NEXT_ENTRIES], {
      now: NEXT_DAY_MS + 1000 + RETIRED_GRACE_MS + 1,
    });
    expect(fifth.pruned).toBe(8);
    expect(await versionsInStorage()).toEqual(
      [second.version, third.version, fourth.version, fifth.version].sort(),
    );
  });

  it("stands when pruning fails after the pointer switched: it says why, and a sweep deletes the rest", async () => {
    const first = await publishSite();
    const second = await publishSite(NEXT_ENTRIES, { now: NEXT_DAY_MS });
    const fail = () => Promise.reject(new Error("KV LIST failed: 500 Internal Server Error"));
    const failing = kvWith(env.FEEDS, { list: fail, delete: fail });
    // Whole-build publishes sweep: they list every key, which fails here.
    const entries = [makeEntry(4, NEWER_MS + 7_200_000), ...NEXT_ENTRIES];
    const later = NEXT_DAY_MS + RETIRED_GRACE_MS + 1000;
    const third = await publishSite(entries, { kv: failing, now: later });
    expect(third.switched).toBe(true);
    expect(third.pruned).toBe(0);
    expect(third.pruneFailure).toContain("KV LIST failed");
    expect(await versionsInStorage()).toEqual(
      [first.version, second.version, third.version].sort(),
    );
    expect(await (await request("/feed.atom")).text()).toContain("Article number 4");
    // The next sweep after the first's grace period deletes it.
    await publishSite(entries, { now: later + RETIRED_GRACE_MS + 1 });
    expect(await versionsInStorage()).toEqual([second.version, third.version].sort());
  });

  it("asks for its lease before switching the pointer and before deleting: lost, it switches or deletes nothing", async () => {
    const lost = () => Promise.reject(new Error("the publishing lease ran out"));
    const facts = (entries: readonly ReturnType<typeof makeEntry>[]) => ({
      entryCount: entries.length,
      newestEntryMs: entries[0]?.updatedMs ?? null,
    });
    const first = await publishSite();
    const before = await (await request("/feed.atom")).text();
    // Lost before the switch: the previous version stays live.
    await expect(
      publishVersion(env.FEEDS, await prepareSite(NEXT_ENTRIES), facts(NEXT_ENTRIES), {
        now: NEXT_DAY_MS,
        keepLease: lost,
      }),
    ).rejects.toThrow("lease ran out");
    expect(await (await request("/feed.atom")).text()).toBe(before);
    expect((await readLiveManifest(env.FEEDS))?.version).toBe(first.version);

    // Lost while listing what to delete: the publish stands, and nothing is deleted (another
    // publisher may be writing a version this one would not keep).
    const second = await publishSite(NEXT_ENTRIES, { now: NEXT_DAY_MS });
    const third = await publishSite([makeEntry(4, NEWER_MS + 7_200_000), ...NEXT_ENTRIES], {
      now: NEXT_DAY_MS + 1000,
    });
    let asked = 0;
    const entries = [makeEntry(5, NEWER_MS + 9_000_000), ...NEXT_ENTRIES];
    const fourth = await publishVersion(env.FEEDS, await prepareSite(entries), facts(entries), {
      now: NEXT_DAY_MS + 1000 + RETIRED_GRACE_MS + 1,
      keepLease: () => (++asked === 1 ? Promise.resolve() : lost()),
    });
    expect(asked).toBe(2);
    expect(fourth.switched).toBe(true);
    expect(fourth.pruned).toBe(0);
    expect(fourth.pruneFailure).toContain("lease ran out");
    expect(await versionsInStorage()).toEqual(
      [first.version, second.version, third.version, fourth.version].sort(),
    );
  });

  it("a publisher plans from the newer of KV's pointer and the recorded one: which replaced the other, then seq, KV on a tie", async () => {
    await publishSite();
    const firstText = (await env.FEEDS.get(CURRENT_KEY, "text")) as string;
    const second = await publishSite(NEXT_ENTRIES, { now: NEXT_DAY_MS });
    const secondText = (await env.FEEDS.get(CURRENT_KEY, "text")) as string;
    const recorded = (text: string, seq: number) => ({ seq, text });
    const showing = (text: string | null) => kvShowingPointer(env.FEEDS, text);
    const planned = async (kv: KVNamespace, record: ReturnType<typeof recorded> | null) =>
      (await publishersLiveManifest(kv, record, NEXT_DAY_MS))?.version;
    // KV lags behind the record, which replaced its pointer: the record, whatever the seqs say.
    expect(await planned(showing(firstText), recorded(secondText, 0))).toBe(second.version);
    // KV's pointer replaced the recorded one (a publish that recorded nothing): KV's.
    expect(await planned(env.FEEDS, recorded(firstText, 9))).toBe(second.version);
    // Unrelated pointers: the later seq, KV's on a tie.
    const other = JSON.stringify({
      ...JSON.parse(firstText),
      version: "other",
      previousVersion: null,
    });
    expect(await planned(env.FEEDS, recorded(other, 0))).toBe(second.version);
    expect(await planned(env.FEEDS, recorded(other, 1))).toBe("other");
    // No pointer in KV (a new namespace): nothing to carry.
    expect(await planned(showing(null), recorded(secondText, 1))).toBeUndefined();
    // A rollback renders the first version again: each pointer replaced the other. The later publish.
    const first = JSON.parse(firstText) as Manifest;
    const rolledBack = JSON.stringify({
      ...first,
      previousVersion: second.version,
      publishedMs: NEXT_DAY_MS + 1000,
    });
    expect(await planned(env.FEEDS, recorded(rolledBack, 0))).toBe(first.version);
    expect(await planned(showing(rolledBack), recorded(secondText, 0))).toBe(first.version);
    // KV still shows the first publish of that name, the record its rollback: the rollback, which
    // names the second version as the one it replaced.
    const rollbackFirst = await publishersLiveManifest(
      showing(firstText),
      recorded(rolledBack, 0),
      NEXT_DAY_MS,
    );
    expect(rollbackFirst?.previousVersion).toBe(second.version);
  });

  it("keeps every version retired within the grace period, however many; a sweep deletes those past it, young staging prefixes too", async () => {
    const first = await publishSite();
    // A live pointer that retired 100 versions a minute ago, and a staging prefix (made ten minutes
    // ago, so younger than the sweep's hour) retired six minutes ago.
    const staging = stagingName(NEXT_DAY_MS - 10 * 60_000);
    const recent = Array.from({ length: 100 }, (_, i) => `recent${String(i).padStart(3, "0")}`);
    const live = parseManifest((await env.FEEDS.get(CURRENT_KEY)) ?? "", CURRENT_KEY);
    await env.FEEDS.put(
      CURRENT_KEY,
      JSON.stringify({
        ...live,
        publishedMs: live.publishedMs + 1,
        retiredVersions: [
          ...recent.map((version) => ({ version, retiredMs: NEXT_DAY_MS - 60_000 })),
          { version: staging, retiredMs: NEXT_DAY_MS - 6 * 60_000 },
        ],
      }),
    );
    for (const version of [...recent, staging])
      await env.FEEDS.put(documentKey(version, "feed.atom", "gzip"), "x");
    // A whole-build publish sweeps.
    const second = await publishSite(NEXT_ENTRIES, { now: NEXT_DAY_MS });
    const pointer = parseManifest((await env.FEEDS.get(CURRENT_KEY)) ?? "", CURRENT_KEY);
    expect(pointer.retiredVersions?.map((r) => r.version)).toEqual(recent);
    expect(await versionsInStorage()).toEqual([first.version, second.version, ...recent].sort());
  });

  it("serves the new build on every route once the pointer switches", async () => {
    await publishSite();
    await publishSite(NEXT_ENTRIES, { now: NEXT_DAY_MS });
    expect(await servedBodies()).toEqual(
      ["index.html", "feed.atom", "feed.rss", "feed.json"].map((p) =>
        renderedBody(p, NEXT_ENTRIES),
      ),
    );
  });
});

describe("an interrupted publish", () => {
  it.each([0, 1, 4, 8])(
    "stopped after %i of 8 body writes leaves the previous build served intact",
    async (puts) => {
      const first = await publishSite();
      const before = await servedBodies();
      const health = await (await request("/health")).json();
      await expect(
        publishSite(NEXT_ENTRIES, { kv: interruptedAfter(env.FEEDS, puts), now: NEXT_DAY_MS }),
      ).rejects.toThrow("could not be written");
      expect(await servedBodies()).toEqual(before);
      expect(await (await request("/health")).json()).toEqual(health);
      expect((await request("/health")).ok).toBe(true);
      expect(first.version).toBe((health as { version: string }).version);
    },
  );

  it("is completed by the next publish, which prunes what it left behind", async () => {
    const first = await publishSite();
    await expect(
      publishSite([makeEntry(9, NEWER_MS + 1), ...ENTRIES], {
        kv: interruptedAfter(env.FEEDS, 5),
        now: NEXT_DAY_MS,
      }),
    ).rejects.toThrow();
    expect((await versionsInStorage()).length).toBe(2);
    const next = await publishSite(NEXT_ENTRIES, { now: NEXT_DAY_MS });
    expect(await versionsInStorage()).toEqual([first.version, next.version].sort());
    expect(await (await request("/feed.atom")).text()).toBe(
      renderedBody("feed.atom", NEXT_ENTRIES),
    );
  });
});

describe("pruning without a sweep", () => {
  it("deletes the versions the new manifest stops keeping, and leaves an interrupted publish's keys to the next sweep", async () => {
    const entries = (n: number) => [makeEntry(10 + n, NEWER_MS + n * 3_600_000), ...ENTRIES];
    const first = await publishSite(entries(1));
    await expect(
      publishSite(entries(2), { kv: interruptedAfter(env.FEEDS, 5), now: NEXT_DAY_MS }),
    ).rejects.toThrow();
    const [orphan] = (await versionsInStorage()).filter((v) => v !== first.version);
    expect(orphan).toBeDefined();

    // Publishes further apart than RETIRED_GRACE_MS: a version goes at the first publish after the
    // grace period of the one that retired it.
    const at = (n: number) => NEXT_DAY_MS + n * (RETIRED_GRACE_MS + 1);
    const second = await publishSite(entries(3), { now: at(1), sweep: false });
    expect(await versionsInStorage()).toEqual([first.version, second.version, orphan].sort());
    // The third retires the first (no longer the previous version); the fourth deletes it, by listing
    // that version alone.
    const third = await publishSite(entries(4), { now: at(2), sweep: false });
    expect(third.pruned).toBe(0);
    const fourth = await publishSite(entries(5), { now: at(3), sweep: false });
    expect(fourth.pruned).toBe(8);
    expect(await versionsInStorage()).toEqual(
      [second.version, third.version, fourth.version, orphan].sort(),
    );
    // A sweep finds the orphan too.
    const fifth = await publishSite(entries(6), { now: at(4) });
    expect(await versionsInStorage()).toEqual(
      [third.version, fourth.version, fifth.version].sort(),
    );
    expect(await (await request("/feed.atom")).text()).toBe(renderedBody("feed.atom", entries(6)));
  });
});

describe("publishChanges", () => {
  it("writes archive pages and category feeds a few at a time under a staging prefix; stopped half way, the previous site stays served", async () => {
    // Pages of two entries: 30 articles make 15 archive pages and 3 category feeds, 18 feeds in all,
    // more than one chunk's worth.
    const store = new EntryStore(env.ENTRIES, 2);
    const load = async (from: number, to: number) => {
      const documents = Array.from({ length: to - from + 1 }, (_, i) => from + i).map((n) => ({
        name: `${n}.txt`,
        bytes: new TextEncoder().encode(
          seed(n, { tag: ["alpha", "beta", "gamma"][n % 3] ?? "alpha" }),
        ),
      }));
      await ingestDocuments(store, env.FEEDS, CONFIG, documents, { publish: false });
      return (await store.state()).seq;
    };
    const first = await publishChanges(store, env.FEEDS, CONFIG, {
      now: PUBLISHED_MS,
      clock: () => PUBLISHED_MS,
      seq: await load(1, 20),
      full: true,
    });
    const live = (await readLiveManifest(env.FEEDS)) as Manifest;
    const page3 = live.documents.find((d) => d.path === "archive/3.atom");
    // Written under the staging prefix, which the manifest names, and served from there.
    expect(page3?.storedIn).toBeDefined();
    expect(page3?.storedIn).not.toBe(live.version);
    expect(live.retainedVersions).toContain(page3?.storedIn);
    const before = await Promise.all(
      ["/archive/3.atom", "/category/beta.rss", "/feed.atom"].map(async (path) => {
        const response = await request(path);
        expect(response.status, path).toBe(200);
        return response.text();
      }),
    );

    // A full publish whose KV writes fail in its second chunk of feeds.
    const seq = await load(21, 30);
    await expect(
      publishChanges(store, interruptedAfter(env.FEEDS, 16), CONFIG, {
        now: PUBLISHED_MS + 1000,
        clock: () => PUBLISHED_MS + 1000,
        seq,
        full: true,
      }),
    ).rejects.toThrow("could not be written");
    const health = (await (await request("/health")).json()) as { version: string };
    expect(health.version).toBe(first?.version);
    const after = await Promise.all(
      ["/archive/3.atom", "/category/beta.rss", "/feed.atom"].map(async (path) =>
        (await request(path)).text(),
      ),
    );
    expect(after).toEqual(before);

    // The next publish completes. Its sweep leaves the stopped publish's staging prefix while it is
    // young (another publish might still be writing it); a sweep an hour later removes it.
    const referencedBy = (manifest: Manifest) =>
      new Set([
        manifest.version,
        ...(manifest.retainedVersions ?? []),
        ...(manifest.previousVersion ? [manifest.previousVersion] : []),
      ]);
    const next = await publishChanges(store, env.FEEDS, CONFIG, {
      now: PUBLISHED_MS + 2000,
      clock: () => PUBLISHED_MS + 2000,
      seq,
      full: true,
    });
    const manifest = (await readLiveManifest(env.FEEDS, PUBLISHED_MS + 2000)) as Manifest;
    expect(manifest.version).toBe(next?.version);
    expect(manifest.documents.filter((d) => d.path.startsWith("archive/")).length).toBe(45);
    const left = (await versionsInStorage()).filter((v) => !referencedBy(manifest).has(v));
    expect(left).toHaveLength(1);
    expect(stagingTime(left[0] ?? "")).toBe(PUBLISHED_MS + 1000);
    await publishChanges(store, env.FEEDS, CONFIG, {
      now: PUBLISHED_MS + 2 * 3_600_000,
      clock: () => PUBLISHED_MS + 2 * 3_600_000,
      seq,
      full: true,
    });
    const later = (await readLiveManifest(env.FEEDS, PUBLISHED_MS + 2 * 3_600_000)) as Manifest;
    expect((await versionsInStorage()).every((v) => referencedBy(later).has(v))).toBe(true);
    expect((await request("/archive/15.atom")).status).toBe(200);
    // Article 30 (30 mod 3 = 0) is in the first category.
    expect(await (await request("/category/alpha.json")).text()).toContain("Article 30");
  });

  it("keeps archive pages and category feeds on the version's shelf: the pointer stays small as the archive grows", async () => {
    const store = new EntryStore(env.ENTRIES, 2);
    const pointerAfter = async (from: number, to: number) => {
      const documents = Array.from({ length: to - from + 1 }, (_, i) => from + i).map((n) => ({
        name: `${n}.txt`,
        bytes: new TextEncoder().encode(seed(n, { tag: `topic-${n % 4}` })),
      }));
      await ingestDocuments(store, env.FEEDS, CONFIG, documents, { publish: false });
      const { seq } = await store.state();
      await publishChanges(store, env.FEEDS, CONFIG, { now: PUBLISHED_MS + to, seq });
      return (await env.FEEDS.get(CURRENT_KEY)) as string;
    };
    const small = await pointerAfter(1, 6);
    const large = await pointerAfter(7, 60);
    const pointer = parseManifest(large, CURRENT_KEY);
    // Only the top of the site is in the pointer; 30 archive pages and 4 category feeds are shelved.
    expect(pointer.documents.map((d) => d.path).sort()).toEqual(
      ["feed.atom", "feed.json", "feed.rss", "feeds.opml", "index.html"].sort(),
    );
    // One shelf for the archive; the category feeds spread over shelves by slug, a feed's three
    // formats on one.
    const [archiveShelf, ...categoryShelves] = pointer.shelves ?? [];
    expect([archiveShelf?.folder, archiveShelf?.count]).toEqual(["archive/", 30 * 3]);
    expect(categoryShelves.every((shelf) => shelf.folder === "category/")).toBe(true);
    expect(categoryShelves.every((shelf) => shelf.shards === CATEGORY_SHELVES)).toBe(true);
    expect(categoryShelves.reduce((sum, shelf) => sum + shelf.count, 0)).toBe(4 * 3);
    expect(categoryShelves.every((shelf) => shelf.count % 3 === 0)).toBe(true);
    expect(new Set(categoryShelves.map((shelf) => shelf.shard)).size).toBe(categoryShelves.length);
    for (const topic of [0, 1, 2, 3])
      expect((await request(`/category/topic-${topic}.json`)).status).toBe(200);
    expect(large.length).toBeLessThan(small.length * 1.2);
    // Served from the shelf, with the headers of any document; a path that is not on it is a 404.
    const page = await request("/archive/29.atom");
    expect(page.status).toBe(200);
    expect(page.headers.get("ETag")).toMatch(/^"[0-9a-f]+"$/);
    expect((await request("/category/topic-3.rss")).status).toBe(200);
    expect((await request("/archive/31.atom")).status).toBe(404);
    // A lost shelf is a storage failure (503) for an isolate that has not read it yet (a new app has
    // empty caches), and the top of the site still serves.
    await env.FEEDS.delete(pointer.shelves?.[0]?.key ?? "");
    const fresh = createApp();
    const lost = await fresh.request("/archive/28.atom", {}, env);
    expect(lost.status).toBe(503);
    expect(lost.headers.get("Retry-After")).not.toBeNull();
    expect((await fresh.request("/feed.atom", {}, env)).status).toBe(200);
  });

  it("names the archive's shelf again while no page completes: an ingest writes only the category list, and old pages stay served", async () => {
    const store = new EntryStore(env.ENTRIES, 4);
    const ingest = async (n: number) => {
      const bytes = new TextEncoder().encode(seed(n, { tag: `topic-${n % 3}` }));
      await ingestDocuments(store, env.FEEDS, CONFIG, [{ name: `${n}.txt`, bytes }], {
        now: PUBLISHED_MS + n * 60_000,
      });
      return parseManifest((await env.FEEDS.get(CURRENT_KEY)) as string, CURRENT_KEY);
    };
    const shelfOf = (manifest: Manifest, folder: string) =>
      manifest.shelves?.find((shelf) => shelf.folder === folder);
    for (let n = 1; n <= 8; n++) await ingest(n);
    // Eight entries, pages of four: archive pages 1 and 2 are complete.
    const before = await ingest(9);
    const archive = shelfOf(before, "archive/");
    expect(archive?.count).toBe(2 * 3);
    // Entries 10 and 11 fill no page: the same archive shelf, under the version that wrote it, while
    // the shelf listing the ingest's category changes with each ingest, and the other category
    // shelves stay as they were.
    let latest = before;
    for (const n of [10, 11]) {
      const next = await ingest(n);
      expect(shelfOf(next, "archive/")).toEqual(archive);
      const changed = shelfFor(next, `category/topic-${n % 3}.atom`);
      expect(changed?.key).not.toBe(shelfFor(latest, `category/topic-${n % 3}.atom`)?.key);
      const others = (manifest: Manifest) =>
        (manifest.shelves ?? [])
          .filter((shelf) => shelf.folder === "category/" && shelf.shard !== changed?.shard)
          .map((shelf) => shelf.key);
      expect(others(next)).toEqual(others(latest));
      expect(next.version).not.toBe(latest.version);
      latest = next;
    }
    // Its version is retained, so pruning (a sweep included) leaves the shelf and the pages served,
    // also to an isolate that has never read them.
    expect(latest.retainedVersions).toContain(versionOfKey(archive?.key ?? ""));
    await pruneVersions(env.FEEDS, new Set([latest.version, ...(latest.retainedVersions ?? [])]));
    expect(await env.FEEDS.get(archive?.key ?? "")).not.toBeNull();
    const fresh = createApp();
    expect((await fresh.request("/archive/1.atom", {}, env)).status).toBe(200);
    expect((await fresh.request("/category/topic-1.json", {}, env)).status).toBe(200);
    // Entry 12 completes page 3: a new archive shelf listing it.
    const completed = await ingest(12);
    expect(shelfOf(completed, "archive/")?.key).not.toBe(archive?.key);
    expect(shelfOf(completed, "archive/")?.count).toBe(3 * 3);
    expect((await fresh.request("/archive/3.atom", {}, env)).status).toBe(200);
    // A corrected article of page 1 re-renders that page alone.
    const pageBody = async (page: number) => (await request(`/archive/${page}.atom`)).text();
    const [page1, page2] = [await pageBody(1), await pageBody(2)];
    const bytes = new TextEncoder().encode(
      seed(2, { tag: "topic-2", at: T0 + 2 * HOUR + 1000, body: "Corrected body of article 2." }),
    );
    await ingestDocuments(store, env.FEEDS, CONFIG, [{ name: "2b.txt", bytes }], {
      now: PUBLISHED_MS + 13 * 60_000,
    });
    expect(await pageBody(1)).not.toBe(page1);
    expect(await pageBody(1)).toContain("Corrected body of article 2.");
    expect(await pageBody(2)).toBe(page2);
  });

  it("compresses the pieces of entries stored without them once, keeps them, and serves feeds that decode", async () => {
    const store = new EntryStore(env.ENTRIES, CONFIG.entriesPerFeed);
    const renderKey = await renderKeyOf(CONFIG);
    // Entries as a version before compressed pieces stored them: pieces only.
    for (const n of [1, 2, 3, 4]) {
      const paragraphs = Array.from({ length: 700 }, (_, i) => `<p>Line ${i} of article ${n}.</p>`);
      const entry = {
        ...makeEntry(n, PUBLISHED_MS + n * 60_000),
        contentHtml: paragraphs.join(""),
      };
      const pieces = renderEntryPieces(entry, CONFIG);
      const write = { entry, documentHash: `document-${n}`, categories: [], pieces, renderKey };
      expect(await store.save(write, null)).toBe("created");
    }
    const compressedRows = async () =>
      (
        await env.ENTRIES.prepare("SELECT COUNT(*) AS n FROM compressed_pieces").first<{
          n: number;
        }>()
      )?.n;
    expect(await compressedRows()).toBe(0);

    const { seq } = await store.state();
    await publishChanges(store, env.FEEDS, CONFIG, { now: PUBLISHED_MS, seq, encodings: ["gzip"] });
    expect(await compressedRows()).toBe(4);
    expect((await store.newest(10)).every((row) => row.pieces.compressed !== undefined)).toBe(true);
    for (const path of ["/feed.atom", "/feed.rss", "/feed.json"]) {
      const { identity, gzip, coding } = await identityAndGzip(path);
      expect(identity.length, path).toBeGreaterThan(64 * 1024);
      expect(coding, path).toBe("gzip");
      expect(gzip, path).toBe(identity);
    }

    // Only the gzip bodies of these large feeds are stored; a client without gzip gets the identity
    // body decoded from it, with the Content-Length the manifest gave HEAD.
    const manifest = parseManifest((await env.FEEDS.get(CURRENT_KEY)) as string, CURRENT_KEY);
    for (const path of ["feed.atom", "feed.rss", "feed.json"]) {
      const doc = manifest.documents.find((d) => d.path === path);
      expect(
        doc?.variants.map((v) => [v.encoding, v.decodedFrom]),
        path,
      ).toEqual([
        ["identity", "gzip"],
        ["gzip", undefined],
      ]);
      expect(await env.FEEDS.get(documentKey(manifest.version, path, "identity")), path).toBeNull();
      const head = await request(`/${path}`, { method: "HEAD" });
      const body = new Uint8Array(await (await request(`/${path}`)).arrayBuffer());
      expect(head.headers.get("Content-Length"), path).toBe(String(body.length));
      expect(doc?.variants[0]?.size, path).toBe(body.length);
    }
  });

  it("renders stored entries again when the settings change, their HTML read back from the Atom piece", async () => {
    const store = new EntryStore(env.ENTRIES, CONFIG.entriesPerFeed);
    const renderKey = await renderKeyOf(CONFIG);
    const entries = [1, 2].map((n) => ({
      ...makeEntry(n, PUBLISHED_MS + n * 60_000),
      authors: [],
      contentHtml: `<p>Article ${n} ends a ]]> CDATA section, and says "so".</p>`,
    }));
    for (const entry of entries) {
      const pieces = renderEntryPieces(entry, CONFIG);
      const compressed = await compressEntryPieces(pieces);
      const write = {
        entry,
        documentHash: `document-${entry.id}`,
        categories: [],
        pieces: { ...pieces, compressed },
        renderKey,
      };
      expect(await store.save(write, null)).toBe("created");
    }
    await publishChanges(store, env.FEEDS, CONFIG, { now: PUBLISHED_MS, encodings: ["gzip"] });
    // Another fallback author: every stored piece is rendered again from its entry.
    const settings = { ...CONFIG, author: "Another desk" };
    expect(await renderKeyOf(settings)).not.toBe(renderKey);
    // (A full publish, as a deploy's: a config change shows at the next publish.)
    await publishChanges(store, env.FEEDS, settings, {
      now: PUBLISHED_MS,
      full: true,
      encodings: ["gzip"],
    });
    const rss = await decodeBody(
      await request("/feed.rss", { headers: { "Accept-Encoding": "gzip" } }),
    );
    expect(rss.match(/<dc:creator>Another desk<\/dc:creator>/g)).toHaveLength(2);
    const json = JSON.parse(
      await decodeBody(await request("/feed.json", { headers: { "Accept-Encoding": "gzip" } })),
    ) as { items: { id: string; content_html: string }[] };
    expect(new Map(json.items.map((item) => [item.id, item.content_html]))).toEqual(
      new Map(entries.map((entry) => [entry.id, entry.contentHtml])),
    );
  });

  it("renders what changed for a CLI publish with the live source key; another key, or other settings at any size, renders everything", async () => {
    const store = new EntryStore(env.ENTRIES, CONFIG.entriesPerFeed);
    const load = (from: number, to: number) =>
      ingestDocuments(
        store,
        env.FEEDS,
        CONFIG,
        Array.from({ length: to - from + 1 }, (_, i) => ({
          name: `${from + i}.txt`,
          bytes: new TextEncoder().encode(seed(from + i, { tag: (from + i) % 2 ? "odd" : "even" })),
        })),
        { publish: false },
      );
    const cliPublish = async (sourceKey: string, config = CONFIG) =>
      (await publishChanges(store, env.FEEDS, config, {
        now: PUBLISHED_MS,
        seq: (await store.state()).seq,
        sourceKey,
        encodings: ["gzip"],
      })) as NonNullable<Awaited<ReturnType<typeof publishChanges>>>;
    const liveKeys = async () => {
      const manifest = parseManifest((await env.FEEDS.get(CURRENT_KEY)) as string, CURRENT_KEY);
      return { sourceKey: manifest.sourceKey, renderKey: manifest.renderKey };
    };
    // 25 articles: two complete archive pages of 10, two category feeds.
    await load(1, 25);
    const first = await cliPublish("code-a");
    expect(first.full).toBe(true);
    // Feeds, page and list, 2 archive pages and 2 category feeds in three formats each.
    expect(first.rendered).toBeGreaterThanOrEqual(3 + 2 + 2 * 3 + 2 * 3);
    expect((await liveKeys()).sourceKey).toBe("code-a");

    // A restart with one more article: the feeds it is in, not the archive pages.
    await load(26, 26);
    const restart = await cliPublish("code-a");
    expect(restart.full).toBe(false);
    expect(restart.rendered).toBeLessThan(first.rendered);
    const atom = await decodeBody(
      await request("/feed.atom", { headers: { "Accept-Encoding": "gzip" } }),
    );
    expect(atom).toContain("https://source.example/news/26.html");

    // The worker's own publish (an ingest) keeps the key the CLI recorded.
    await ingestDocuments(store, env.FEEDS, CONFIG, [
      { name: "27.txt", bytes: new TextEncoder().encode(seed(27)) },
    ]);
    expect((await liveKeys()).sourceKey).toBe("code-a");

    // Other code: everything again, and the new key recorded.
    const upgraded = await cliPublish("code-b");
    expect(upgraded.full).toBe(true);
    expect(upgraded.rendered).toBeGreaterThanOrEqual(first.rendered);
    expect((await liveKeys()).sourceKey).toBe("code-b");

    // Other settings under the same key (a worker configured apart): a CLI publish renders everything,
    // however large the site, where an ingest would not above FULL_REPUBLISH_MAX_ENTRIES.
    const settings = { ...CONFIG, author: "Another desk" };
    const renamed = (await publishChanges(store, env.FEEDS, settings, {
      now: PUBLISHED_MS,
      seq: (await store.state()).seq,
      sourceKey: "code-b",
      fullRepublishMaxEntries: 0,
      encodings: ["gzip"],
    })) as NonNullable<Awaited<ReturnType<typeof publishChanges>>>;
    expect(renamed.full).toBe(true);
    const oldest = await decodeBody(
      await request("/archive/1.atom", { headers: { "Accept-Encoding": "gzip" } }),
    );
    expect(oldest).toContain("https://source.example/news/1.html");
    expect(oldest).toContain("<name>Another desk</name>");
  });

  it("answers 503, not a broken body, when a stored gzip body no longer decodes", async () => {
    const store = new EntryStore(env.ENTRIES, CONFIG.entriesPerFeed);
    const renderKey = await renderKeyOf(CONFIG);
    for (const n of [1, 2]) {
      const paragraphs = Array.from({ length: 700 }, (_, i) => `<p>Line ${i} of article ${n}.</p>`);
      const entry = {
        ...makeEntry(n, PUBLISHED_MS + n * 60_000),
        contentHtml: paragraphs.join(""),
      };
      const pieces = renderEntryPieces(entry, CONFIG);
      await store.save({ entry, documentHash: `d-${n}`, categories: [], pieces, renderKey }, null);
    }
    const { seq } = await store.state();
    await publishChanges(store, env.FEEDS, CONFIG, { now: PUBLISHED_MS, seq, encodings: ["gzip"] });
    const manifest = parseManifest((await env.FEEDS.get(CURRENT_KEY)) as string, CURRENT_KEY);
    await env.FEEDS.put(documentKey(manifest.version, "feed.rss", "gzip"), "not gzip at all");
    const response = await request("/feed.rss");
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).not.toBeNull();
    // The other feeds still serve.
    expect((await request("/feed.atom")).status).toBe(200);
  });

  it("stores exactly the codings it is asked for (npm start skips brotli for big folders)", async () => {
    const store = new EntryStore(env.ENTRIES, CONFIG.entriesPerFeed);
    await ingestDocuments(
      store,
      env.FEEDS,
      CONFIG,
      [{ name: "one.txt", bytes: new TextEncoder().encode(seed(1)) }],
      { publish: false },
    );
    const { seq } = await store.state();
    await publishChanges(store, env.FEEDS, CONFIG, {
      now: PUBLISHED_MS,
      seq,
      full: true,
      encodings: [],
    });
    const manifest = parseManifest((await env.FEEDS.get(CURRENT_KEY)) as string, CURRENT_KEY);
    expect(manifest.documents.length).toBeGreaterThan(3);
    for (const doc of manifest.documents)
      expect(doc.variants.map((v) => v.encoding)).toEqual(["identity"]);
  });
});

describe("storage that several publishes share (found in review)", () => {
  const world = (n: number) =>
    new TextEncoder().encode(seed(n, { tag: "world", body: `Story ${n} from the world desk.` }));
  const ingestOne = async (store: EntryStore, n: number) =>
    ingestDocuments(store, env.FEEDS, CONFIG, [{ name: `${n}.txt`, bytes: world(n) }]);

  it("a category feed stays served through delete and re-ingest, by isolates that cached the earlier shelf too", async () => {
    const store = new EntryStore(env.ENTRIES, CONFIG.entriesPerFeed);
    await ingestOne(store, 1);
    await ingestOne(store, 2);
    const cachedEarly = createApp();
    // Both apps read the shelf now, and keep it.
    expect((await request("/category/world.atom")).status).toBe(200);
    expect((await cachedEarly.request("/category/world.atom", {}, env)).status).toBe(200);
    const first = (await readLiveManifest(env.FEEDS)) as Manifest;

    await deleteArticle(store, env.FEEDS, CONFIG, "https://source.example/news/2.html");
    await ingestOne(store, 2);
    const again = (await readLiveManifest(env.FEEDS)) as Manifest;
    // The same content again, but its category feed is stored elsewhere now: another version name.
    expect(again.version).not.toBe(first.version);
    for (const app of [cachedEarly, createApp()]) {
      const response = await app.request("/category/world.atom", {}, env);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("Story 2 from the world desk.");
    }
    expect((await request("/category/world.atom")).status).toBe(200);
  });

  it("a deploy over an ingested site keeps what the replaced version reads, for readers still on it", async () => {
    const store = new EntryStore(env.ENTRIES, CONFIG.entriesPerFeed);
    await ingestOne(store, 1);
    await ingestOne(store, 2);
    const ingested = (await readLiveManifest(env.FEEDS)) as Manifest;
    // Ingests publish on the machine's clock (publishChanges), so the deploys come after it: on a
    // fixed date, a run after that date saw the ingests' staging prefixes as made in the future.
    const deployAt = Date.now() + 2 * HOUR;
    await publishSite(ENTRIES, { now: deployAt });
    for (const doc of ingested.documents)
      for (const variant of doc.variants.filter((v) => v.decodedFrom === undefined)) {
        const key = documentKey(storedVersion(ingested, doc), doc.path, variant.encoding);
        expect(await env.FEEDS.get(key), key).not.toBeNull();
      }
    // One publish later no pointer reads them, but a location whose KV lags may: they stay for the
    // grace period, and the first publish after it deletes them.
    await publishSite(NEXT_ENTRIES, { now: deployAt + 1 });
    const key = documentKey(
      storedVersion(
        ingested,
        ingested.documents.find((d) => d.path === "category/world.atom") as ManifestDocument,
      ),
      "category/world.atom",
      "gzip",
    );
    expect(await env.FEEDS.get(key)).not.toBeNull();
    await publishSite([makeEntry(4, NEWER_MS + 7_200_000), ...NEXT_ENTRIES], {
      now: deployAt + 1 + RETIRED_GRACE_MS + 1,
    });
    expect(await env.FEEDS.get(key)).toBeNull();
  });

  it("reads the live manifest once per version: the one it published is reused, one published elsewhere is read", async () => {
    const store = new EntryStore(env.ENTRIES, CONFIG.entriesPerFeed);
    await ingestOne(store, 1);
    const published = parseManifest((await env.FEEDS.get(CURRENT_KEY)) as string, CURRENT_KEY);
    const first = await readLiveManifest(env.FEEDS, published.publishedMs);
    expect(first?.version).toBe(published.version);
    expect(await readLiveManifest(env.FEEDS, published.publishedMs)).toBe(first);
    // Another isolate publishes (a new pointer, here the same documents published later).
    const elsewhere = {
      ...published,
      version: "0123456789abcdef",
      publishedMs: published.publishedMs + 1,
    };
    await env.FEEDS.put(CURRENT_KEY, JSON.stringify(elsewhere));
    const read = await readLiveManifest(env.FEEDS, elsewhere.publishedMs);
    expect(read).not.toBe(first);
    expect(read?.version).toBe("0123456789abcdef");
    expect(read?.documents.map((d) => d.path).sort()).toEqual(
      first?.documents.map((d) => d.path).sort(),
    );
  });

  it("finds a spread folder's document on the shelf of its shard; a shard out of range is no manifest", () => {
    const pointer = (shelves: unknown[]) =>
      JSON.stringify({
        schema: 1,
        version: "0123456789abcdef",
        previousVersion: null,
        publishedMs: 0,
        entryCount: 0,
        newestEntryMs: null,
        documents: [],
        shelves,
      });
    const refs = [0, 1, 2, 3].map((shard) => ({
      key: `site/v/0123456789abcdef/shelf-${shard}`,
      count: 3,
      folder: "category/",
      shard,
      shards: 4,
    }));
    const manifest = parseManifest(pointer(refs), CURRENT_KEY);
    for (const slug of ["world", "sport", "世界", "a", "b"]) {
      const shard = shardOf(`category/${slug}.atom`, 4);
      // A feed's three formats are on one shelf.
      for (const format of ["atom", "rss", "json"])
        expect(shelfFor(manifest, `category/${slug}.${format}`)).toEqual(refs[shard]);
    }
    expect(new Set(["a", "b", "c", "d", "e", "f", "g", "h"].map((s) => shardOf(s, 4))).size).toBe(
      4,
    );
    expect(() => parseManifest(pointer([{ ...refs[0], shard: 4 }]), CURRENT_KEY)).toThrow();
  });

  it("finds every document of a manifest merged from its shelves, in the list that holds it", () => {
    const doc = (path: string): ManifestDocument => ({
      path,
      contentType: "application/atom+xml; charset=utf-8",
      lastModifiedMs: 0,
      variants: [{ encoding: "identity", etag: `"${path.length}"`, size: 1 }],
    });
    const top = [doc("feed.atom"), doc("index.html")];
    const archive = [doc("archive/1.atom"), doc("archive/2.atom")];
    const categories = [doc("category/world.atom")];
    const pointer: Manifest = {
      schema: 1,
      version: "0123456789abcdef",
      previousVersion: null,
      publishedMs: 0,
      entryCount: 2,
      newestEntryMs: 0,
      documents: top,
    };
    const merged = mergeShelves(pointer, [archive, categories]);
    expect(merged.documents.map((d) => d.path)).toEqual([
      "feed.atom",
      "index.html",
      "archive/1.atom",
      "archive/2.atom",
      "category/world.atom",
    ]);
    for (const d of [...top, ...archive, ...categories])
      expect(findDocument(merged, d.path)).toBe(d);
    expect(findDocument(merged, "archive/3.atom")).toBeUndefined();
    expect(mergeShelves(pointer, [])).toBe(pointer);
  });

  it("names a shelf again whole only when each of its documents names the version storing it, and retains those versions", () => {
    const doc = (path: string, storedIn?: string): ManifestDocument => ({
      path,
      contentType: "application/atom+xml; charset=utf-8",
      lastModifiedMs: 0,
      variants: [{ encoding: "identity", etag: `"${path.length}"`, size: 1 }],
      ...(storedIn ? { storedIn } : {}),
    });
    const archive = [
      doc("archive/1.atom", "1111111111111111"),
      doc("archive/2.atom", "2222222222222222"),
    ];
    // Written by the pointer's own version: a later version naming this list would misname it.
    const categories = [doc("category/world.atom")];
    const shelves = [
      { key: shelfKey("2222222222222222", "aaaaaaaaaaaaaaaa"), count: 2, folder: "archive/" },
      { key: shelfKey("3333333333333333", "bbbbbbbbbbbbbbbb"), count: 1, folder: "category/" },
    ];
    const pointer: Manifest = {
      schema: 1,
      version: "3333333333333333",
      previousVersion: "2222222222222222",
      publishedMs: 0,
      entryCount: 2,
      newestEntryMs: 0,
      documents: [doc("feed.atom")],
      shelves,
    };
    const merged = mergeShelves(pointer, [archive, categories]);
    expect(reusableShelf(merged, "archive/")).toEqual({ ref: shelves[0], documents: archive });
    expect(reusableShelf(merged, "category/")).toBeUndefined();
    expect(reusableShelf(merged, "tag/")).toBeUndefined();
    expect(reusableShelf(pointer, "archive/")).toBeUndefined();
    // The versions it reads from: its own, those its documents name, and its shelves'.
    expect([...referencedVersions(merged)].sort()).toEqual([
      "1111111111111111",
      "2222222222222222",
      "3333333333333333",
    ]);
    expect(referencedVersionsOf(pointer, [pointer.documents, archive, categories])).toEqual(
      referencedVersions(merged),
    );
  });

  it("a pointer whose shelf is missing: read moments after its publish, publishing fails and asks to retry; long after, it is rebuilt", async () => {
    const store = new EntryStore(env.ENTRIES, CONFIG.entriesPerFeed);
    await ingestOne(store, 1);
    const pointer = parseManifest((await env.FEEDS.get(CURRENT_KEY)) as string, CURRENT_KEY);
    // A shelf this isolate never wrote nor read (as a stale pointer read elsewhere would name), in the
    // one-shelf form of manifests written before shelves were split, which is still read.
    const { shelves: _split, ...unsplit } = pointer;
    const lost = {
      ...unsplit,
      shelf: { key: "site/v/0000000000000000/shelf-gone.json", count: 3 },
    };
    await env.FEEDS.put(CURRENT_KEY, JSON.stringify(lost));
    await expect(readLiveManifest(env.FEEDS, pointer.publishedMs + 60_000)).rejects.toThrow(
      /publish again in a minute/,
    );
    expect(await readLiveManifest(env.FEEDS, pointer.publishedMs + 3_600_000)).toBeNull();
  });

  it("answers 404, not 500, to a malformed escape below a folder", async () => {
    const store = new EntryStore(env.ENTRIES, CONFIG.entriesPerFeed);
    await ingestOne(store, 1);
    const response = await request("/category/%E0%A4%A.atom");
    expect(response.status).toBe(404);
  });
});

describe("the publishing lease in a long publish", () => {
  it("is renewed between chunks; lost to another publisher, the publish stops before switching the pointer", async () => {
    // Pages of two entries: 30 articles make 15 archive pages, two chunks of feeds.
    const store = new EntryStore(env.ENTRIES, 2);
    const documents = Array.from({ length: 30 }, (_, i) => ({
      name: `${i + 1}.txt`,
      bytes: new TextEncoder().encode(seed(i + 1)),
    }));
    await ingestDocuments(store, env.FEEDS, CONFIG, documents.slice(0, 4));
    const before = await (await request("/feed.atom")).text();
    await ingestDocuments(store, env.FEEDS, CONFIG, documents.slice(4), { publish: false });

    // Another publisher takes the lease while this one renders its first chunk.
    let renewals = 0;
    const stolen = async () => {
      renewals++;
      await env.ENTRIES.prepare(
        "UPDATE site_state SET value = value + 1 WHERE key = 'lock_until'",
      ).run();
      throw new Error("lease lost");
    };
    await expect(
      publishFromStore(store, env.FEEDS, CONFIG, {
        now: NEXT_DAY_MS,
        full: true,
        keepLease: stolen,
      }),
    ).rejects.toThrow("lease lost");
    expect(renewals).toBe(1);
    expect(await (await request("/feed.atom")).text()).toBe(before);

    // renewLock extends only the lease its caller holds.
    expect((await store.tryLock(NEXT_DAY_MS, NEXT_DAY_MS + 30_000)).locked).toBe(true);
    expect((await store.tryLock(NEXT_DAY_MS + 1, NEXT_DAY_MS + 40_000)).locked).toBe(false);
    expect(await store.renewLock(NEXT_DAY_MS + 1, NEXT_DAY_MS + 60_000)).toBe(false);
    expect(await store.renewLock(NEXT_DAY_MS + 30_000, NEXT_DAY_MS + 60_000)).toBe(true);
    await store.unlock(NEXT_DAY_MS + 60_000);

    // A publish that keeps its lease completes.
    const report = await publishChanges(store, env.FEEDS, CONFIG, {
      now: NEXT_DAY_MS,
      seq: (await store.state()).seq,
      full: true,
    });
    expect(report?.switched).toBe(true);
    expect(await (await request("/feed.atom")).text()).toContain("Article 30");
  });
});
