/**
 * The ingest API inside workerd: authorization, limits, statuses, idempotency, updates, deletes,
 * concurrent ingests, and what the published feeds say afterwards.
 */
import { reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { XMLParser } from "fast-xml-parser";
import { beforeEach, describe, expect, it } from "vitest";
import { ingestDocuments, PublishError, publishPending } from "../../src/api/ingest.js";
import { convertDocument } from "../../src/pipeline.js";
import { LEASE_MS, publishChanges } from "../../src/site.js";
import { EntryStore } from "../../src/store/entries.js";
import { CURRENT_KEY } from "../../src/store/keys.js";
import { PieceCache } from "../../src/store/piece-cache.js";
import {
  AUTH,
  CONFIG,
  HOUR,
  identityAndGzip,
  kvShowingPointer,
  kvWith,
  postDocuments as post,
  request,
  seed,
  seedDocument,
  T0,
  TOKEN,
} from "./helpers.js";

beforeEach(async () => {
  await reset();
});

interface Answer {
  documents: Array<{
    name: string;
    status: string;
    id?: string;
    updated?: string;
    error?: string;
    note?: string;
  }>;
  published: { version: string } | null;
}

async function ingest(text: string): Promise<Answer> {
  const response = await post(text, "text/plain; charset=utf-8");
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Answer;
}

const articleUrl = (n: number) => `https://source.example/news/${n}.html`;

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" });

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

interface AtomFeed {
  entry?: unknown;
  link?: unknown;
  "fh:archive"?: unknown;
  "at:deleted-entry"?: unknown;
}

async function atom(path: string): Promise<AtomFeed> {
  const response = await request(path);
  expect(response.status, path).toBe(200);
  return (xml.parse(await response.text()) as { feed: AtomFeed }).feed;
}

function entryIds(feed: AtomFeed): string[] {
  return asArray(feed.entry as Array<{ id: string }>).map((e) => e.id);
}

function linkOf(feed: AtomFeed, rel: string): string | undefined {
  const links = asArray(feed.link as Array<{ "@rel": string; "@href": string }>);
  return links.find((l) => l["@rel"] === rel)?.["@href"];
}

describe("authorization", () => {
  it.each([
    ["no Authorization header", {}],
    ["a wrong token", { Authorization: "Bearer not-the-token" }],
    ["the token without Bearer", { Authorization: TOKEN }],
    ["a token that only starts like ours", { Authorization: `Bearer ${TOKEN}x` }],
  ])("answers 401 without detail to %s, and stores nothing", async (_, headers) => {
    const response = await post(seed(1), "text/plain", headers);
    expect(response.status).toBe(401);
    expect(await response.text()).toBe("Unauthorized.\n");
    expect(response.headers.get("WWW-Authenticate")).toContain("Bearer");
    expect((await request("/health")).status).toBe(503);
  });
});

describe("POST /api/documents", () => {
  it("creates an entry from a text/plain document and publishes it", async () => {
    const answer = await ingest(seed(1));
    expect(answer.documents).toEqual([
      {
        name: "document.txt",
        status: "created",
        id: "https://source.example/news/1.html",
        updated: "2021-12-15T19:57:46Z",
      },
    ]);
    expect(entryIds(await atom("/feed.atom"))).toEqual(["https://source.example/news/1.html"]);
    const json = (await (await request("/feed.json")).json()) as { items: Array<{ id: string }> };
    expect(json.items.map((i) => i.id)).toEqual(["https://source.example/news/1.html"]);
    expect(await (await request("/")).text()).toContain("Article 1");
  });

  it("gives the same entry as the build's convertDocument for the same document", async () => {
    const text = seed(7, { tag: "World" });
    const response = await post(text, "text/plain", AUTH);
    expect(response.status).toBe(200);
    const served = (await (await request("/feed.json")).json()) as { items: unknown[] };
    const built = convertDocument(text, "document.txt");
    const { renderJsonItem } = await import("../../src/render/json.js");
    expect(served.items[0]).toEqual(JSON.parse(renderJsonItem(built)));
  });

  it("is idempotent: the same document again is unchanged and publishes nothing new", async () => {
    const first = await ingest(seed(1));
    const again = await ingest(seed(1));
    expect(again.documents[0]?.status).toBe("unchanged");
    expect(again.published).toBeNull();
    const health = (await (await request("/health")).json()) as { version: string };
    expect(health.version).toBe(first.published?.version);
  });

  it("updates the entry for a newer version of the URL: same id, new updated, first published kept", async () => {
    await ingest(seed(1));
    const answer = await ingest(seed(1, { at: T0 + 5 * HOUR, body: "Corrected body." }));
    expect(answer.documents[0]).toMatchObject({
      status: "updated",
      id: "https://source.example/news/1.html",
      updated: "2021-12-15T23:57:46Z",
    });
    const feed = await atom("/feed.atom");
    const entries = asArray(feed.entry as Array<Record<string, unknown>>);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.id).toBe("https://source.example/news/1.html");
    expect(entries[0]?.published).toBe("2021-12-15T19:57:46Z");
    expect(entries[0]?.updated).toBe("2021-12-15T23:57:46Z");
    expect(await (await request("/feed.rss")).text()).toContain("Corrected body.");
    // The page lists the corrected summary, not the listing this isolate parsed before.
    const page = await (await request("/")).text();
    expect(page).toContain("Corrected body.");
    expect(page).not.toContain("The body of article 1.");
  });

  it("serves gzip feeds, joined from pieces compressed at ingest, that decode to the feed; an update shows", async () => {
    const body = (n: number, version: string) =>
      Array.from(
        { length: 400 },
        (_, i) => `Sentence ${i} of article ${n}, ${version}, about ${(i * 7919 + n) % 1000}.`,
      ).join(" ");
    const batch = [1, 2, 3, 4].map((n) => seed(n, { body: body(n, "first"), tag: "World" }));
    const response = await post(JSON.stringify(batch), "application/json");
    expect(response.status, await response.clone().text()).toBe(200);
    await ingest(seed(3, { at: T0 + 9 * HOUR, body: body(3, "corrected"), tag: "World" }));

    for (const path of ["/feed.atom", "/feed.rss", "/feed.json", "/category/world.atom"]) {
      const { identity, gzip, coding } = await identityAndGzip(path);
      // Large enough that its gzip body is joined from the entries' pieces.
      expect(new TextEncoder().encode(identity).length, path).toBeGreaterThan(64 * 1024);
      expect(identity, path).toContain("article 3, corrected");
      expect(identity, path).not.toContain("article 3, first");
      expect(coding, path).toBe("gzip");
      expect(gzip, path).toBe(identity);
    }
  });

  it("keeps the stored version when an older version of the article arrives", async () => {
    await ingest(seed(1, { at: T0 + 5 * HOUR, body: "Newest." }));
    const answer = await ingest(seed(1, { at: T0, body: "Oldest." }));
    expect(answer.documents[0]?.status).toBe("unchanged");
    expect(await (await request("/feed.rss")).text()).toContain("Newest.");
  });

  it("publishes every correction sent with the article's own time, and still keeps it over an older one", async () => {
    await ingest(seed(1, { body: "Original." }));
    // Newsrooms correct an article without changing its time: each correction is news.
    const first = await ingest(seed(1, { body: "First correction." }));
    const second = await ingest(seed(1, { body: "Second correction." }));
    const third = await ingest(seed(1, { body: "Third correction." }));
    for (const answer of [first, second, third])
      expect(answer.documents[0]?.status, JSON.stringify(answer)).toBe("updated");
    const times = [first, second, third].map((a) => Date.parse(a.documents[0]?.updated ?? ""));
    expect(times[1]).toBeGreaterThan(times[0] ?? 0);
    expect(times[2]).toBeGreaterThan(times[1] ?? 0);
    const rss = await (await request("/feed.rss")).text();
    expect(rss).toContain("Third correction.");
    expect(rss).not.toContain("Second correction.");
    // The first correction sent again changes nothing back; a version older than the article neither.
    for (const stale of [
      seed(1, { body: "First correction." }),
      seed(1, { at: T0, body: "Oldest." }),
    ]) {
      const answer = await ingest(stale);
      expect(answer.documents[0]?.status).toBe("unchanged");
      expect(answer.documents[0]?.note).toBe("a newer version of this article is stored");
    }
    expect(await (await request("/feed.rss")).text()).toContain("Third correction.");
    // Deleted and sent again, the article starts anew: its history went with it.
    const url = encodeURIComponent(articleUrl(1));
    const deleted = await request(`/api/documents?url=${url}`, { method: "DELETE", headers: AUTH });
    expect(deleted.status).toBe(200);
    expect((await ingest(seed(1, { body: "Original." }))).documents[0]?.status).toBe("created");
    expect((await ingest(seed(1, { body: "First correction." }))).documents[0]?.status).toBe(
      "updated",
    );
  });

  it("answers 422 with the build's file:line message for a bad document", async () => {
    const bad = seed(1).replace(String(T0 + HOUR), "1639594666");
    const response = await post(bad, "text/plain", AUTH);
    expect(response.status).toBe(422);
    const answer = (await response.json()) as Answer;
    let message = "";
    try {
      convertDocument(bad, "document.txt");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^document\.txt:1: /);
    expect(answer.documents).toEqual([
      { name: "document.txt", status: "rejected", error: message },
    ]);
  });

  it("takes a JSON batch, reporting each document; a bad one does not stop the others", async () => {
    const response = await post(
      JSON.stringify([
        { name: "seeds/one.txt", text: seed(1) },
        seed(2),
        { name: "seeds/bad.txt", text: "no timestamp here" },
      ]),
      "application/json",
    );
    expect(response.status).toBe(422);
    const answer = (await response.json()) as Answer;
    expect(answer.documents.map((d) => [d.name, d.status])).toEqual([
      ["seeds/one.txt", "created"],
      ["document-2.txt", "created"],
      ["seeds/bad.txt", "rejected"],
    ]);
    expect(answer.documents[2]?.error).toMatch(/^seeds\/bad\.txt:1: /);
    expect(entryIds(await atom("/feed.atom"))).toHaveLength(2);
  });

  it("in one batch, creates the new articles together and takes updates and repeats in document order", async () => {
    await ingest(seed(1));
    const batch = [
      { name: "new-3.txt", text: seed(3) },
      { name: "update-1.txt", text: seed(1, { at: T0 + 5 * HOUR, body: "Corrected body." }) },
      { name: "new-2.txt", text: seed(2) },
      { name: "bad.txt", text: "no timestamp here" },
      // Article 2 again, a newer version: it updates what the batch just created.
      { name: "again-2.txt", text: seed(2, { at: T0 + 9 * HOUR, body: "Second take." }) },
      { name: "same-3.txt", text: seed(3) },
    ];
    const response = await post(JSON.stringify(batch), "application/json");
    const answer = (await response.json()) as Answer;
    expect(answer.documents.map((d) => [d.name, d.status])).toEqual([
      ["new-3.txt", "created"],
      ["update-1.txt", "updated"],
      ["new-2.txt", "created"],
      ["bad.txt", "rejected"],
      ["again-2.txt", "updated"],
      ["same-3.txt", "unchanged"],
    ]);
    // New articles take the archive's next positions in the order they came.
    const positions = await env.ENTRIES.prepare(
      "SELECT id, position FROM entries ORDER BY position",
    ).all<{ id: string }>();
    expect(positions.results.map((r) => r.id)).toEqual([1, 3, 2].map(articleUrl));
    const rss = await (await request("/feed.rss")).text();
    expect(rss).toContain("Corrected body.");
    expect(rss).toContain("Second take.");
    expect(entryIds(await atom("/feed.atom")).sort()).toEqual([1, 2, 3].map(articleUrl));

    const again = (await (await post(JSON.stringify(batch), "application/json")).json()) as Answer;
    expect(again.documents.map((d) => d.status)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
      "rejected",
      "unchanged",
      "unchanged",
    ]);
  });

  it("takes a multipart batch of files, named by their file names", async () => {
    const form = new FormData();
    form.append("a", new File([seed(1)], "seeds/a.txt", { type: "text/plain" }));
    form.append("b", new File([seed(2)], "seeds/b.txt", { type: "text/plain" }));
    const response = await request("/api/documents", { method: "POST", body: form, headers: AUTH });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as Answer;
    expect(answer.documents.map((d) => [d.name, d.status])).toEqual([
      ["seeds/a.txt", "created"],
      ["seeds/b.txt", "created"],
    ]);
  });

  it("answers 413 to a body over the limit, before converting anything", async () => {
    const { MAX_INGEST_BYTES } = await import("../../src/worker/api.js");
    const response = await post("x".repeat(MAX_INGEST_BYTES + 1), "text/plain");
    expect(response.status).toBe(413);
    expect((await request("/health")).status).toBe(503);
  });

  it("answers 415 to another content type and 400 to JSON that is not an array", async () => {
    expect((await post(seed(1), "application/xml")).status).toBe(415);
    expect((await post('{"text": "x"}', "application/json")).status).toBe(400);
    expect((await post("[", "application/json")).status).toBe(400);
  });

  it("answers 405 with Allow to GET", async () => {
    const response = await request("/api/documents");
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("POST, DELETE");
  });

  it("loses nothing when many ingests arrive at once", async () => {
    const count = 12;
    const responses = await Promise.all(
      Array.from({ length: count }, (_, i) => post(seed(i + 1), "text/plain")),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(count).fill(200));
    const json = (await (await request("/feed.json")).json()) as { items: unknown[] };
    expect(json.items).toHaveLength(count);
    const health = (await (await request("/health")).json()) as { entries: number };
    expect(health.entries).toBe(count);
  });
});

