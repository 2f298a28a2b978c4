/**
 * Fixtures for the worker's tests: a small site built from two hand-made entries with fixed dates,
 * published into the test's own KV, and requests sent straight to the worker's fetch handler.
 */

import { env } from "cloudflare:workers";
import { brotliCompressSync, gunzipSync } from "node:zlib";
import { readSiteConfig, type SiteConfig } from "../../src/config.js";
import type { Entry } from "../../src/entry.js";
import { type PreparedDocument, prepareDocuments, renderSite } from "../../src/publish.js";
import { CURRENT_KEY } from "../../src/store/keys.js";
import { type PublishReport, publishVersion } from "../../src/store/publish.js";
import worker from "../../src/worker/index.js";

export const CONFIG: SiteConfig = readSiteConfig({
  SITE_URL: "https://news.example/",
  FEED_TITLE: "Test archive",
  FEED_DESCRIPTION: "Two articles for the worker's tests.",
  FEED_LANGUAGE: "en",
  FEED_ENTRIES: "10",
});

/** 2021-12-15T18:57:46Z and a day later. */
export const OLDER_MS = 1_639_594_666_000;
export const NEWER_MS = OLDER_MS + 86_400_000;
/** The publish time the tests use: 2026-11-26T00:00:00Z. */
export const PUBLISHED_MS = 1_795_651_200_000;

export function makeEntry(n: number, publishedMs: number, title = `Article number ${n}`): Entry {
  const link = `https://source.example/articles/${n}.html`;
  return {
    id: link,
    title,
    link,
    publishedMs,
    updatedMs: publishedMs,
    summary: `Summary of article ${n}.`,
    contentHtml: `<p>Body of article ${n}.</p>`,
    authors: [{ name: "A. Reporter" }],
    contributors: [],
    categories: [],
    images: [{ url: `https://img.example/${n}.jpg`, type: "image/jpeg", caption: `Photo ${n}` }],
    source: `seeds/${n}.txt`,
  };
}

export const ENTRIES: readonly Entry[] = [makeEntry(2, NEWER_MS), makeEntry(1, OLDER_MS)];

/**
 * The documents of a site, prepared as publishing does. workerd's CompressionStream has no brotli, so
 * the brotli variants are made here with node:zlib, as Node's CompressionStream makes them in `npm start`.
 */
export async function prepareSite(
  entries: readonly Entry[] = ENTRIES,
): Promise<PreparedDocument[]> {
  const docs = await prepareDocuments(renderSite(entries, CONFIG));
  return docs.map((doc) => {
    if (doc.variants.some((v) => v.encoding === "br")) return doc;
    // A large feed stores no identity body: its gzip body decodes to it.
    const stored = doc.variants.find((v) => v.bytes !== undefined);
    if (!stored?.bytes) return doc;
    const identity = stored.encoding === "gzip" ? gunzipSync(stored.bytes) : stored.bytes;
    const bytes = brotliCompressSync(identity);
    const br = { encoding: "br" as const, etag: `"${doc.hash}-br"`, size: bytes.length, bytes };
    return { ...doc, variants: [...doc.variants, br] };
  });
}

/** Publishes a site into the test's KV (or another namespace). */
export async function publishSite(
  entries: readonly Entry[] = ENTRIES,
  options: { kv?: KVNamespace; now?: number; sweep?: boolean } = {},
): Promise<PublishReport> {
  return publishVersion(
    options.kv ?? env.FEEDS,
    await prepareSite(entries),
    { entryCount: entries.length, newestEntryMs: entries[0]?.updatedMs ?? null },
    { now: options.now ?? PUBLISHED_MS, ...(options.sweep === false ? { sweep: false } : {}) },
  );
}

/** The body of a published document, as rendered. */
export function renderedBody(path: string, entries: readonly Entry[] = ENTRIES): string {
  const doc = renderSite(entries, CONFIG).find((d) => d.path === path);
  if (!doc) throw new Error(`no document ${path}`);
  return doc.body;
}

