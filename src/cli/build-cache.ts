/**
 * @module cli/build-cache — remembers what each seed document converted to (its entry key or its
 * rejection), keyed by content hash, so a rebuild converts only what changed. A file whose size and
 * modification time are unchanged keeps its recorded hash without being read, as git's index does.
 * The whole cache is dropped when the code, the dependencies or the site's settings change.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SiteConfig } from "../config.js";

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

interface CacheFile {
  readonly fingerprint: string;
  readonly files: Record<string, CachedFile>;
}

const CACHE_NAME = "build-index-v1.json";

/** The hash a document is cached under. */
export function contentHash(bytes: Uint8Array): string {
  return createHash("sha1").update(bytes).digest("hex");
}

async function hashTree(dir: string, hash: ReturnType<typeof createHash>): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  for (const file of files) hash.update(file.slice(dir.length)).update(await readFile(file));
}

/**
 * What the cached results depend on: our source code, the exact dependency versions (a new cheerio
 * may clean differently) and the site's settings.
 */
export async function buildFingerprint(config: SiteConfig, projectRoot: string): Promise<string> {
  const hash = createHash("sha256");
  await hashTree(path.join(projectRoot, "src"), hash);
  try {
    hash.update(await readFile(path.join(projectRoot, "package-lock.json")));
  } catch {
    hash.update("no lockfile");
  }
  hash.update(JSON.stringify(config));
  return hash.digest("hex");
}

/** The cache of one build folder; empty when missing, unreadable or made by other code or settings. */
export class BuildCache {
  private readonly byHash = new Map<string, ConvertResult>();

  private constructor(
    private readonly file: string | undefined,
    private readonly fingerprint: string,
    private files: Record<string, CachedFile>,
  ) {
    for (const cached of Object.values(files)) this.byHash.set(cached.hash, cached.result);
  }

  /** Opens the cache in `dir` (undefined: a cache that forgets everything, for --no-cache). */
  static async open(dir: string | undefined, fingerprint: string): Promise<BuildCache> {
    if (dir === undefined) return new BuildCache(undefined, fingerprint, {});
    const file = path.join(dir, CACHE_NAME);
    try {
      const saved = JSON.parse(await readFile(file, "utf8")) as CacheFile;
      if (saved.fingerprint === fingerprint) return new BuildCache(file, fingerprint, saved.files);
    } catch {
      // Missing or damaged: start afresh.
    }
    return new BuildCache(file, fingerprint, {});
  }

  /** The record of a file whose size and modification time are what they were. */
  unchanged(relative: string, size: number, mtimeMs: number): CachedFile | undefined {
    const cached = this.files[relative];
    return cached && cached.size === size && cached.mtimeMs === mtimeMs ? cached : undefined;
  }

  /** A result known for this content, whichever file it was in. */
  byContent(hash: string): ConvertResult | undefined {
    return this.byHash.get(hash);
  }

  /** Saves the records of exactly the files of this build (deleted files drop out). */
  async save(files: Record<string, CachedFile>): Promise<void> {
    this.files = files;
    if (this.file === undefined) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(
      temporary,
      JSON.stringify({ fingerprint: this.fingerprint, files } satisfies CacheFile),
    );
    await rename(temporary, this.file);
  }
}