/** D1 with its round trips counted: each batch, and each statement run on its own. */
function countingD1(db: D1Database): { db: D1Database; calls: () => string[]; reset: () => void } {
  let calls: string[] = [];
  const counted = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const counting = <F>(method: F) =>
      ((...args: unknown[]) => {
        calls.push(sql);
        return (method as (...a: unknown[]) => unknown).apply(statement, args);
      }) as F;
    const { bind, all, run, first, raw } = statement;
    return Object.assign(statement, {
      bind: (...values: unknown[]) => counted(bind.apply(statement, values), sql),
      all: counting(all),
      run: counting(run),
      first: counting(first),
      raw: counting(raw),
    });
  };
  const wrapped = Object.create(db) as D1Database;
  wrapped.prepare = (sql: string) => counted(db.prepare(sql), sql);
  wrapped.batch = (statements) => {
    calls.push(`batch of ${statements.length}`);
    return db.batch(statements);
  };
  return {
    db: wrapped,
    calls: () => calls,
    reset: () => {
      calls = [];
    },
  };
}

describe("D1 round trips of an ingest", () => {
  it("are two for one new document (created with the lease tried and the plan read, the release), two for the same document again (the look-up, the counters), and a correction is looked up first where the isolate knows the article", async () => {
    const d1 = countingD1(env.ENTRIES);
    // Its own piece cache: this isolate's knows the articles of the tests before, whose rows are gone.
    const store = new EntryStore(d1.db, CONFIG.entriesPerFeed, new PieceCache());
    const doc = (n: number, body?: string, at?: number) => ({
      name: `${n}.txt`,
      bytes: new TextEncoder().encode(
        seed(n, { ...(body ? { body } : {}), ...(at ? { at } : {}) }),
      ),
    });
    // The first ingest also creates the schema.
    await ingestDocuments(store, env.FEEDS, CONFIG, [doc(1)]);
    d1.reset();
    const created = await ingestDocuments(store, env.FEEDS, CONFIG, [doc(2)]);
    // Each statement run alone, or batch, is one call the worker spends CPU time on. The first batch
    // creates the entry, tries the lease, reads the counters and the publish's plan.
    expect(d1.calls()).toHaveLength(2);
    expect(d1.calls()[0]).toMatch(/^batch of /);
    expect(created.results.map((r) => r.status)).toEqual(["created"]);
    expect(created.published?.seq).toBe((await store.state()).publishedSeq);

    // The same document again, which this isolate holds as stored: one look-up, nothing written, and
    // the counters read (is anything saved not published yet?): nothing to publish.
    d1.reset();
    const again = await ingestDocuments(store, env.FEEDS, CONFIG, [doc(2)]);
    expect(again.results.map((r) => r.status)).toEqual(["unchanged"]);
    expect(again.published).toBeNull();
    expect(d1.calls()).toHaveLength(2);
    expect(d1.calls()[0]).toMatch(/^SELECT .* WHERE e\.id IN/);
    expect(d1.calls()[1]).toMatch(/^SELECT key, value FROM site_state/);

    // A correction of an article this isolate knows is looked up first, then saved as an update with
    // the lease tried: no write tried as new (and its pieces compressed) for nothing.
    d1.reset();
    const updated = await ingestDocuments(store, env.FEEDS, CONFIG, [doc(2, "Corrected.")]);
    expect(updated.results.map((r) => r.status)).toEqual(["updated"]);
    expect(d1.calls()[0]).toMatch(/^SELECT .* WHERE e\.id IN/);
    expect(d1.calls()[1]).toMatch(/^batch of /);
    expect(d1.calls()).toHaveLength(3);
    const items = async () =>
      (
        (await (await request("/feed.json")).json()) as {
          items: Array<{ id: string; content_html: string }>;
        }
      ).items;
    expect((await items()).map((i) => i.id)).toEqual([articleUrl(2), articleUrl(1)]);
    expect((await items())[0]?.content_html).toContain("Corrected.");

    // Another isolate, which never saw the article, tries it as new first, then saves it as an update.
    const elsewhere = new EntryStore(d1.db, CONFIG.entriesPerFeed, new PieceCache());
    d1.reset();
    const twice = await ingestDocuments(elsewhere, env.FEEDS, CONFIG, [
      doc(2, "Corrected twice.", Date.now() + 60_000),
    ]);
    expect(twice.results.map((r) => r.status)).toEqual(["updated"]);
    expect(d1.calls()[0]).toMatch(/^batch of /);
    expect(d1.calls()[1]).toMatch(/^SELECT .* WHERE e\.id = \?/);
    // Then the save with the lease tried and the plan read, a read of the pieces this isolate lacks
    // (the other article's), and the release.
    expect(d1.calls()).toHaveLength(5);
    expect((await items()).map((i) => i.id)).toEqual([articleUrl(2), articleUrl(1)]);
    expect((await items())[0]?.content_html).toContain("Corrected twice.");
    // The lease was given back each time: another publisher takes it at once.
    expect((await store.tryLock(Date.now(), Date.now() + 1000)).locked).toBe(true);
  });
});

