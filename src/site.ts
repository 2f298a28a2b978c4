/**
 * @module site — the site the worker publishes from its entry store: the subscription feeds, RFC 5005
 * archive pages, a feed per category, the OPML list and the index page. An ingest re-renders only what
 * it made stale (the groups the store marks) and carries every other document over from the live
 * version, so its cost does not grow with the archive.
 */
import { FEED_PATHS, type SiteConfig } from "./config.js";
import { type Category, compareEntries, type Entry } from "./entry.js";
import {
  compressEntryPieces,
  contentHash,
  type EntryPieces,
  type PreparedDocument,
  type PrepareOptions,
  prepareDocuments,
  renderEntryPieces,
  renderFeedDocuments,
  renderIndexDocument,
  type SiteDocument,
} from "./publish.js";
import {
  type DeletedEntry,
  describeFeed,
  type FeedInfo,
  feedLinks,
  feedPaths,
  MAIN_FEED_NAME,
  MEDIA_TYPES,
} from "./render/feed-info.js";
import { renderOpml } from "./render/opml.js";
import {
  categoryGroup,
  type EntryStore,
  type LockAttempt,
  type PlanReads,
  type PlanRequest,
  pageGroup,
  pageOfGroup,
  type RecordedPointer,
  type StoredCategory,
  type StoredEntry,
  type StoreState,
} from "./store/entries.js";
import { StoreError } from "./store/errors.js";
import { stagingName } from "./store/keys.js";
import {
  documentLists,
  findDocument,
  type Manifest,
  type ManifestDocument,
  reusableShelf,
  shelvesOf,
  unchangedVariants,
} from "./store/manifest.js";
import {
  type PublishReport,
  publishersLiveManifest,
  publishVersion,
  storeDocuments,
} from "./store/publish.js";

/** Archive pages: `archive/<n>.atom|.rss|.json`, n from 1 (the oldest). */
export const ARCHIVE_PREFIX = "archive/";
/** Category feeds: `category/<slug>.atom|.rss|.json`. */
export const CATEGORY_PREFIX = "category/";
/**
 * Shelves the category feeds are spread over (by slug): an ingest rewrites the few its categories
 * are on, where one list of every category feed cost 16 ms at 2,000 categories (a 2 MB list).
 */
export const CATEGORY_SHELVES = 16;
/** The OPML list of every feed. */
export const OPML_PATH = "feeds.opml";
/** How many removals the Atom subscription feed announces. */
export const TOMBSTONES_SHOWN = 50;
/** Bumped when the renderers change what pieces look like: stored pieces are then rendered again. */
export const RENDERER_VERSION = 1;

/**
 * A category's slug for its URL: its term, lower-cased, with anything but letters and digits turned
 * into single dashes.
 * @example categorySlug({ term: "junshiwaijiao", label: "军事外交" }) // "junshiwaijiao"
 */
export function categorySlug(category: Pick<Category, "term">): string {
  const slug = category.term
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "");
  return slug === "" ? "uncategorized" : slug;
}

/** What stored pieces depend on besides the entry: the renderers and the fallback author. */
export async function renderKeyOf(config: SiteConfig): Promise<string> {
  return (await contentHash(JSON.stringify([RENDERER_VERSION, config.author]))).slice(0, 16);
}

/**
 * What the published documents depend on besides the entries: the pieces' key and the hub every feed
 * names. A live version made with another key is rendered again in full (so a hub configured later
 * reaches every feed, not only those an ingest touches).
 */
async function siteKeyOf(config: SiteConfig, renderKey: string): Promise<string> {
  return (await contentHash(JSON.stringify([renderKey, config.hub ?? null]))).slice(0, 16);
}

/** An entry's pieces, rendered again when they were rendered with other settings. */
function piecesOf(row: StoredEntry, config: SiteConfig, renderKey: string): EntryPieces {
  return row.renderKey === renderKey ? row.pieces : renderEntryPieces(row.entry, config);
}

/** Compressed pieces a publish made for current entries stored without them, to keep in the store. */
type Backfill = Parameters<EntryStore["saveCompressed"]>[0][number];

const archiveName = (page: number) => `${ARCHIVE_PREFIX}${page}`;
const categoryName = (slug: string) => `${CATEGORY_PREFIX}${slug}`;

