/**
 * EntryStore.createMany inside workerd's D1: many new entries in a few statements must leave the
 * database exactly as saving them one by one does, and change nothing when one of them is taken.
 */
import { reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { Entry } from "../../src/entry.js";
import { compressEntryPieces, renderEntryPieces } from "../../src/publish.js";
import { categorySlug, renderKeyOf } from "../../src/site.js";
import {
  CREATE_JSON_BYTES,
  categoryGroup,
  EntryStore,
  type EntryWrite,
  pageGroup,
  pageOf,
} from "../../src/store/entries.js";
import { CONFIG, makeEntry, OLDER_MS } from "./helpers.js";

beforeEach(async () => {
  await reset();
});

const HOUR = 3_600_000;

const ids = (rows: readonly { id: string }[]) => rows.map((r) => r.id);

/** Entry n, in category "even" or "odd" and, every third, also "third"; n hours after OLDER_MS. */
function entry(n: number, body = `<p>Body of article ${n}.</p>`): Entry {
  const labels = [n % 2 === 0 ? "Even" : "Odd", ...(n % 3 === 0 ? ["Third"] : [])];
  return {
    ...makeEntry(n, OLDER_MS + n * HOUR),
    contentHtml: body,
    categories: labels.map((label) => ({ term: label.toLowerCase(), label })),
  };
}

async function write(e: Entry, compressed = true): Promise<EntryWrite> {
  const pieces = renderEntryPieces(e, CONFIG);
  return {
    entry: e,
    documentHash: `hash-of-${e.id}`,
    categories: e.categories.map((c) => ({ slug: categorySlug(c), label: c.label })),
    pieces: compressed ? { ...pieces, compressed: await compressEntryPieces(pieces) } : pieces,
    renderKey: await renderKeyOf(CONFIG),
  };
}

/** Every table's rows, sorted, as plain values. */
async function dump(): Promise<Record<string, unknown[]>> {
  const tables: Record<string, string> = {
    entries:
      "SELECT id, published_ms, updated_ms, position, document_hash, categories, entry, atom, rss, json, render_key FROM entries ORDER BY id",
    entry_categories: "SELECT * FROM entry_categories ORDER BY slug, id",
    compressed_pieces: "SELECT * FROM compressed_pieces ORDER BY id",
    tombstones: "SELECT * FROM tombstones ORDER BY id",
    entry_history: "SELECT * FROM entry_history ORDER BY id",
    dirty: "SELECT grp FROM dirty ORDER BY grp",
    site_state: "SELECT * FROM site_state WHERE key <> 'seq' ORDER BY key",
  };
  const out: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(tables))
    out[name] = (await env.ENTRIES.prepare(sql).all()).results;
  return out;
}

/** A store with two entries already in it, one of them deleted since (a tombstone). */
async function storeWithHistory(): Promise<EntryStore> {
  const store = new EntryStore(env.ENTRIES, 4);
  for (const n of [1, 2]) expect(await store.save(await write(entry(n)), null)).toBe("created");
  expect(await store.delete(entry(2).id, OLDER_MS + 10 * HOUR)).toBe(true);
  return store;
}

/**
 * A store of pages of 4 over a D1 that keeps every batch's results (their `meta.rows_read`: D1 bills
 * and spends time on every row a statement reads), with `count` entries created.
 */
async function spiedStore(count: number): Promise<{ store: EntryStore; batches: D1Result[][] }> {
  const batches: D1Result[][] = [];
  const spying = Object.create(env.ENTRIES) as D1Database;
  spying.batch = async (statements) => {
    const results = await env.ENTRIES.batch(statements);
    batches.push(results);
    return results as never;
  };
  const store = new EntryStore(spying, 4);
  await store.createMany(
    await Promise.all(Array.from({ length: count }, (_, i) => write(entry(i + 1)))),
  );
  return { store, batches };
}