/** The test's env with a FEEDS namespace whose writes fail, as in a KV outage; reads still work. */
function envWithFailingPuts(): Env {
  const put = () => Promise.reject(new Error("KV PUT failed: 500 Internal Server Error"));
  return { ...env, FEEDS: kvWith(env.FEEDS, { put }) };
}

async function jsonFeedIds(): Promise<string[]> {
  const feed = (await (await request("/feed.json")).json()) as { items: Array<{ id: string }> };
  return feed.items.map((item) => item.id);
}

describe("a publish that fails after its changes are saved", () => {
  it("answers 503 saying the documents were saved; the same request again publishes them", async () => {
    await ingest(seed(1));
    const failed = await post(seed(2), "text/plain; charset=utf-8", AUTH, envWithFailingPuts());
    expect(failed.status).toBe(503);
    expect(failed.headers.get("Retry-After")).not.toBeNull();
    const text = await failed.text();
    expect(text).toContain("The documents were saved, but publishing failed");
    expect(text).toContain("Send the same request again");
    expect(text).not.toMatch(/KV key|Error:|\.ts\b/);
    // The previous version is still served, without the new article.
    expect(await jsonFeedIds()).toEqual([articleUrl(1)]);

    const again = await ingest(seed(2));
    expect(again.documents.map((d) => d.status)).toEqual(["unchanged"]);
    expect(again.published).not.toBeNull();
    expect(await jsonFeedIds()).toEqual([articleUrl(2), articleUrl(1)]);
  });

  it("a failed read of the plan after the write commits is a failed publish: saved, the lease given back", async () => {
    await ingest(seed(1));
    // This isolate never saw article 1, so its plan reads article 1's pieces: that read fails.
    const failingPieces = Object.create(env.ENTRIES) as D1Database;
    const failingAll = (statement: D1PreparedStatement): D1PreparedStatement => {
      const { bind } = statement;
      return Object.assign(statement, {
        bind: (...values: unknown[]) => failingAll(bind.apply(statement, values)),
        all: () => Promise.reject(new Error("D1_ERROR: network connection lost")),
      });
    };
    failingPieces.prepare = (sql: string) => {
      const statement = env.ENTRIES.prepare(sql);
      // Run on its own (not in a batch): the read of pieces by id.
      return sql.includes("compressed_pieces z") ? failingAll(statement) : statement;
    };
    failingPieces.batch = (statements) => env.ENTRIES.batch(statements);
    const store = new EntryStore(failingPieces, CONFIG.entriesPerFeed, new PieceCache());
    const attempt = ingestDocuments(store, env.FEEDS, CONFIG, [seedDocument(2)]);
    await expect(attempt).rejects.toThrow(PublishError);
    await expect(attempt).rejects.toThrow(/1 document \(2\.txt\) saved; publishing failed/);
    const healthy = new EntryStore(env.ENTRIES, CONFIG.entriesPerFeed, new PieceCache());
    expect((await healthy.findMany([articleUrl(2)])).has(articleUrl(2))).toBe(true);
    // Free at once, not held until it runs out.
    const until = Date.now() + 1_000;
    expect((await healthy.tryLock(Date.now(), until)).locked).toBe(true);
    await healthy.unlock(until);
    expect(await jsonFeedIds()).toEqual([articleUrl(1)]);
    expect((await ingest(seed(2))).documents.map((d) => d.status)).toEqual(["unchanged"]);
    expect(await jsonFeedIds()).toEqual([articleUrl(2), articleUrl(1)]);
  });

  it("a D1 failure answers 503 telling the client to send the same request again, which then publishes", async () => {
    await ingest(seed(1));
    const failing = Object.create(env.ENTRIES) as D1Database;
    failing.batch = () => Promise.reject(new Error("D1_ERROR: storage operation exceeded timeout"));
    const response = await post(seed(2), "text/plain; charset=utf-8", AUTH, {
      ...env,
      ENTRIES: failing,
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).not.toBeNull();
    const text = await response.text();
    expect(text).toContain("Send the same request again");
    expect(text).not.toMatch(/D1_ERROR|Error:|\.ts\b/);
    expect((await ingest(seed(2))).documents.map((d) => d.status)).toEqual(["created"]);
    expect(await jsonFeedIds()).toEqual([articleUrl(2), articleUrl(1)]);
  });

  it("publishes a document saved by a request that ended before its publish, when it is sent again", async () => {
    await ingest(seed(1));
    // What a request Cloudflare ends for its CPU time after the save leaves: saved, not published.
    const store = new EntryStore(env.ENTRIES, CONFIG.entriesPerFeed, new PieceCache());
    await ingestDocuments(store, env.FEEDS, CONFIG, [seedDocument(2)], { publish: false });
    expect(await jsonFeedIds()).toEqual([articleUrl(1)]);
    const again = await ingest(seed(2));
    expect(again.documents.map((d) => d.status)).toEqual(["unchanged"]);
    expect(await jsonFeedIds()).toEqual([articleUrl(2), articleUrl(1)]);
  });

  it("answers 503 saying the removal was saved; the DELETE again finds no entry, and publishes the removal", async () => {
    await ingest(seed(1));
    await ingest(seed(2));
    const path = `/api/documents?url=${encodeURIComponent(articleUrl(1))}`;
    const failed = await request(path, { method: "DELETE", headers: AUTH }, envWithFailingPuts());
    expect(failed.status).toBe(503);
    expect(await failed.text()).toContain("The removal was saved, but publishing failed");
    expect(await jsonFeedIds()).toEqual([articleUrl(2), articleUrl(1)]);

    const again = await request(path, { method: "DELETE", headers: AUTH });
    expect(again.status).toBe(404);
    expect(await jsonFeedIds()).toEqual([articleUrl(2)]);
  });
});

describe("waiting for the publishing lease", () => {
  it("looks again after pauses that grow: a few D1 calls while another publisher holds it, not one every 50 ms", async () => {
    await ingest(seed(1));
    const d1 = countingD1(env.ENTRIES);
    const store = new EntryStore(d1.db, CONFIG.entriesPerFeed, new PieceCache());
    // Another publisher (a long CLI publish) holds the lease; a document is saved meanwhile.
    const held = Date.now() + LEASE_MS;
    expect((await store.tryLock(Date.now(), held)).locked).toBe(true);
    await ingestDocuments(store, env.FEEDS, CONFIG, [seedDocument(2)], { publish: false });
    d1.reset();
    const release = new Promise<void>((resolve) =>
      setTimeout(() => void store.unlock(held).then(() => resolve()), 1_500),
    );
    const published = await publishPending(store, env.FEEDS, CONFIG);
    await release;
    expect(published).not.toBeNull();
    expect(await jsonFeedIds()).toEqual([articleUrl(2), articleUrl(1)]);
    // The lease tried (with the counters read): at 50 ms throughout, about 30 times in 1.5 s.
    const looks = d1.calls().filter((call) => call === "batch of 2");
    expect(looks.length).toBeGreaterThanOrEqual(2);
    expect(looks.length).toBeLessThanOrEqual(8);
  });
});

describe("a CLI publish's lease", () => {
  it("is renewed in D1 at every step, whatever its clock says is left (a CLI's clock may be off)", async () => {
    const d1 = countingD1(env.ENTRIES);
    const store = new EntryStore(d1.db, CONFIG.entriesPerFeed, new PieceCache());
    await ingestDocuments(store, env.FEEDS, CONFIG, [seedDocument(1)], { publish: false });
    const renewals = () =>
      d1.calls().filter((call) => call.includes("WHERE key = 'lock_until' AND value = ?")).length;
    d1.reset();
    await publishChanges(store, env.FEEDS, CONFIG, { now: Date.now(), sourceKey: "cli" });
    // Before the pointer switch (and before deleting, had anything aged out).
    expect(renewals()).toBeGreaterThanOrEqual(1);
    // A worker's publish, on Cloudflare's clock, renews only when less than half the lease is left.
    await ingestDocuments(store, env.FEEDS, CONFIG, [seedDocument(2)], { publish: false });
    d1.reset();
    await publishChanges(store, env.FEEDS, CONFIG, { now: Date.now() });
    expect(renewals()).toBe(0);
  });
});

describe("a request that changes nothing while another publish holds the lease", () => {
  it("answers at once, leaving what is pending to the lease's holder", async () => {
    await ingest(seed(1));
    const d1 = countingD1(env.ENTRIES);
    const store = new EntryStore(d1.db, CONFIG.entriesPerFeed, new PieceCache());
    await ingestDocuments(store, env.FEEDS, CONFIG, [seedDocument(2)], { publish: false });
    // A long publish (a deploy's) holds the lease.
    expect((await store.tryLock(Date.now(), Date.now() + LEASE_MS)).locked).toBe(true);
    d1.reset();
    const again = await ingestDocuments(store, env.FEEDS, CONFIG, [seedDocument(2)]);
    expect(again.results.map((r) => r.status)).toEqual(["unchanged"]);
    expect(again.published).toBeNull();
    // The look-up, the counters, and one try of the lease: no waiting for it.
    expect(d1.calls().filter((call) => call === "batch of 2")).toHaveLength(1);
    expect(d1.calls()).toHaveLength(3);
  });
});

describe("DELETE /api/documents", () => {
  it("removes the entry, announces it with an Atom tombstone, and 404s for an unknown URL", async () => {
    await ingest(seed(1));
    await ingest(seed(2));
    const response = await request(
      `/api/documents?url=${encodeURIComponent("https://source.example/news/1.html?utm_source=x#top")}`,
      { method: "DELETE", headers: AUTH },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: "https://source.example/news/1.html",
      status: "deleted",
    });
    const feed = await atom("/feed.atom");
    expect(entryIds(feed)).toEqual(["https://source.example/news/2.html"]);
    const tombstones = asArray(feed["at:deleted-entry"] as Array<{ "@ref": string }>);
    expect(tombstones.map((t) => t["@ref"])).toEqual(["https://source.example/news/1.html"]);
    const again = await request(
      `/api/documents?url=${encodeURIComponent("https://source.example/news/1.html")}`,
      { method: "DELETE", headers: AUTH },
    );
    expect(again.status).toBe(404);
  });

  it("needs the token too", async () => {
    const response = await request("/api/documents?url=https://source.example/news/1.html", {
      method: "DELETE",
    });
    expect(response.status).toBe(401);
  });
});