export interface SitePublishOptions {
  readonly now: number;
  /** Render every document, not only the stale ones (first publish, settings changed). */
  readonly full?: boolean;
  /**
   * The most entries a site may have for a change of its settings to make this publish a full one
   * (default FULL_REPUBLISH_MAX_ENTRIES): see that constant.
   */
  readonly fullRepublishMaxEntries?: number;
  /**
   * What made this publish besides the entries, when a CLI publishes (`npm start`, `npm run deploy`):
   * the source, dependencies and settings it ran with (cli/fingerprint's publishFingerprint). A live
   * version recorded with another key (or none) is rendered again in full, whatever the site's size,
   * as is one whose settings differ; with the same key, only what the store's changes made stale is.
   * The version records it; a publish without one (the worker's) carries the live version's.
   */
  readonly sourceKey?: string;
  /**
   * Codings to pre-compress into, beyond identity. Default: gzip and brotli in full publishes, gzip
   * alone in the others (see INGEST_ENCODINGS).
   */
  readonly encodings?: PrepareOptions["encodings"];
  /**
   * Called between chunks of a publish that writes more than one, before it switches the pointer and
   * before it deletes replaced versions: extends the publishing lease when it runs short, and throws
   * when it was lost, so a long publish never switches the pointer, nor deletes keys, while another
   * publisher holds the lease.
   */
  readonly keepLease?: () => Promise<void>;
  /** The store's counters as the caller read them under the lease; read again when absent. */
  readonly state?: StoreState;
  /**
   * The plan's reads, made with `state` in one round trip (`planRequest` asked for them): read
   * again when absent.
   */
  readonly reads?: PlanReads;
  /**
   * Called once the version is live, instead of `markPublished`: records `seq` as published (and the
   * pointer written, when it switched), and can give the lease back in the same round trip
   * (publishChanges does).
   */
  readonly release?: (seq: number, pointer?: RecordedPointer) => Promise<void>;
}

export interface SitePublishReport extends PublishReport {
  /** The store's change counter the version was rendered from. */
  readonly seq: number;
  /** Documents rendered (the rest were carried over). */
  readonly rendered: number;
  /** Whether every document was rendered (see SitePublishOptions.full and sourceKey). */
  readonly full: boolean;
  /** Paths of the feed documents whose content changed, for WebSub pings. */
  readonly changedFeeds: readonly string[];
}

/** A feed (three documents) rendered when its turn comes: archive pages and category feeds. */
interface PlannedFeed {
  readonly name: string;
  render(): Promise<SiteDocument[]>;
}

/** Everything one publish renders, as site documents. */
interface RenderPlan {
  /** The subscription feeds, the OPML list and the index page. */
  readonly documents: SiteDocument[];
  /** Archive pages and category feeds to render, a few at a time (a full publish has thousands). */
  readonly feeds: readonly PlannedFeed[];
  /** Documents of the live version kept as they are. */
  readonly carried: readonly ManifestDocument[];
  /** Folders whose live shelf is kept whole; none of their documents is in `carried`. */
  readonly carriedShelves: readonly string[];
  /** Whether every document is rendered (not only what the changes made stale). */
  readonly full: boolean;
  /**
   * Pieces compressed for this publish that the store lacked (entries stored before it kept them);
   * filled as feeds render, emptied as they are kept.
   */
  readonly backfill: Backfill[];
}

/**
 * The codings a publish pre-compresses into. Brotli only in full publishes (`npm start`, settings
 * changed): at quality 11 it costs half a second of CPU per ingest where the runtime has it (Node), and
 * workerd's CompressionStream has none, so an ingest's documents are served gzip to brotli clients
 * wherever it runs. Documents an ingest does not touch keep the brotli bodies they have.
 */
const INGEST_ENCODINGS = ["gzip"] as const;
const FULL_ENCODINGS = ["gzip", "br"] as const;

/**
 * The subscription feed's facts: until an archive page is complete it holds everything and names no
 * archive; then it links the newest complete page as `prev-archive`. Removals are announced in Atom.
 * @example renderFeedDocuments(pieces, describeSubscriptionFeed(config, entries, 2, []), FEED_PATHS)
 */