describe("EntryStore.createMany", () => {
  it("leaves the database as saving each entry in turn does: rows, positions, categories, pages, tombstones", async () => {
    // Entry 2 comes back after its deletion; the others are new. Page size 4: three pages touched.
    const numbers = [3, 2, 4, 5, 6, 7, 8, 9];
    // Entry 4 comes without compressed pieces (as entries stored before they were kept).
    const writes = await Promise.all(numbers.map((n) => write(entry(n), n !== 4)));
    let store = await storeWithHistory();
    for (const w of writes) expect(await store.save(w, null)).toBe("created");
    const oneByOne = await dump();

    await reset();
    store = await storeWithHistory();
    expect(await store.createMany(writes)).toBe(numbers.length);
    const together = await dump();

    expect(together).toEqual(oneByOne);
    expect(together.entries?.length).toBe(9);
    expect(together.tombstones).toEqual([]);
    expect((together.dirty ?? []).map((r) => (r as { grp: string }).grp)).toEqual(
      expect.arrayContaining([
        "category:even",
        "category:odd",
        "category:third",
        "page:1",
        "page:2",
        "page:3",
      ]),
    );
    // One change for the whole group: the counter moves once.
    const seq = await env.ENTRIES.prepare("SELECT value FROM site_state WHERE key = 'seq'").first();
    expect(seq?.value).toBe(4); // two saves, a delete, one createMany
  });

  it("splits the rows into groups that each stay under D1's 2 MB per value", async () => {
    const store = new EntryStore(env.ENTRIES, 100);
    // About 0.9 MB of text per entry: JSON of two entries exceeds one group.
    const big = (n: number) =>
      entry(n, `<p>${"x".repeat(Math.floor(CREATE_JSON_BYTES / 8))} ${n}</p>`);
    const writes = await Promise.all([1, 2, 3].map((n) => write(big(n))));
    expect(await store.createMany(writes)).toBe(3);
    const rows = await env.ENTRIES.prepare(
      "SELECT id, position FROM entries ORDER BY position",
    ).all();
    expect(rows.results.map((r) => r.position)).toEqual([1, 2, 3]);
    expect(rows.results.map((r) => r.id)).toEqual(writes.map((w) => w.entry.id));
  });

  it("changes nothing and says so when one of the ids is already stored (or given twice)", async () => {
    const store = await storeWithHistory();
    const before = await dump();
    const taken = await Promise.all([3, 1, 4].map((n) => write(entry(n))));
    expect(await store.createMany(taken)).toBe(0);
    expect(await dump()).toEqual(before);

    const twice = await Promise.all([5, 5].map((n) => write(entry(n))));
    expect(await store.createMany(twice)).toBe(0);
    expect(await dump()).toEqual(before);
  });
});

describe("EntryStore.findMany", () => {
  it("looks up a batch of seeds' ids in one D1 call, ids with quotes and any script included", async () => {
    const odd = { ...entry(3), id: `https://news.example/"quoted"/\u65b0\u95fb?a=1&b='2'` };
    await new EntryStore(env.ENTRIES, 4).createMany([await write(entry(1)), await write(odd)]);
    let calls = 0;
    const counting = Object.create(env.ENTRIES) as D1Database;
    counting.prepare = (sql) => {
      calls++;
      return env.ENTRIES.prepare(sql);
    };
    const store = new EntryStore(counting, 4);
    await store.findMany(["https://news.example/warm"]); // the store's schema check, once
    calls = 0;
    const missing = Array.from({ length: 198 }, (_, i) => `https://news.example/missing/${i}`);
    const found = await store.findMany([...missing, odd.id, entry(1).id, odd.id]);
    // 200 ids, as `npm start` loads its seeds: through the local proxy each call is a 20 ms round trip.
    expect(calls).toBe(1);
    expect([...found.keys()].sort()).toEqual([entry(1).id, odd.id].sort());
    expect(found.get(odd.id)?.documentHash).toBe(`hash-of-${odd.id}`);
  });
});