describe("archives (RFC 5005)", () => {
  it("a reader walks from the subscription feed back to the first article", async () => {
    // The test site carries 50 entries per feed and archive page: 120 articles make two complete pages.
    const docs = Array.from({ length: 120 }, (_, i) => ({
      name: `seeds/${i}.txt`,
      text: seed(i + 1),
    }));
    for (let i = 0; i < docs.length; i += 40) {
      const response = await post(JSON.stringify(docs.slice(i, i + 40)), "application/json");
      expect(response.status).toBe(200);
    }
    const seen = new Set<string>();
    let feed = await atom("/feed.atom");
    expect(feed["fh:archive"]).toBeUndefined();
    for (const id of entryIds(feed)) seen.add(id);
    let next = linkOf(feed, "prev-archive");
    const pages: string[] = [];
    while (next) {
      const path = new URL(next).pathname;
      pages.push(path);
      feed = await atom(path);
      expect(feed["fh:archive"]).toBeDefined();
      expect(linkOf(feed, "current")).toMatch(/\/feed\.atom$/);
      for (const id of entryIds(feed)) seen.add(id);
      next = linkOf(feed, "prev-archive");
    }
    expect(pages).toEqual(["/archive/2.atom", "/archive/1.atom"]);
    expect(seen.size).toBe(120);
    expect(seen).toContain("https://source.example/news/1.html");
    // Page 1 links forward to page 2; complete pages are cached long.
    expect(linkOf(await atom("/archive/1.atom"), "next-archive")).toMatch(/\/archive\/2\.atom$/);
    const page = await request("/archive/1.atom");
    expect(page.headers.get("Cache-Control")).toContain("max-age=604800");
    // JSON Feed walks the same way with next_url.
    const json = (await (await request("/feed.json")).json()) as { next_url?: string };
    expect(json.next_url).toMatch(/\/archive\/2\.json$/);
  });
});