export function describeSubscriptionFeed(
  config: SiteConfig,
  entries: readonly Pick<Entry, "updatedMs">[],
  completePages: number,
  deleted: readonly DeletedEntry[],
): FeedInfo {
  const history =
    completePages > 0
      ? { history: { archive: false, prevArchive: feedLinks(config, archiveName(completePages)) } }
      : {};
  return describeFeed(config, entries, { ...history, deleted });
}

/**
 * An RFC 5005 archive page's facts: `fh:archive`, `current` (the subscription feed), and links to page
 * n-1 (older) and n+1 (newer, when complete).
 * @example describeArchivePage(config, entries, 1, 3).history // { archive: true, current, nextArchive }
 */
export function describeArchivePage(
  config: SiteConfig,
  entries: readonly Pick<Entry, "updatedMs">[],
  page: number,
  completePages: number,
): FeedInfo {
  return describeFeed(config, entries, {
    name: archiveName(page),
    title: `${config.title} (archive ${page})`,
    history: {
      archive: true,
      current: feedLinks(config, MAIN_FEED_NAME),
      ...(page > 1 ? { prevArchive: feedLinks(config, archiveName(page - 1)) } : {}),
      ...(page < completePages ? { nextArchive: feedLinks(config, archiveName(page + 1)) } : {}),
    },
  });
}

const categoryTitle = (config: SiteConfig, category: { readonly label: string }) =>
  `${config.title}: ${category.label}`;

/**
 * A category feed's facts: its own identity (its Atom URL) and a title naming the category.
 * @example describeCategoryFeed(config, entries, { slug: "world", label: "World" }).title // "News: World"
 */
export function describeCategoryFeed(
  config: SiteConfig,
  entries: readonly Pick<Entry, "updatedMs">[],
  category: { readonly slug: string; readonly label: string },
): FeedInfo {
  const name = categoryName(category.slug);
  return describeFeed(config, entries, {
    name,
    id: feedLinks(config, name).atom,
    title: categoryTitle(config, category),
  });
}

/**
 * Which archive pages to render: stale ones, new ones, and the page before a new one (its next link).
 * `known` is livePages of the live version; undefined in a full publish, or when it could not tell.
 */
function pagesToRender(
  completePages: number,
  dirty: ReadonlySet<string>,
  live: Manifest | null,
  full: boolean,
  known: number | undefined,
): number[] {
  const pages = new Set<number>();
  if (known === undefined) {
    for (let page = 1; page <= completePages; page++) {
      const isNew = !live || !findDocument(live, feedPaths(archiveName(page)).atom);
      if (full || isNew || dirty.has(pageGroup(page))) pages.add(page);
      if (isNew && page > 1) pages.add(page - 1);
    }
  } else {
    // The same pages without looking each of thousands up: the stale ones, then the new ones.
    for (const group of dirty) {
      const page = pageOfGroup(group);
      if (page !== undefined && page <= completePages) pages.add(page);
    }
    for (let page = known + 1; page <= completePages; page++) {
      pages.add(page);
      if (page > 1) pages.add(page - 1);
    }
  }
  return [...pages].sort((a, b) => a - b);
}

/**
 * How many archive pages the live version has, when they are exactly pages 1…n: its archive shelf
 * lists three documents a page, and it has page n but not n + 1. Undefined when that cannot be told
 * so cheaply (no shelf per folder, or a list that does not add up), and the pages are looked up.
 */
function livePages(live: Manifest | null): number | undefined {
  if (live === null) return 0;
  const shelf = shelvesOf(live).find((s) => s.folder === ARCHIVE_PREFIX);
  if (shelf === undefined) return undefined;
  const formats = Object.keys(FEED_PATHS).length;
  const n = shelf.count / formats;
  if (!Number.isInteger(n)) return undefined;
  const has = (page: number) => findDocument(live, feedPaths(archiveName(page)).atom) !== undefined;
  return (n === 0 || has(n)) && !has(n + 1) ? n : undefined;
}

/**
 * What a publish of `config`'s site reads to plan itself, but where the open entries start: an ingest
 * asks for these reads in its write's round trip (`createManyAndLock`, `saveAndLock`).
 */
export function planRequest(config: SiteConfig, renderKey: string): PlanRequest {
  return { newest: config.entriesPerFeed, tombstones: TOMBSTONES_SHOWN, renderKey };
}

