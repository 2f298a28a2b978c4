/**
 * A live document's stored body, read from the namespace the way the worker reads it: the pointer's
 * manifest (and the shelf that lists the path, for archive pages and category feeds), the document's
 * entry, then the body of the version that stores it.
 */
import type { ContentEncoding } from "../../src/publish.js";
import { findDocument, mergeShelves, shelfFor, storedVersion } from "../../src/store/manifest.js";
import { readDocumentBody, readManifest, readShelf } from "../../src/store/read.js";

export async function liveBody(
  kv: KVNamespace,
  path: string,
  encoding: ContentEncoding = "gzip",
): Promise<{ body: Uint8Array; encodings: string[] }> {
  const pointer = await readManifest(kv);
  const shelf = pointer && shelfFor(pointer, path);
  const manifest = pointer && shelf ? mergeShelves(pointer, [await readShelf(kv, shelf)]) : pointer;
  const doc = manifest && findDocument(manifest, path);
  if (!manifest || !doc) throw new Error(`${path} is not published`);
  const body = await readDocumentBody(kv, storedVersion(manifest, doc), path, encoding);
  return { body: new Uint8Array(body), encodings: doc.variants.map((v) => v.encoding) };
}