describe("EntryStore.planReads", () => {
  it("reads in one batch what the six separate reads give: dirty groups, newest, open, tombstones, categories, count", async () => {
    const store = await storeWithHistory();
    const renderKey = await renderKeyOf(CONFIG);
    // Entry 5 without compressed pieces; entry 9 updated, so its listing differs from its first save.
    for (const n of [3, 4, 5, 6, 7, 8, 9])
      expect(await store.save(await write(entry(n), n !== 5), null)).toBe("created");
    const before = await store.find(entry(9).id);
    const updated = { ...entry(9), title: "Article 9, corrected", updatedMs: OLDER_MS + 20 * HOUR };
    expect(await store.save({ ...(await write(updated)), documentHash: "v2" }, before)).toBe(
      "updated",
    );

    const plan = await store.planReads({ newest: 3, openFrom: 5, tombstones: 10, renderKey });
    expect(plan.dirty).toEqual(await store.dirtyGroups());
    expect(plan.dirty.length).toBeGreaterThan(0);
    expect(ids(plan.newest)).toEqual(ids(await store.newest(3, renderKey)));
    expect(ids(plan.open)).toEqual(
      ids(await store.positioned(5, Number.MAX_SAFE_INTEGER, renderKey)),
    );
    expect(ids(plan.open).length).toBe(5);
    expect(plan.tombstones).toEqual(await store.tombstones(10));
    expect(plan.tombstones.map((t) => t.id)).toEqual([entry(2).id]);
    expect(plan.categories).toEqual(await store.categories());
    expect(plan.count).toEqual(await store.count());
    // Pieces and listings as the separate reads give them, the update's included.
    const newest = await store.newest(3, renderKey);
    expect(plan.newest.map((r) => [r.pieces.atom, r.listing?.title])).toEqual(
      newest.map((r) => [r.pieces.atom, r.listing?.title]),
    );
    expect(plan.newest[0]?.listing?.title).toBe("Article 9, corrected");
    // The changed categories' entries, as inCategory lists them.
    const changed = plan.dirty.filter((g) => g.startsWith("category:")).map((g) => g.slice(9));
    expect([...plan.inCategories.keys()]).toEqual(changed);
    expect(changed).toEqual(["even", "odd", "third"]);
    for (const slug of changed)
      expect(ids(plan.inCategories.get(slug) ?? [])).toEqual(
        ids(await store.inCategory(slug, 3, renderKey)),
      );
  });

  it("reads the entries of at most eight changed categories with the plan; a publish reads the others itself", async () => {
    const store = new EntryStore(env.ENTRIES, 4);
    const renderKey = await renderKeyOf(CONFIG);
    for (let n = 1; n <= 10; n++) {
      const e = { ...entry(n), categories: [{ term: `c${n % 10}`, label: `C${n % 10}` }] };
      expect(await store.save(await write(e), null)).toBe("created");
    }
    const plan = await store.planReads({ newest: 5, openFrom: 1, tombstones: 0, renderKey });
    expect([...plan.inCategories.keys()]).toEqual(["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"]);
    expect(ids(plan.inCategories.get("c1") ?? [])).toEqual([entry(1).id]);
  });
});