/**
 * Category feeds the index page links at most. A site tagged in thousands of categories would make
 * its page (re-rendered and compressed at every ingest) hundreds of kilobytes of links; the OPML list
 * names every one.
 */
export const INDEX_CATEGORIES = 50;

/**
 * The categories the index page links: those with the newest articles (ties by slug), at most
 * INDEX_CATEGORIES, in slug order.
 */
function categoriesShown<T extends StoredCategory>(categories: readonly T[]): readonly T[] {
  if (categories.length <= INDEX_CATEGORIES) return categories;
  const newestFirst = [...categories].sort(
    (a, b) => (b.newestMs ?? 0) - (a.newestMs ?? 0) || (a.slug < b.slug ? -1 : 1),
  );
  const kept = new Set(newestFirst.slice(0, INDEX_CATEGORIES));
  return categories.filter((c) => kept.has(c));
}

/**
 * The archive pages complete when the next entry gets `nextPosition`. The entries after them are open:
 * the subscription feeds carry the newest entries and every open one (so an article ingested with an
 * old date is reachable before its page completes).
 */
function completePagesOf(nextPosition: number, pageSize: number): number {
  return Math.floor((nextPosition - 1) / pageSize);
}

async function planSite(
  store: EntryStore,
  config: SiteConfig,
  live: Manifest | null,
  reads: PlanReads,
  options: SitePublishOptions & { renderKey: string; siteKey: string; nextPosition: number },
): Promise<RenderPlan & { readonly count: PlanReads["count"] }> {
  const { renderKey } = options;
  const pageSize = store.pageSize;
  const completePages = completePagesOf(options.nextPosition, pageSize);
  const settingsChanged = live !== null && live.renderKey !== options.siteKey;
  // A CLI publish renders everything when its code or settings are not the live version's; the
  // worker's, after a settings change, only while that stays within one request's means.
  const byCli = options.sourceKey !== undefined;
  const full =
    options.full === true ||
    live === null ||
    (byCli && live.sourceKey !== options.sourceKey) ||
    (settingsChanged &&
      (byCli ||
        reads.count.entries <= (options.fullRepublishMaxEntries ?? FULL_REPUBLISH_MAX_ENTRIES)));
  const dirty = new Set(reads.dirty);
  // Current pieces stored without their compressed forms are compressed once per publish, and kept.
  const compressedNow = new Map<string, Promise<EntryPieces>>();
  const backfill: Backfill[] = [];
  const pieces = (rows: readonly StoredEntry[]) =>
    Promise.all(
      rows.map((row) => {
        const current = piecesOf(row, config, renderKey);
        if (current.compressed || row.renderKey !== renderKey) return current;
        let made = compressedNow.get(row.id);
        if (!made) {
          made = compressEntryPieces(current).then((compressed) => {
            backfill.push({ record: row, renderKey, compressed });
            return { ...current, compressed };
          });
          compressedNow.set(row.id, made);
        }
        return made;
      }),
    );
  const documents: SiteDocument[] = [];

  const { newest, open } = reads;
  const byId = new Map([...newest, ...open].map((row) => [row.id, row]));
  const subscription = [...byId.values()].sort(compareEntries);
  const deleted = reads.tombstones;
  documents.push(
    ...renderFeedDocuments(
      await pieces(subscription),
      describeSubscriptionFeed(config, subscription, completePages, deleted),
      FEED_PATHS,
    ),
  );

  // Archive pages, oldest first.
  const rendered = new Set<string>();
  const feeds: PlannedFeed[] = [];
  const known = full ? undefined : livePages(live);
  const pages = pagesToRender(completePages, dirty, live, full, known);
  for (const page of pages) {
    const name = archiveName(page);
    feeds.push({
      name,
      render: async () => {
        const rows = await store.positioned((page - 1) * pageSize + 1, page * pageSize, renderKey);
        const info = describeArchivePage(config, rows, page, completePages);
        return renderFeedDocuments(await pieces(rows), info, feedPaths(name));
      },
    });
    rendered.add(name);
  }

  // A feed per category.
  const categoryFeeds = reads.categories.map((c) => ({
    ...c,
    title: categoryTitle(config, c),
    links: feedLinks(config, categoryName(c.slug)),
  }));
  for (const category of categoryFeeds) {
    if (
      !full &&
      !dirty.has(categoryGroup(category.slug)) &&
      live &&
      findDocument(live, feedPaths(categoryName(category.slug)).atom)
    )
      continue;
    const name = categoryName(category.slug);
    feeds.push({
      name,
      render: async () => {
        const rows =
          reads.inCategories.get(category.slug) ??
          (await store.inCategory(category.slug, config.entriesPerFeed, renderKey));
        const info = describeCategoryFeed(config, rows, category);
        return renderFeedDocuments(await pieces(rows), info, feedPaths(name));
      },
    });
    rendered.add(name);
  }

  // The OPML list and the index page.
  const mainInfo: FeedInfo = describeFeed(config, newest);
  documents.push({
    path: OPML_PATH,
    contentType: `${MEDIA_TYPES.opml}; charset=utf-8`,
    body: renderOpml(
      [{ title: config.title, links: feedLinks(config, MAIN_FEED_NAME) }, ...categoryFeeds],
      {
        ...mainInfo,
        title: `${config.title}: every feed`,
      },
    ),
  });
  const shown = categoriesShown(categoryFeeds);
  documents.push(
    renderIndexDocument(
      newest.map((row) => row.listing ?? row.entry),
      mainInfo,
      {
        categories: shown,
        moreCategories: categoryFeeds.length - shown.length,
        opml: new URL(OPML_PATH, config.siteUrl).href,
      },
    ),
  );

  // Carry over the live version's pages and category feeds that are still wanted and were not
  // rendered. When no page is rendered and the live archive shelf holds exactly the complete pages,
  // that shelf is kept whole: at 100,000 entries, 6,000 documents not gone through per ingest.
  const archive =
    live && known === completePages && pages.length === 0
      ? reusableShelf(live, ARCHIVE_PREFIX)
      : undefined;
  const wanted = new Set([
    ...(archive ? [] : Array.from({ length: completePages }, (_, i) => archiveName(i + 1))),
    ...categoryFeeds.map((c) => categoryName(c.slug)),
  ]);
  const carried: ManifestDocument[] = [];
  for (const list of live ? documentLists(live) : [])
    if (list !== archive?.documents)
      for (const doc of list) {
        const name = doc.path.replace(/\.(atom|rss|json)$/, "");
        if (name !== doc.path && wanted.has(name) && !rendered.has(name)) carried.push(doc);
      }
  const carriedShelves = archive ? [ARCHIVE_PREFIX] : [];
  return { documents, feeds, carried, carriedShelves, full, backfill, count: reads.count };
}

