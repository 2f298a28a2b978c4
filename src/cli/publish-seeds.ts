/**
 * @module cli/publish-seeds — loads a seeds folder into the worker's entry store (D1) and publishes the
 * site from it, through wrangler's getPlatformProxy: what `npm start` serves is then exactly what the
 * worker's own ingests update, never a build they would overwrite. Seeds are looked up a batch at a
 * time, so memory does not grow with the folder, and read only when the build did not hash them as
 * stored; the publish renders what changed, or everything when the code or settings did.
 */
import { randomBytes } from "node:crypto";
import { access, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { GetPlatformProxyOptions } from "wrangler";
import {
  type IncomingDocument,
  type IngestStatus,
  ingestDocuments,
  type PreparedDocument,
} from "../api/ingest.js";
import type { SiteConfig } from "../config.js";
import type { EntryKey } from "../entry.js";
import type { DocumentError } from "../errors.js";
import type { Collision } from "../pipeline.js";
import { contentHash } from "../publish.js";
import { publishChanges, type SitePublishReport } from "../site.js";
import { EntryStore } from "../store/entries.js";
import { hubNotification } from "../websub.js";
import { ConvertPool, defaultThreads, THREADS_FROM } from "./convert.js";
import { PROJECT_ROOT, publishFingerprint } from "./fingerprint.js";
import { startProgress } from "./progress.js";
import { listSeedFiles } from "./seeds.js";

/** Documents per ingest call: bounds memory for large archives. */
const SEED_BATCH = 200;

/**
 * A batch with at least this many documents to store has them converted by threads (in folders over
 * THREADS_FROM documents): fewer, as on a restart, are converted inline, without starting threads.
 */
const PREPARE_FROM = SEED_BATCH / 4;

/**
 * Up to this many seed documents, `npm start` and `npm run deploy` also store brotli variants. Brotli
 * at quality 11 costs one to two seconds of CPU per megabyte, and a 1,000-document site publishes
 * some 200 MB of feeds (archive pages and category feeds): minutes; 100,000 documents, hours. Above
 * it, brotli clients get gzip, as they do after any ingest.
 */
export const BROTLI_MAX_DOCUMENTS = 100;

/** How a seed is named in messages and in the store: its path as the user would type it. */
function seedName(seedsDir: string, relative: string): string {
  return path.join(seedsDir, relative).split(path.sep).join("/");
}

/** One batch of seed documents, with how far through the folder it reaches. */
export interface SeedBatch {
  readonly documents: readonly IncomingDocument[];
  /** Documents read so far, this batch included. */
  readonly done: number;
  readonly total: number;
}

/**
 * The seed documents in sorted order, `size` at a time: only one batch is held in memory.
 * @example for await (const { documents, done, total } of readSeedBatches("seeds", 200)) …
 */
export async function* readSeedBatches(
  seedsDir: string,
  size: number = SEED_BATCH,
): AsyncGenerator<SeedBatch> {
  const files = await listSeedFiles(seedsDir);
  for (let i = 0; i < files.length; i += size) {
    const slice = files.slice(i, i + size);
    const documents = await Promise.all(slice.map((relative) => readSeed(seedsDir, relative)));
    yield { documents, done: i + slice.length, total: files.length };
  }
}

/** One seed document, named as the user would type its path. */
async function readSeed(seedsDir: string, relative: string): Promise<IncomingDocument> {
  return {
    name: seedName(seedsDir, relative),
    bytes: new Uint8Array(await readFile(path.join(seedsDir, relative))),
  };
}

/** Every seed document at once: for small folders and tests; large ones want readSeedBatches. */
export async function readSeedDocuments(seedsDir: string): Promise<IncomingDocument[]> {
  const documents: IncomingDocument[] = [];
  for await (const batch of readSeedBatches(seedsDir)) documents.push(...batch.documents);
  return documents;
}

/**
 * What a build already found about each seed, by name: its entry's id, or why it was rejected, and
 * the hash of its bytes (the entry store's document hash).
 */
export interface BuildFindings {
  readonly entries: readonly EntryKey[];
  readonly collisions: readonly Collision[];
  readonly rejected: readonly DocumentError[];
  readonly hashes?: ReadonlyMap<string, string>;
}

type Finding =
  | { readonly id: string; readonly hash: string | undefined }
  | { readonly rejected: DocumentError };

/** The build's findings by normalized document name ("./seeds/a.txt" and "seeds/a.txt" are one). */
function indexFindings(build: BuildFindings): Map<string, Finding> {
  const byName = new Map<string, Finding>();
  const found = (source: string, id: string) =>
    byName.set(path.normalize(source), { id, hash: build.hashes?.get(source) });
  for (const key of build.entries) found(key.source, key.id);
  for (const c of build.collisions) for (const source of c.dropped) found(source, c.id);
  for (const error of build.rejected) byName.set(path.normalize(error.file), { rejected: error });
  return byName;
}

export interface SeedPublishOptions {
  /**
   * The build of the same folder: documents it rejected are not converted again, and a document whose
   * entry is stored from these very bytes is known unchanged without converting it, nor reading it
   * when the build gave its hash.
   */
  readonly build?: BuildFindings;
  /** Store brotli variants too. Default: only for folders of up to BROTLI_MAX_DOCUMENTS. */
  readonly brotli?: boolean;
  /**
   * Read every seed and render every document of the site. Otherwise only seeds the build did not
   * hash as stored are read, and only what they changed is rendered, unless the live version was
   * published by other code or settings (its sourceKey), or brotli variants are made.
   */
  readonly full?: boolean;
  /**
   * What this publish is made by: publishFingerprint of this checkout and `config`, best taken when
   * the command starts (npm start and deploy do), so that an edit made while it runs is not recorded
   * as what rendered the site. Default: taken after loading.
   */
  readonly sourceKey?: string;
  /**
   * Threads converting the documents to store and compressing their pieces, a batch ahead of the
   * batch being stored. Default: one per core for folders over THREADS_FROM documents (for batches
   * of PREPARE_FROM documents to store or more), else none: converted inline.
   */
  readonly threads?: number;
  /** Called after each batch with the documents done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Called before the publish. */
  readonly onPublishing?: () => void;
}

/** A batch of seeds looked up and read: the documents to store, and what the rest were. */
interface LoadBatch {
  readonly documents: readonly IncomingDocument[];
  readonly rejected: number;
  readonly unchanged: number;
  /** Files of the folder done with this batch. */
  readonly done: number;
  /** Each document's conversion by the threads, when they convert this batch. */
  readonly prepared?: ReadonlyMap<IncomingDocument, Promise<PreparedDocument>>;
}

export interface SeedPublishReport {
  readonly counts: Readonly<Record<IngestStatus, number>>;
  readonly published: SitePublishReport | null;
  /** Whether brotli variants were made. */
  readonly brotli: boolean;
}

/**
 * Ingests the seeds into the store a batch at a time (unchanged documents change nothing), then
 * publishes the site into `kv`: what the seeds (and ingests since the last publish) changed, or every
 * document when the live version was made by other code or settings, or with brotli variants. A
 * restart of a large archive then renders a few feeds, not every archive page and category feed.
 */
export async function publishSeeds(
  seedsDir: string,
  config: SiteConfig,
  store: EntryStore,
  kv: KVNamespace,
  options: SeedPublishOptions = {},
): Promise<SeedPublishReport> {
  const findings = options.build ? indexFindings(options.build) : new Map<string, Finding>();
  const counts: Record<IngestStatus, number> = {
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
  };
  const files = await listSeedFiles(seedsDir);
  const threads = options.threads ?? (files.length > THREADS_FROM ? defaultThreads() : 0);
  let pool: Promise<ConvertPool> | undefined;

  /** One batch looked up and read, its documents to store handed to the threads at once. */
  const readBatch = async (at: number): Promise<LoadBatch> => {
    const slice = files.slice(at, at + SEED_BATCH);
    const found = slice.map((relative) =>
      findings.get(path.normalize(seedName(seedsDir, relative))),
    );
    // One read for the batch: through the local proxy, every D1 call is a round trip.
    const stored = await store.findMany(found.flatMap((f) => (f && "id" in f ? [f.id] : [])));
    const storedHash = (f: Finding | undefined) =>
      f && "id" in f ? stored.get(f.id)?.documentHash : undefined;
    let rejected = 0;
    let unchanged = 0;
    // A seed the build hashed as stored is not read again (2.6 GB for 100,000 bench documents).
    const toRead: Array<{ relative: string; before: string | undefined }> = [];
    for (const [i, relative] of slice.entries()) {
      const finding = found[i];
      const before = storedHash(finding);
      if (finding && "rejected" in finding) rejected++;
      else if (!options.full && before !== undefined && finding?.hash === before) unchanged++;
      else toRead.push({ relative, before });
    }
    // Read and hashed at once: awaited one by one, each digest waited for a thread of its own.
    const read = await Promise.all(
      toRead.map(async ({ relative, before }) => {
        const doc = await readSeed(seedsDir, relative);
        return before !== undefined && before === (await contentHash(doc.bytes)) ? null : doc;
      }),
    );
    const documents = read.filter((doc) => doc !== null);
    unchanged += read.length - documents.length;
    if (threads === 0 || documents.length < PREPARE_FROM)
      return { documents, rejected, unchanged, done: at + slice.length };
    pool ??= ConvertPool.start(threads);
    const started = await pool;
    const prepared = new Map(
      documents.map(
        (doc) => [doc, started.prepare({ file: doc.name, bytes: doc.bytes }, config)] as const,
      ),
    );
    // Awaited when the batch is stored; until then a failure must not count as unhandled.
    for (const preparing of prepared.values()) preparing.catch(() => {});
    return { documents, rejected, unchanged, done: at + slice.length, prepared };
  };

  let next: Promise<LoadBatch> | undefined = files.length > 0 ? readBatch(0) : undefined;
  try {
    while (next) {
      const batch: LoadBatch = await next;
      // The next batch is looked up, read and converted by the threads while this one is stored.
      next = batch.done < files.length ? readBatch(batch.done) : undefined;
      next?.catch(() => {});
      counts.rejected += batch.rejected;
      counts.unchanged += batch.unchanged;
      if (batch.documents.length > 0) {
        const { prepared } = batch;
        const report = await ingestDocuments(store, kv, config, batch.documents, {
          // One publish follows: a publish per batch would render the growing site again and again.
          publish: false,
          ...(prepared ? { prepared: (doc: IncomingDocument) => prepared.get(doc) } : {}),
        });
        for (const result of report.results) counts[result.status]++;
      }
      options.onProgress?.(batch.done, files.length);
    }
  } finally {
    // A batch still being read when storing failed may yet start the threads: let it finish first.
    await next?.catch(() => undefined);
    if (pool) await (await pool).close();
  }
  const brotli = options.brotli ?? files.length <= BROTLI_MAX_DOCUMENTS;
  const sourceKey = options.sourceKey ?? (await publishFingerprint(config, PROJECT_ROOT));
  options.onPublishing?.();
  const { seq } = await store.state();
  const published = await publishChanges(store, kv, config, {
    now: Date.now(),
    seq,
    // Brotli variants are made in full publishes only: a small folder gets them for every document.
    full: options.full === true || brotli,
    sourceKey,
    ...(brotli ? {} : { encodings: ["gzip"] }),
  });
  return { counts, published, brotli };
}

/**
 * Tells the WebSub hub which feeds a publish changed, as the worker does after each of its publishes.
 * Returns a line saying what happened; a hub that fails does not fail the publish.
 */
export async function notifyHub(
  config: SiteConfig,
  report: SitePublishReport | null,
  timeoutMs = 10_000,
): Promise<string | null> {
  const notification = hubNotification(config, report?.changedFeeds ?? []);
  if (!notification) return null;
  const feeds = notification.body.getAll("hub.url").length;
  try {
    const response = await fetch(notification.hub, {
      method: "POST",
      body: notification.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.ok
      ? `WebSub: told ${notification.hub} about ${feeds} changed feeds`
      : `WebSub: hub ${notification.hub} answered ${response.status}; subscribers hear of the next publish`;
  } catch (error) {
    return `WebSub: hub ${notification.hub} failed (${(error as Error).message}); subscribers hear of the next publish`;
  }
}

/**
 * A progress bar for loading the seeds (on a terminal), and a line when the publish starts.
 * @example publishSeeds(seeds, config, store, kv, { build, ...loadingProgress("local KV") })
 */
export function loadingProgress(
  where: string,
): Pick<SeedPublishOptions, "onProgress" | "onPublishing"> {
  let progress: ReturnType<typeof startProgress> | undefined;
  return {
    onProgress: (done, total) => {
      progress ??= startProgress(process.stderr, total, `${where}: loading`);
      progress.tick(done);
      if (done === total) progress.done();
    },
    onPublishing: () => console.log(`${where}: publishing`),
  };
}

/** What a publish rendered and wrote, for its summary line. */
function publishedWhat(report: SitePublishReport): string {
  const rendered = report.full
    ? `every document rendered: ${report.rendered}`
    : `${report.rendered} documents rendered, the rest as published`;
  return `${rendered}; ${report.written} keys written`;
}

/**
 * Opens the proxy's bindings, publishes the seeds into its ENTRIES database and FEEDS namespace, pings
 * the WebSub hub when one is configured, and prints what it did.
 */
export async function publishSeedsThroughProxy(
  seedsDir: string,
  config: SiteConfig,
  proxyOptions: GetPlatformProxyOptions,
  where: string,
  options: SeedPublishOptions = {},
): Promise<SeedPublishReport> {
  const { getPlatformProxy } = await import("wrangler");
  const proxy = await getPlatformProxy<Env>(proxyOptions);
  try {
    const store = new EntryStore(proxy.env.ENTRIES, config.entriesPerFeed);
    const report = await publishSeeds(seedsDir, config, store, proxy.env.FEEDS, options);
    const { counts, published } = report;
    console.log(
      `${where}: entries created ${counts.created}, updated ${counts.updated}, unchanged ${counts.unchanged}, rejected ${counts.rejected}` +
        (published
          ? `; published version ${published.version} (${publishedWhat(published)})`
          : "") +
        (report.brotli ? "" : "; no brotli variants (a large folder: brotli clients get gzip)"),
    );
    if (published?.pruneFailure)
      console.warn(
        `${where}: deleting replaced versions failed (${published.pruneFailure}); the feeds are published, and the next full publish deletes them`,
      );
    const hubLine = await notifyHub(config, published);
    if (hubLine) console.log(hubLine);
    return report;
  } finally {
    await proxy.dispose();
  }
}

/**
 * The publish `npm run deploy` makes, through the bindings `proxyOptions` name (the account's, remote):
 * the seeds loaded into the entry database and the site published from it.
 */
export function publishForDeploy(
  seedsDir: string,
  config: SiteConfig,
  build: BuildFindings,
  proxyOptions: GetPlatformProxyOptions,
  options: Pick<SeedPublishOptions, "brotli" | "full" | "sourceKey"> & {
    readonly where?: string;
  } = {},
): Promise<SeedPublishReport> {
  const { where = "Cloudflare", ...publish } = options;
  return publishSeedsThroughProxy(seedsDir, config, proxyOptions, where, {
    build,
    ...publish,
    ...loadingProgress(where),
  });
}

/**
 * Makes `.dev.vars` with a random INGEST_TOKEN when there is none, so the local ingest API works
 * at once. Returns whether it wrote one. The file is git-ignored: never commit it.
 */
export async function ensureDevVars(dir: string): Promise<boolean> {
  const file = path.join(dir, ".dev.vars");
  try {
    await access(file);
    return false;
  } catch {
    const token = randomBytes(24).toString("base64url");
    await writeFile(
      file,
      `# Local secrets for wrangler dev; never commit.\nINGEST_TOKEN=${token}\n`,
      {
        mode: 0o600,
      },
    );
    return true;
  }
}