describe("EntryStore.createManyAndLock", () => {
  it("creates as createMany does and takes the lease in the same write, with the counters after both", async () => {
    const store = await storeWithHistory();
    const before = await store.state();
    const { created, lock } = await store.createManyAndLock(
      [await write(entry(3)), await write(entry(4))],
      OLDER_MS,
      OLDER_MS + 30_000,
    );
    expect(created).toBe(2);
    expect(lock?.locked).toBe(true);
    expect(lock?.state).toEqual(await store.state());
    expect(lock?.state.seq).toBe(before.seq + 1);
    expect(lock?.state.nextPosition).toBe(before.nextPosition + 2);
    // The lease is held until the time given: another publisher cannot take it before then.
    expect((await store.tryLock(OLDER_MS + 29_999, OLDER_MS + 60_000)).locked).toBe(false);
    expect((await store.tryLock(OLDER_MS + 30_001, OLDER_MS + 60_000)).locked).toBe(true);
  });

  it("with a plan asked for, reads in the same write what planReads reads after it, the open entries from the incomplete page", async () => {
    const store = await storeWithHistory();
    const request = { newest: 3, tombstones: 5, renderKey: await renderKeyOf(CONFIG) };
    // Positions 3 to 7 after entry 1's 1 (2 was deleted): with pages of 4, page 2 (5 to 8) is open.
    const { lock } = await store.createManyAndLock(
      await Promise.all([3, 4, 5, 6, 7].map((n) => write(entry(n)))),
      OLDER_MS,
      OLDER_MS + 30_000,
      request,
    );
    expect(lock?.state.nextPosition).toBe(8);
    const plan = lock?.plan;
    const after = await store.planReads({ ...request, openFrom: 5 });
    const summary = (reads: typeof after | undefined) => ({
      dirty: reads?.dirty,
      newest: ids(reads?.newest ?? []),
      open: ids(reads?.open ?? []),
      tombstones: reads?.tombstones,
      categories: reads?.categories,
      count: reads?.count,
      inCategories: [...(reads?.inCategories ?? [])].map(([slug, rows]) => [slug, ids(rows)]),
      pieces: [...(reads?.newest ?? []), ...(reads?.open ?? [])].map((row) => row.pieces.atom),
    });
    expect(summary(plan)).toEqual(summary(after));
    expect(ids(plan?.open ?? [])).toEqual([entry(7).id, entry(6).id, entry(5).id]);
    expect(plan?.dirty).toEqual(expect.arrayContaining([pageGroup(1), pageGroup(2)]));
    expect(plan?.tombstones.map((t) => t.id)).toEqual([entry(2).id]);

    // A lease another publisher holds: no plan is read for it.
    const held = await store.createManyAndLock(
      [await write(entry(8))],
      OLDER_MS + 1,
      OLDER_MS + 40_000,
      request,
    );
    expect(held.lock).toMatchObject({ locked: false });
    expect(held.lock?.plan).toBeUndefined();
  });

  it("reads the plan through indexes: a few rows per statement, not every entry or category row", async () => {
    // At 100,000 entries, a statement that scans reads 100,000 rows.
    const entries = 240;
    const { store, batches } = await spiedStore(entries);
    await store.markPublished((await store.state()).seq);
    const { lock } = await store.createManyAndLock(
      [await write(entry(entries + 1))],
      OLDER_MS,
      OLDER_MS + 30_000,
      { newest: 3, tombstones: 5, renderKey: await renderKeyOf(CONFIG) },
    );
    // Page 61 (positions 241 to 244) is the open one; entry 241 is in "odd".
    expect(ids(lock?.plan?.open ?? [])).toEqual([entry(entries + 1).id]);
    expect(lock?.plan?.categories.map((c) => c.slug)).toEqual(["even", "odd", "third"]);
    expect(lock?.plan?.count.entries).toBe(entries + 1);
    expect(ids(lock?.plan?.inCategories.get("odd") ?? [])).toEqual(
      [241, 239, 237].map((n) => entry(n).id),
    );
    // The plan's seven reads end the batch, in planStatements' order.
    const reads = batches.at(-1)?.slice(-7) ?? [];
    const names = ["dirty", "newest", "open", "tombstones", "categories", "count", "changed"];
    const rowsRead = Object.fromEntries(reads.map((r, i) => [names[i], r.meta.rows_read]));
    for (const name of names) expect(rowsRead[name], name).toBeLessThan(20);
  });

  it("reports a lease another publisher holds, and takes none when an id is taken", async () => {
    const store = await storeWithHistory();
    expect((await store.tryLock(OLDER_MS, OLDER_MS + 30_000)).locked).toBe(true);
    const held = await store.createManyAndLock(
      [await write(entry(3))],
      OLDER_MS + 1,
      OLDER_MS + 40_000,
    );
    expect(held.created).toBe(1);
    expect(held.lock?.locked).toBe(false);

    await store.unlock(OLDER_MS + 30_000);
    const snapshot = await dump();
    const taken = await store.createManyAndLock(
      [await write(entry(1))],
      OLDER_MS + 2,
      OLDER_MS + 50_000,
    );
    expect(taken).toEqual({ created: 0, lock: null });
    expect(await dump()).toEqual(snapshot);
    // Nothing held the lease: the next publisher takes it at once.
    expect((await store.tryLock(OLDER_MS + 3, OLDER_MS + 60_000)).locked).toBe(true);
  });
});