/**
 * Renders what the store's changes made stale and publishes it, all or nothing, carrying every other
 * document over from the live version. The caller holds the store's publishing lease.
 * @example await publishFromStore(store, env.FEEDS, config, { now: Date.now() })
 */
export async function publishFromStore(
  store: EntryStore,
  kv: KVNamespace,
  config: SiteConfig,
  options: SitePublishOptions,
): Promise<SitePublishReport> {
  const state = options.state ?? (await store.state());
  const renderKey = await renderKeyOf(config);
  const siteKey = await siteKeyOf(config, renderKey);
  const reads =
    options.reads ??
    (await store.planReads({
      ...planRequest(config, renderKey),
      openFrom: completePagesOf(state.nextPosition, store.pageSize) * store.pageSize + 1,
    }));
  const live = await publishersLiveManifest(kv, reads.recorded, options.now);
  const plan = await planSite(store, config, live, reads, {
    ...options,
    renderKey,
    siteKey,
    nextPosition: state.nextPosition,
  });
  const encodings = options.encodings ?? (plan.full ? FULL_ENCODINGS : INGEST_ENCODINGS);
  // An incremental publish keeps a document whose text is the live one's (the OPML list, a feed the
  // change left as it was) with its live bodies: nothing compressed, nothing written.
  const prepare = {
    encodings,
    ...(plan.full || live === null ? {} : { unchanged: unchangedVariants(live) }),
  };
  const caching = (path: string) => (path.startsWith(ARCHIVE_PREFIX) ? "archive" : undefined);
  // Archive pages and category feeds are rendered, prepared and written a few at a time, under a
  // staging prefix of their own (the version's name, a hash of every document, is known only at the
  // end): a full publish of a large archive holds a few feeds in memory, not all of them.
  const staging = stagingName(options.now);
  const staged: ManifestDocument[] = [];
  const changedFeeds: string[] = [];
  let stagedWrites = 0;
  let rendered = 0;
  for (let at = 0; at < plan.feeds.length; at += FEEDS_PER_CHUNK) {
    if (at > 0) await options.keepLease?.();
    const chunk = plan.feeds.slice(at, at + FEEDS_PER_CHUNK);
    const documents = (await Promise.all(chunk.map((feed) => feed.render()))).flat();
    const prepared = await prepareDocuments(documents, prepare);
    const stored = await storeDocuments(kv, staging, prepared, live, {
      now: options.now,
      caching,
      incremental: true,
    });
    staged.push(
      ...stored.documents.map((doc) => (doc.storedIn ? doc : { ...doc, storedIn: staging })),
    );
    stagedWrites += stored.written;
    rendered += prepared.length;
    changedFeeds.push(...changedFeedPaths(prepared, live));
    await store.saveCompressed(plan.backfill.splice(0));
  }
  const prepared = await prepareDocuments(plan.documents, prepare);
  if (plan.feeds.length > FEEDS_PER_CHUNK) await options.keepLease?.();
  await store.saveCompressed(plan.backfill.splice(0));
  // What every document was rendered with: a publish that rendered only some with new settings
  // leaves the live key, so the next full publish still renders the rest.
  const renderedWith = plan.full ? siteKey : live?.renderKey;
  const sourceKey = options.sourceKey ?? live?.sourceKey;
  const report = await publishVersion(
    kv,
    prepared,
    { entryCount: plan.count.entries, newestEntryMs: plan.count.newestMs },
    {
      now: options.now,
      carried: [...plan.carried, ...staged],
      carriedShelves: plan.carriedShelves,
      shards: { [CATEGORY_PREFIX]: CATEGORY_SHELVES },
      ...(renderedWith !== undefined ? { renderKey: renderedWith } : {}),
      ...(sourceKey !== undefined ? { sourceKey } : {}),
      seq: state.seq,
      live,
      ...(options.keepLease ? { keepLease: options.keepLease } : {}),
      caching,
      // Full publishes, and a publish whose changes pass a multiple of SWEEP_EVERY, list every key to
      // find what interrupted publishes left; the others prune only the versions this one stops keeping.
      sweep:
        plan.full ||
        live === null ||
        Math.floor(state.seq / SWEEP_EVERY) !== Math.floor((live.seq ?? 0) / SWEEP_EVERY),
    },
  );
  // The pointer written is recorded with the seq it rendered: the next publisher plans from it, even
  // where KV still shows an older one.
  const recorded =
    report.pointer === undefined ? undefined : { seq: state.seq, text: report.pointer };
  if (options.release) await options.release(state.seq, recorded);
  else await store.markPublished(state.seq, recorded);
  return {
    ...report,
    written: report.written + (report.switched ? stagedWrites : 0),
    seq: state.seq,
    rendered: rendered + prepared.length,
    full: plan.full,
    changedFeeds: [...changedFeedPaths(prepared, live), ...changedFeeds],
  };
}

