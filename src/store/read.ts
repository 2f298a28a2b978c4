/**
 * @module store/read — what the worker reads from KV: the live manifest, then one document body.
 */
import type { ContentEncoding } from "../publish.js";
import { StoreError } from "./errors.js";
import { CURRENT_KEY, documentKey } from "./keys.js";
import { type Manifest, parseManifest } from "./manifest.js";

/**
 * How long an edge location may keep a version's body without asking KV again. Bodies never change
 * under their key (a new build is a new version), so this can be long.
 */
const BODY_CACHE_TTL_SECONDS = 86_400;

/**
 * The manifest of the live version, or null when nothing was ever published.
 * @throws StoreError when KV fails or the pointer holds something that is not a manifest.
 */
export async function readManifest(kv: KVNamespace): Promise<Manifest | null> {
  let text: string | null;
  try {
    text = await kv.get(CURRENT_KEY, "text");
  } catch (cause) {
    throw new StoreError(CURRENT_KEY, "could not be read", { cause });
  }
  return text === null ? null : parseManifest(text, CURRENT_KEY);
}

/**
 * One stored form of a document of a version.
 * @throws StoreError when KV fails, or the body is missing (a publish never switches the pointer before
 * every body is written, so a missing one means storage lost it).
 */
export async function readDocumentBody(
  kv: KVNamespace,
  version: string,
  path: string,
  encoding: ContentEncoding,
): Promise<ArrayBuffer> {
  const key = documentKey(version, path, encoding);
  let body: ArrayBuffer | null;
  try {
    body = await kv.get(key, { type: "arrayBuffer", cacheTtl: BODY_CACHE_TTL_SECONDS });
  } catch (cause) {
    throw new StoreError(key, "could not be read", { cause });
  }
  if (body === null) throw new StoreError(key, "is missing, though the live manifest lists it");
  return body;
}