describe("EntryStore.save", () => {
  it("saved against a version no longer stored, is a conflict that leaves the stored version whole, its categories and pieces too", async () => {
    const store = await storeWithHistory();
    const stored = await store.find(entry(1).id);
    const first = { ...(await write(entry(1, "<p>First correction.</p>"))), documentHash: "first" };
    expect(await store.save(first, stored)).toBe("updated");
    const snapshot = await dump();
    // A second correction decided against the version before the first: another ingest got there first.
    for (const compressed of [true, false]) {
      const late = {
        ...(await write(entry(1, "<p>Late.</p>"), compressed)),
        documentHash: "late",
        history: { sourceMs: OLDER_MS, hashes: ["hash-of-1"] },
      };
      expect(await store.save(late, stored)).toBe("conflict");
      expect(await dump()).toEqual(snapshot);
    }
  });
});

describe("EntryStore.saveAndLock", () => {
  it("saves as save does and takes the lease in the same write; a conflict saves nothing and leaves the lease free", async () => {
    const store = await storeWithHistory();
    const stored = await store.find(entry(1).id);
    const corrected = entry(1, "<p>Corrected body.</p>");
    const saved = await store.saveAndLock(
      { ...(await write(corrected)), documentHash: "corrected" },
      stored,
      OLDER_MS,
      OLDER_MS + 30_000,
    );
    expect(saved.outcome).toBe("updated");
    expect(saved.lock?.locked).toBe(true);
    expect(saved.lock?.state).toEqual(await store.state());
    expect((await store.find(entry(1).id))?.documentHash).toBe("corrected");
    expect((await store.tryLock(OLDER_MS + 29_999, OLDER_MS + 60_000)).locked).toBe(false);
    await store.unlock(OLDER_MS + 30_000);

    // Saved against the version before the correction: another ingest got there first.
    const snapshot = await dump();
    const stale = await store.saveAndLock(
      { ...(await write(entry(1, "<p>Late.</p>"))), documentHash: "late" },
      stored,
      OLDER_MS + 1,
      OLDER_MS + 40_000,
      { newest: 3, tombstones: 5, renderKey: await renderKeyOf(CONFIG) },
    );
    expect(stale).toEqual({ outcome: "conflict", lock: null });
    expect(await dump()).toEqual(snapshot);
    // The batch took the lease with the failed save, and gave it back: the next publisher takes it.
    expect((await store.tryLock(OLDER_MS + 2, OLDER_MS + 60_000)).locked).toBe(true);
  });
});

describe("EntryStore.delete", () => {
  it("marks stale the categories the entry is in when it goes, even ones a concurrent update gave it after the look-up", async () => {
    const store = await storeWithHistory();
    const stored = await store.find(entry(1).id);
    // Entry 1 is in "odd". Between the delete's look-up and its write, another ingest moves it to
    // "moved" and publishes: nothing is stale any more, and the "moved" feed shows the entry.
    let armed = false;
    let raced = false;
    const racing = Object.create(env.ENTRIES) as D1Database;
    racing.batch = async (statements) => {
      if (armed && !raced) {
        raced = true;
        const moved = { ...entry(1), categories: [{ term: "moved", label: "Moved" }] };
        expect(await store.save({ ...(await write(moved)), documentHash: "moved" }, stored)).toBe(
          "updated",
        );
        await store.markPublished((await store.state()).seq);
        expect(await store.dirtyGroups()).toEqual([]);
      }
      return env.ENTRIES.batch(statements);
    };
    const deleting = new EntryStore(racing, 4);
    // Its first call makes sure of the schema, in a batch of its own.
    await deleting.state();
    armed = true;
    expect(await deleting.delete(entry(1).id, OLDER_MS + 20 * HOUR)).toBe(true);
    expect(raced).toBe(true);
    // The "moved" feed must be rendered again without it, and its page.
    expect(await store.dirtyGroups()).toEqual(
      expect.arrayContaining([categoryGroup("moved"), pageGroup(pageOf(stored?.position ?? 0, 4))]),
    );
  });
});