/**
 * Up to this many entries, a change of the site's settings (the fallback author, the hub, the
 * renderers) makes the next publish a full one, even an ingest's: every feed shows the change at
 * once. That publish renders and compresses every entry's pieces again and writes every archive page:
 * about 10 s of CPU at 2,000 bench articles (measured in Node on wrangler's local bindings), and it
 * grows with the archive, past what one request may spend. A larger site's ingests publish what they
 * change, with the new settings, and leave the rest to the next full publish (`npm run deploy`,
 * `npm start`).
 */
export const FULL_REPUBLISH_MAX_ENTRIES = 2_000;

/** How often (in changes, at least) an incremental publish sweeps every version key. */
export const SWEEP_EVERY = 64;

/** Feeds written a few at a time in a publish (three documents each). */
const FEEDS_PER_CHUNK = 8;

/** The feed documents whose content changed since the live version, for WebSub pings. */
function changedFeedPaths(prepared: readonly PreparedDocument[], live: Manifest | null): string[] {
  return prepared
    .filter((doc) => {
      const before = live ? findDocument(live, doc.path) : undefined;
      return (
        doc.path !== OPML_PATH &&
        !doc.path.endsWith(".html") &&
        before?.variants[0]?.etag !== doc.variants[0]?.etag
      );
    })
    .map((doc) => doc.path);
}