describe("a publisher whose KV location still shows an older pointer", () => {
  it("plans from the pointer the last publish recorded in D1: what the newer version changed stays", async () => {
    await ingest(seed(1, { tag: "World" }));
    const olderPointer = await env.FEEDS.get(CURRENT_KEY, "text");
    await ingest(seed(2, { tag: "World" }));
    const newer = JSON.parse((await env.FEEDS.get(CURRENT_KEY, "text")) ?? "null") as {
      version: string;
    };
    // KV shows a new pointer in other locations up to a minute late: this one still has the first.
    const stale = kvShowingPointer(env.FEEDS, olderPointer);
    const response = await post(seed(3), "text/plain; charset=utf-8", AUTH, {
      ...env,
      FEEDS: stale,
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const live = JSON.parse((await env.FEEDS.get(CURRENT_KEY, "text")) ?? "null") as {
      previousVersion: string;
    };
    expect(live.previousVersion).toBe(newer.version);
    expect(await jsonFeedIds()).toEqual([articleUrl(3), articleUrl(2), articleUrl(1)]);
    // The category feed as the second publish made it, not carried back from the first.
    expect(entryIds(await atom("/category/world.atom"))).toEqual([articleUrl(2), articleUrl(1)]);
  });
});

describe("category feeds and OPML", () => {
  it("publishes a feed per category, linked from the page and listed in the OPML", async () => {
    await ingest(seed(1, { tag: "World" }));
    await ingest(seed(2, { tag: "Sports" }));
    expect(entryIds(await atom("/category/world.atom"))).toEqual([
      "https://source.example/news/1.html",
    ]);
    const rss = await request("/category/sports.rss");
    expect(rss.status).toBe(200);
    expect(await rss.text()).toContain("Article 2");
    const page = await (await request("/")).text();
    expect(page).toContain("/category/world.atom");
    const opml = await request("/feeds.opml");
    expect(opml.headers.get("Content-Type")).toBe("text/x-opml; charset=utf-8");
    const text = await opml.text();
    for (const path of ["feed.atom", "category/world.atom", "category/sports.json"])
      expect(text).toContain(`xmlUrl="http://localhost:8787/${path}"`);
    expect((await request("/category/nothing.atom")).status).toBe(404);
  });

  it("links the categories with the newest articles from the page, at most 50, and every one from the OPML list", async () => {
    // Article n is tagged "Tag n" and published n hours after T0: tags 1 to 5 are the oldest.
    const batch = Array.from({ length: 55 }, (_, i) => seed(i + 1, { tag: `Tag ${i + 1}` }));
    const response = await post(JSON.stringify(batch), "application/json");
    expect(response.status, await response.clone().text()).toBe(200);
    const page = await (await request("/")).text();
    const nav = page.slice(
      page.indexOf('<nav class="categories"'),
      page.indexOf("</nav>", page.indexOf('<nav class="categories"')),
    );
    const linked = [...nav.matchAll(/\/category\/([^".]+)\.atom/g)].map((m) => m[1]);
    expect(linked).toHaveLength(50);
    expect(linked).toContain("tag-55");
    for (const old of [1, 2, 3, 4, 5]) expect(linked).not.toContain(`tag-${old}`);
    expect(nav).toContain("and 5 more (OPML)");
    expect(nav).toContain('href="http://localhost:8787/feeds.opml"');
    const opml = await (await request("/feeds.opml")).text();
    for (const n of [1, 5, 55]) expect(opml).toContain(`category/tag-${n}.atom`);
  });

  it("leaves the OPML list as it was, ETag and Last-Modified, until an ingest adds a feed", async () => {
    await ingest(seed(1, { tag: "World" }));
    const listed = await request("/feeds.opml");
    const etag = listed.headers.get("ETag");
    const modified = listed.headers.get("Last-Modified");
    const text = await listed.text();
    // A later article in the same category: the feeds change, the list of them does not.
    await ingest(seed(2, { tag: "World" }));
    const same = await request("/feeds.opml", { headers: { "If-None-Match": etag ?? "" } });
    expect(same.status).toBe(304);
    const again = await request("/feeds.opml");
    expect(again.headers.get("Last-Modified")).toBe(modified);
    expect(await again.text()).toBe(text);
    expect(text).not.toContain("dateModified");
    // A new category is a new feed in the list.
    await ingest(seed(3, { tag: "Sports" }));
    const grown = await request("/feeds.opml");
    expect(grown.headers.get("ETag")).not.toBe(etag);
    expect(await grown.text()).toContain("category/sports.atom");
  });
});