describe("EntryStore.unlock", () => {
  it("with a published seq, records it as markPublished does and frees the lease, in one call", async () => {
    const store = await storeWithHistory();
    const { locked, state } = await store.tryLock(OLDER_MS, OLDER_MS + 30_000);
    expect(locked).toBe(true);
    expect(state.publishedSeq).toBeLessThan(state.seq);
    expect(await store.dirtyGroups()).not.toEqual([]);

    const after = await store.unlock(OLDER_MS + 30_000, state.seq);
    expect(after.publishedSeq).toBe(state.seq);
    expect(await store.dirtyGroups()).toEqual([]);
    // The lease is free again: the next publisher takes it at once.
    expect((await store.tryLock(OLDER_MS + 1, OLDER_MS + 30_001)).locked).toBe(true);
    // Without a seq nothing is recorded: a change after the publish stays unpublished.
    expect(await store.save(await write(entry(3)), null)).toBe("created");
    const released = await store.unlock(OLDER_MS + 30_001);
    expect(released.publishedSeq).toBe(state.seq);
    expect(released.seq).toBeGreaterThan(state.seq);
  });

  it("records the pointer a publish wrote with its seq, for the next plan; never over one of a later seq", async () => {
    const store = await storeWithHistory();
    const plan = () =>
      store.planReads({ newest: 3, openFrom: 1, tombstones: 0, renderKey: "render-key" });
    expect((await plan()).recorded).toBeNull();
    const { state } = await store.tryLock(OLDER_MS, OLDER_MS + 30_000);
    const newer = { seq: state.seq, text: '{"version":"v-newer"}' };
    await store.unlock(OLDER_MS + 30_000, state.seq, newer);
    expect((await plan()).recorded).toEqual(newer);
    // A publisher that rendered an earlier seq (its lease lost meanwhile) does not replace it.
    await store.markPublished(state.seq - 1, { seq: state.seq - 1, text: "{}" });
    expect((await plan()).recorded).toEqual(newer);
    const later = { seq: state.seq + 1, text: '{"version":"v-later"}' };
    await store.markPublished(state.seq + 1, later);
    expect((await plan()).recorded).toEqual(later);
    // Given back by a publisher whose lease another took meanwhile: not recorded.
    const until = OLDER_MS + 60_000;
    expect((await store.tryLock(OLDER_MS + 30_001, until)).locked).toBe(true);
    await env.ENTRIES.prepare("UPDATE site_state SET value = ? WHERE key = 'lock_until'")
      .bind(until + 1)
      .run();
    const lost = { seq: state.seq + 2, text: '{"version":"v-lost"}' };
    await store.unlock(until, state.seq + 2, lost);
    expect((await plan()).recorded).toEqual(later);
  });
});