/** Sends a request to the worker's fetch handler, with the test's env unless another is given. */
export async function request(
  path: string,
  init: RequestInit = {},
  workerEnv: Env = env,
): Promise<Response> {
  const ctx = {
    waitUntil() {},
    passThroughOnException() {},
    props: {},
  } as unknown as ExecutionContext;
  const incoming = new Request(new URL(path, "https://news.example"), init) as Request<
    unknown,
    IncomingRequestCfProperties
  >;
  return worker.fetch(incoming, workerEnv, ctx);
}

/** A response body's bytes decoded from a content coding, as a client would. */
export async function decodeBody(response: Response): Promise<string> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const coding = response.headers.get("Content-Encoding");
  if (coding === null) return new TextDecoder().decode(bytes);
  if (coding === "br") {
    const { brotliDecompressSync } = await import("node:zlib");
    return new TextDecoder().decode(brotliDecompressSync(bytes));
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}

/**
 * A document asked for twice, without and with gzip: returns both bodies as a client reads them (the
 * gzip one decoded) and the coding the worker answered with.
 */
export async function identityAndGzip(
  path: string,
): Promise<{ identity: string; gzip: string; coding: string | null }> {
  const identity = await (await request(path)).text();
  const compressed = await request(path, {
    headers: { "Accept-Encoding": "gzip" },
    cf: { clientAcceptEncoding: "gzip" },
  } as RequestInit);
  return {
    identity,
    coding: compressed.headers.get("Content-Encoding"),
    gzip: await decodeBody(compressed),
  };
}

/** The ingest API's token in the tests (vitest.config.ts binds it as INGEST_TOKEN). */
export const TOKEN = "test-ingest-token";
export const AUTH = { Authorization: `Bearer ${TOKEN}` };
/** 2021-12-15T18:57:46Z */
export const T0 = 1_639_594_666_000;
export const HOUR = 3_600_000;

/** A seed-format document about article n, published n hours after T0. */
export function seed(
  n: number,
  options: { at?: number; body?: string; tag?: string } = {},
): string {
  const tag = options.tag ? ` <a rel="tag" href="/tags/${options.tag}">${options.tag}</a>` : "";
  return [
    `<!--${options.at ?? T0 + n * HOUR}-->`,
    `[Article ${n}](https://source.example/news/${n}.html)`,
    "------",
    `<p>${options.body ?? `The body of article ${n}.`}${tag}</p>`,
  ].join("\n");
}

/** POST /api/documents with a body of the given type (authorized unless other headers are given). */
export async function postDocuments(
  body: BodyInit,
  contentType: string,
  headers: Record<string, string> = AUTH,
  workerEnv: Env = env,
): Promise<Response> {
  return request(
    "/api/documents",
    { method: "POST", body, headers: { "Content-Type": contentType, ...headers } },
    workerEnv,
  );
}

/**
 * A KV namespace that answers as `kv` does, but for the methods `overrides` replaces: a failing
 * write, a lagging read.
 */
export function kvWith(kv: KVNamespace, overrides: Partial<Record<keyof KVNamespace, unknown>>) {
  return new Proxy(kv, {
    get(target, property) {
      if (property in overrides) return overrides[property as keyof KVNamespace];
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A KV namespace whose location still shows `pointer` at CURRENT_KEY (KV shows writes late). */
export function kvShowingPointer(kv: KVNamespace, pointer: string | null): KVNamespace {
  return kvWith(kv, {
    get: (key: string, ...rest: unknown[]) =>
      key === CURRENT_KEY
        ? Promise.resolve(pointer)
        : (kv.get as (...a: unknown[]) => Promise<unknown>).call(kv, key, ...rest),
  });
}

/** A seed document as the ingest API receives it, named `n.txt`. */
export function seedDocument(n: number, options?: Parameters<typeof seed>[1]) {
  return { name: `${n}.txt`, bytes: new TextEncoder().encode(seed(n, options)) };
}