/** Publishing waits this long at most for another publisher to finish. */
const PUBLISH_WAIT_MS = 25_000;
/** A publisher that crashed holds the lease no longer than this. */
export const LEASE_MS = 30_000;
/**
 * The first pause before looking at a held lease again; each next pause doubles, up to POLL_MAX_MS.
 * Each look is a D1 call the waiting request spends CPU time on: about six in the first 1.5 s of a wait
 * and one a second after that, where a pause of 50 ms throughout made 30 and 20.
 */
const POLL_MS = 50;
const POLL_MAX_MS = 1_000;

/**
 * Publishes the store's changes up to `seq` (the counter after the caller's change; without it, the
 * counter as this call first reads it): takes the publishing lease and publishes, or waits for the
 * holder, whose publish may already include them. Returns the report of the publish it made, or null
 * when another publisher covered the change.
 * @throws StoreError when the lease stays taken longer than PUBLISH_WAIT_MS.
 */
export async function publishChanges(
  store: EntryStore,
  kv: KVNamespace,
  config: SiteConfig,
  options: SitePublishOptions & {
    readonly seq?: number;
    readonly clock?: () => number;
    /** The lease already tried, in the caller's last write (`createManyAndLock`). */
    readonly tried?: LockAttempt;
    /**
     * False: try the lease once, and leave the publish to its holder when it is taken (a request that
     * changed nothing publishes what is pending only if that costs it no wait).
     */
    readonly waitForLease?: boolean;
  },
): Promise<SitePublishReport | null> {
  const clock = options.clock ?? Date.now;
  const deadline = clock() + PUBLISH_WAIT_MS;
  let report: SitePublishReport | null = null;
  let target = options.seq;
  let tried = options.tried;
  let pause = POLL_MS;
  while (clock() < deadline) {
    const now = clock();
    let held = tried?.until ?? now + LEASE_MS;
    // The lease and the counters in one round trip (each D1 call costs the worker CPU time), unless
    // the caller's write tried it already.
    const { locked, state, plan } = tried ?? (await store.tryLock(now, held));
    tried = undefined;
    target ??= state.seq;
    // Nothing new to publish, unless the caller asks for everything or is a CLI, whose code or
    // settings the plan compares with the live version's.
    if (state.publishedSeq >= target && !options.full && options.sourceKey === undefined) {
      if (locked) await store.unlock(held);
      return report;
    }
    if (locked) {
      const keepLease = async () => {
        // With more than half of it left, nobody else can hold it: no D1 call (an ingest's publish
        // asks at every step, and lasts a fraction of a second). A CLI's clock may be off from the
        // worker's, so its publishes renew every time: D1 then says whether the lease is still theirs.
        if (options.sourceKey === undefined && held - clock() > LEASE_MS / 2) return;
        const next = clock() + LEASE_MS;
        if (!(await store.renewLock(held, next)))
          throw new StoreError(
            "site_state lock_until",
            "the publishing lease ran out during a long publish and another publisher may hold it; the changes are saved, publish again",
          );
        held = next;
      };
      let after: StoreState | undefined;
      try {
        report = await publishFromStore(store, kv, config, {
          ...options,
          now,
          keepLease,
          state,
          ...(plan ? { reads: plan } : {}),
          // Published and released in one round trip (each D1 call costs the worker CPU time).
          release: async (seq, pointer) => {
            after = await store.unlock(held, seq, pointer);
          },
        });
      } finally {
        after ??= await store.unlock(held);
      }
      if (options.full) return report;
      // A long publish may outlast the wait itself: it covered every change up to the state it read,
      // so look before the deadline says another publisher held the lease.
      if ((after?.publishedSeq ?? 0) >= target) return report;
      continue;
    }
    if (options.waitForLease === false) return report;
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(2 * pause, POLL_MAX_MS);
  }
  throw new StoreError(
    "site_state lock_until",
    "another publish held the lease too long; the change is saved and the next ingest publishes it",
  );
}