describe("entries saved with compressed pieces", () => {
  it("keep no piece texts and no article HTML in their rows, and read back whole", async () => {
    const store = new EntryStore(env.ENTRIES, 4);
    const renderKey = await renderKeyOf(CONFIG);
    // Article 2's HTML holds what CDATA escapes, and an update replaces article 1.
    const articles = [
      entry(1, "<p>First version.</p>"),
      entry(2, "<p>a ]]> b ]]]]> c</p>"),
      entry(3),
    ];
    expect(await store.createMany([await write(articles[0] as Entry)])).toBe(1);
    articles[0] = { ...(articles[0] as Entry), contentHtml: "<p>Corrected.</p>" };
    const known = await store.find((articles[0] as Entry).id);
    expect(await store.save(await write(articles[0] as Entry), known)).toBe("updated");
    expect(await store.save(await write(articles[1] as Entry), null)).toBe("created");
    expect(await store.save(await write(articles[2] as Entry, false), null)).toBe("created");
    const texts = await env.ENTRIES.prepare(
      "SELECT id, length(atom) + length(rss) + length(json) AS n, json_type(entry, '$.contentHtml') AS html FROM entries ORDER BY id",
    ).all<{ id: string; n: number; html: string | null }>();
    expect(texts.results.map((r) => r.n > 0)).toEqual([false, false, true]);
    // The Atom piece holds the HTML: the entry keeps it only when no compressed pieces do.
    expect(texts.results.map((r) => r.html)).toEqual([null, null, "text"]);
    const whole = await store.positioned(1, 3);
    expect(new Map(whole.map((row) => [row.id, row.entry]))).toEqual(
      new Map(articles.map((a) => [a.id, a])),
    );

    // Read back whole from D1 (without a render key no cached pieces are used).
    const rows = await store.positioned(1, 3);
    expect(rows.map((row) => row.renderKey)).toEqual([renderKey, renderKey, renderKey]);
    const byId = new Map(rows.map((row) => [row.id, row.pieces]));
    for (const article of articles) {
      const expected = renderEntryPieces(article, CONFIG);
      const pieces = byId.get(article.id);
      expect([pieces?.atom, pieces?.rss, pieces?.json]).toEqual([
        expected.atom,
        expected.rss,
        expected.json,
      ]);
    }
  });

  it("name the entry when its row has neither texts nor compressed pieces", async () => {
    const store = new EntryStore(env.ENTRIES, 4);
    expect(await store.save(await write(entry(1)), null)).toBe("created");
    await env.ENTRIES.prepare("DELETE FROM compressed_pieces").run();
    await expect(store.positioned(1, 1)).rejects.toThrow(
      new RegExp(`entries ${entry(1).id.replaceAll(".", "\\.")}.*send the document again`),
    );
  });
});

describe("the entry count", () => {
  it("follows every create, save and delete, and is counted once for a database made before it", async () => {
    const store = new EntryStore(env.ENTRIES, 4);
    const counted = async () =>
      (await env.ENTRIES.prepare("SELECT COUNT(*) AS n FROM entries").first<{ n: number }>())?.n;
    await store.createMany(await Promise.all([1, 2, 3].map((n) => write(entry(n)))));
    expect(await store.save(await write(entry(4)), null)).toBe("created");
    // A create whose id is taken adds nothing.
    expect(await store.save(await write(entry(4)), null)).toBe("conflict");
    expect(await store.createMany([await write(entry(1)), await write(entry(5))])).toBe(0);
    expect(await store.delete(entry(2).id, OLDER_MS)).toBe(true);
    expect(await store.delete(entry(2).id, OLDER_MS)).toBe(false);
    expect((await store.count()).entries).toBe(3);
    expect(await counted()).toBe(3);
    // A database from before the count was kept: set up again, it counts its entries once.
    await env.ENTRIES.prepare("DELETE FROM site_state WHERE key = 'entry_count'").run();
    const later = new EntryStore(Object.create(env.ENTRIES) as D1Database, 4);
    expect((await later.count()).entries).toBe(3);
    expect(await later.save(await write(entry(6)), null)).toBe("created");
    expect((await later.count()).entries).toBe(4);
  });
});

describe("rows a write reads", () => {
  it("are a few for a correction and for a delete, however many entries and category rows there are", async () => {
    const { store, batches } = await spiedStore(240);
    const rowsRead = () =>
      (batches.at(-1) ?? []).reduce((sum, result) => sum + result.meta.rows_read, 0);
    const stored = await store.find(entry(7).id);
    const corrected = { ...(await write(entry(7, "<p>Corrected.</p>"))), documentHash: "fixed" };
    expect(await store.save(corrected, stored)).toBe("updated");
    expect(rowsRead()).toBeLessThan(40);
    expect(await store.delete(entry(8).id, OLDER_MS)).toBe(true);
    expect(rowsRead()).toBeLessThan(40);
  });
});
