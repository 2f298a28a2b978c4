/**
 * @module cli/build-cache — remembers what each seed document converted to (its entry key or its
 * rejection), keyed by content hash, so a rebuild converts only what changed. A file whose size and
 * modification time are unchanged keeps its recorded hash without being read, as git's index does.
 * It also keeps the whole entries of the newest documents, which a rebuild renders its feeds from:
 * converting them again took a fifth of a second, in a process that had converted nothing else yet.
 * The whole cache is dropped when the code, the dependencies or the site's settings change.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Entry } from "../entry.js";
import { DIGEST_BYTES } from "../pieces.js";
import { writeFileAtomic } from "./write-atomic.js";

/** What converting one document gave, small enough to keep for every document of an archive. */
export type ConvertResult =
  | {
      readonly ok: true;
      readonly id: string;
      readonly publishedMs: number;
      readonly updatedMs: number;
    }
  | { readonly ok: false; readonly line: number; readonly reason: string };

export interface CachedFile {
  readonly size: number;
  readonly mtimeMs: number;
  readonly hash: string;
  readonly result: ConvertResult;
}

/**
 * One file's record as saved: a flat row, not an object with named keys, so that an index of 100,000
 * documents stays small and quick to read (`[path, size, mtimeMs, hash, 1, id, publishedMs, updatedMs]`
 * or `[path, size, mtimeMs, hash, 0, line, reason]`).
 */
type Row =
  | [string, number, number, string, 1, string, number, number]
  | [string, number, number, string, 0, number, string];

interface CacheFile {
  readonly fingerprint: string;
  readonly rows: Row[];
}

const CACHE_NAME = "build-index-v3.json";

/** The newest documents' entries, each with the content hash of the file it came from. */
interface NewestFile {
  readonly fingerprint: string;
  readonly entries: ReadonlyArray<readonly [hash: string, entry: Entry]>;
}

const NEWEST_NAME = "newest-entries-v2.json";

/** A cache file's contents when it was made by this fingerprint; undefined when missing or damaged. */
async function readCacheFile<T extends { fingerprint: string }>(
  file: string,
  fingerprint: string,
): Promise<T | undefined> {
  try {
    const saved = JSON.parse(await readFile(file, "utf8")) as T;
    return saved.fingerprint === fingerprint ? saved : undefined;
  } catch {
    // Missing or damaged: start afresh.
    return undefined;
  }
}

function toRow(relative: string, f: CachedFile): Row {
  const r = f.result;
  return r.ok
    ? [relative, f.size, f.mtimeMs, f.hash, 1, r.id, r.publishedMs, r.updatedMs]
    : [relative, f.size, f.mtimeMs, f.hash, 0, r.line, r.reason];
}

function fromRow(row: Row): [string, CachedFile] {
  const [relative, size, mtimeMs, hash] = row;
  const result: ConvertResult =
    row[4] === 1
      ? { ok: true, id: row[5], publishedMs: row[6], updatedMs: row[7] }
      : { ok: false, line: row[5], reason: row[6] };
  return [relative, { size, mtimeMs, hash, result }];
}

/**
 * The hash a document is cached under: the entry store's document hash (SHA-256 cut to 128 bits, as
 * `digestOf` makes it), so that loading the folder knows a stored seed without reading it again.
 * @example contentHash(new Uint8Array()) // "e3b0c44298fc1c149afbf4c8996fb924"
 */
export function contentHash(bytes: Uint8Array): string {
  return createHash("sha256")
    .update(bytes)
    .digest("hex")
    .slice(0, 2 * DIGEST_BYTES);
}

/** The cache of one build folder; empty when missing, unreadable or made by other code or settings. */
export class BuildCache {
  private readonly byHash = new Map<string, ConvertResult>();

  private constructor(
    private readonly dir: string | undefined,
    private readonly fingerprint: string,
    private files: Map<string, CachedFile>,
    private newest: ReadonlyArray<readonly [string, Entry]>,
  ) {
    for (const cached of files.values()) this.byHash.set(cached.hash, cached.result);
  }

  /** Opens the cache in `dir` (undefined: a cache that forgets everything, for --no-cache). */
  static async open(dir: string | undefined, fingerprint: string): Promise<BuildCache> {
    if (dir === undefined) return new BuildCache(undefined, fingerprint, new Map(), []);
    const [index, newest] = await Promise.all([
      readCacheFile<CacheFile>(path.join(dir, CACHE_NAME), fingerprint),
      readCacheFile<NewestFile>(path.join(dir, NEWEST_NAME), fingerprint),
    ]);
    return new BuildCache(
      dir,
      fingerprint,
      new Map(index?.rows.map(fromRow)),
      newest?.entries ?? [],
    );
  }

  /** The record of a file whose size and modification time are what they were. */
  unchanged(relative: string, size: number, mtimeMs: number): CachedFile | undefined {
    const cached = this.files.get(relative);
    return cached && cached.size === size && cached.mtimeMs === mtimeMs ? cached : undefined;
  }

  /** A result known for this content, whichever file it was in. */
  byContent(hash: string): ConvertResult | undefined {
    return this.byHash.get(hash);
  }

  /**
   * Saves the records of exactly the files of this build (deleted files drop out); skipped when they
   * are the ones it opened with.
   */
  async save(files: Map<string, CachedFile>): Promise<void> {
    const unchanged =
      files.size === this.files.size && [...files].every(([k, v]) => this.files.get(k) === v);
    this.files = files;
    if (this.dir === undefined || unchanged) return;
    const rows = [...files].map(([relative, f]) => toRow(relative, f));
    await this.write(this.dir, CACHE_NAME, {
      fingerprint: this.fingerprint,
      rows,
    } satisfies CacheFile);
  }

  /** The entry the last build kept of this content, when it came from the same source file. */
  newestEntry(hash: string, source: string): Entry | undefined {
    for (const [kept, entry] of this.newest)
      if (kept === hash && entry.source === source) return entry;
    return undefined;
  }

  /** Keeps the entries a build's feeds were rendered from, for the next build; skipped when unchanged. */
  async saveNewest(entries: ReadonlyArray<readonly [string, Entry]>): Promise<void> {
    const unchanged =
      entries.length === this.newest.length &&
      entries.every(([hash, entry], i) => {
        const [keptHash, kept] = this.newest[i] as readonly [string, Entry];
        return keptHash === hash && kept === entry;
      });
    this.newest = entries;
    if (this.dir === undefined || unchanged) return;
    await this.write(this.dir, NEWEST_NAME, {
      fingerprint: this.fingerprint,
      entries,
    } satisfies NewestFile);
  }

  /** Writes one of the cache's files whole. */
  private async write(dir: string, name: string, contents: CacheFile | NewestFile): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(path.join(dir, name), JSON.stringify(contents));
  }
}
