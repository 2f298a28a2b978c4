/**
 * @module pipeline — document bytes → entry, and entries → the archive: one entry per article,
 * newest first. Shared by the CLI build and the worker.
 */
import { type ArticleLimits, DEFAULT_ARTICLE_LIMITS } from "./article/clean.js";
import type { Utf8Decoder } from "./decode.js";
import { DEFAULT_DOCUMENT_LIMITS, type DocumentLimits, parseDocument } from "./document.js";
import { buildEntry, compareEntries, type Entry, type EntryKey } from "./entry.js";

export interface ConvertLimits extends DocumentLimits, ArticleLimits {}

/**
 * Parses, cleans and models one document; `utf8` is the runtime's strict UTF-8 decoder, when it
 * has a faster one than the standard TextDecoder.
 * @throws DocumentError naming the file, the line and what is wrong.
 * @example convertDocument(bytes, "seeds/000.txt").id // "https://www.rfa.org/mandarin/…"
 */
export function convertDocument(
  input: Uint8Array | string,
  file: string,
  limits?: Partial<ConvertLimits>,
  utf8?: Utf8Decoder,
): Entry {
  const doc = parseDocument(input, file, { ...DEFAULT_DOCUMENT_LIMITS, ...limits }, utf8);
  return buildEntry(doc, { ...DEFAULT_ARTICLE_LIMITS, ...limits });
}

/** Documents that named the same article: the newest was kept. */
export interface Collision {
  readonly id: string;
  readonly kept: string;
  readonly dropped: readonly string[];
}

export interface Archive<T extends EntryKey = Entry> {
  /** One entry per article, newest first. */
  readonly entries: readonly T[];
  readonly collisions: readonly Collision[];
}

/** The newer of two versions of one article; at equal times the later source path, so order never matters. */
function newer<T extends EntryKey>(a: T, b: T): T {
  if (a.updatedMs !== b.updatedMs) return a.updatedMs > b.updatedMs ? a : b;
  return a.source > b.source ? a : b;
}

/**
 * Merges entries (or just their keys) into an archive: two documents with the same (canonical) URL
 * are one entry, the newer wins.
 * @example mergeEntries([older, newer]).entries // [newer]
 */
export function mergeEntries<T extends EntryKey>(entries: Iterable<T>): Archive<T> {
  const byId = new Map<string, T>();
  const sources = new Map<string, string[]>();
  for (const entry of entries) {
    const seen = byId.get(entry.id);
    byId.set(entry.id, seen ? newer(seen, entry) : entry);
    const list = sources.get(entry.id);
    if (list) list.push(entry.source);
    else sources.set(entry.id, [entry.source]);
  }
  const collisions: Collision[] = [];
  for (const [id, files] of sources) {
    if (files.length < 2) continue;
    const kept = (byId.get(id) as T).source;
    collisions.push({ id, kept, dropped: files.filter((f) => f !== kept).sort() });
  }
  collisions.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { entries: [...byId.values()].sort(compareEntries), collisions };
}
