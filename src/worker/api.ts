/**
 * @module worker/api — the ingest API: `POST /api/documents` takes one document (text/plain) or a batch
 * (a JSON array, or multipart/form-data), `DELETE /api/documents?url=…` removes an article. Both need
 * `Authorization: Bearer <INGEST_TOKEN>`.
 */
import type { Context } from "hono";
import {
  deleteArticle,
  type IncomingDocument,
  type IngestReport,
  ingestDocuments,
  PublishError,
} from "../api/ingest.js";
import { concatBytes } from "../bytes.js";
import { readSiteConfig, type SiteConfig } from "../config.js";
import type { SitePublishReport } from "../site.js";
import { EntryStore } from "../store/entries.js";
import { StoreError } from "../store/errors.js";
import { hubNotification } from "../websub.js";
import { baseHeaders, NO_STORE } from "./headers.js";
import { HttpError, RETRY_AFTER_STORAGE_FAILURE } from "./http-error.js";

type AppContext = Context<{ Bindings: Env }>;

/** The largest request body accepted: a batch of several documents (one may be up to 8 MiB). */
export const MAX_INGEST_BYTES = 16 * 1024 * 1024;
/** The most documents one request may carry. */
export const MAX_BATCH_DOCUMENTS = 500;
/** The name a document sent as text/plain gets in messages, unless `?name=` gives one. */
const DEFAULT_NAME = "document.txt";

const encoder = new TextEncoder();

/**
 * Compares two secrets in time that does not depend on where they differ: both are hashed first, so
 * their lengths do not show either.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all(
    [given, expected].map(
      async (s) => new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(s))),
    ),
  );
  let difference = 0;
  for (let i = 0; i < 32; i++) difference |= (a?.[i] ?? 0) ^ (b?.[i] ?? 0);
  return difference === 0 && expected !== "";
}

/** 401 for any request without the right token, saying nothing about why. */
async function authorize(c: AppContext): Promise<void> {
  const header = c.req.header("Authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const expected = (c.env as { INGEST_TOKEN?: string }).INGEST_TOKEN ?? "";
  if (expected === "")
    console.error("edgefeed: INGEST_TOKEN is not set; the ingest API refuses every request");
  if (!match?.[1] || !(await secretsEqual(match[1], expected)))
    throw new HttpError(401, "Unauthorized.", { "WWW-Authenticate": 'Bearer realm="edgefeed"' });
}

/** The request body, refused with 413 past the limit (whatever Content-Length claims). */
async function readBody(c: AppContext): Promise<Uint8Array> {
  const tooLarge = () =>
    new HttpError(
      413,
      `The request is over ${MAX_INGEST_BYTES} bytes; send fewer documents per request.`,
    );
  const declared = Number(c.req.header("Content-Length") ?? "0");
  if (declared > MAX_INGEST_BYTES) throw tooLarge();
  const body = c.req.raw.body;
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_INGEST_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}

function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

/** A document's name as messages show it: no line breaks, not too long. */
function cleanName(name: unknown, index: number): string {
  const text = typeof name === "string" ? name.replace(/[\r\n]+/g, " ").trim() : "";
  return text === "" ? `document-${index + 1}.txt` : text.slice(0, 200);
}

/** The documents a request carries, by its Content-Type. */
async function readDocuments(c: AppContext, bytes: Uint8Array): Promise<IncomingDocument[]> {
  const type = (c.req.header("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  let documents: IncomingDocument[];
  if (type === "text/plain") {
    documents = [{ name: cleanName(c.req.query("name") ?? DEFAULT_NAME, 0), bytes }];
  } else if (type === "application/json") {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw badRequest("The body is not JSON: send an array of documents.");
    }
    if (!Array.isArray(value))
      throw badRequest('Send a JSON array of documents: strings, or {"name", "text"} objects.');
    documents = value.map((item: unknown, i) => {
      if (typeof item === "string")
        return { name: cleanName(undefined, i), bytes: encoder.encode(item) };
      const record = item as { name?: unknown; text?: unknown } | null;
      if (typeof record?.text !== "string")
        throw badRequest(`Item ${i + 1} is neither a string nor an object with a "text" string.`);
      return { name: cleanName(record.name, i), bytes: encoder.encode(record.text) };
    });
  } else if (type === "multipart/form-data") {
    let form: FormData;
    try {
      form = await new Response(bytes, {
        headers: { "Content-Type": c.req.header("Content-Type") ?? "" },
      }).formData();
    } catch {
      throw badRequest("The multipart body could not be read.");
    }
    documents = [];
    for (const [field, value] of form.entries()) {
      const i = documents.length;
      if (typeof value === "string")
        documents.push({ name: cleanName(field, i), bytes: encoder.encode(value) });
      else
        documents.push({
          name: cleanName(value.name || field, i),
          bytes: new Uint8Array(await value.arrayBuffer()),
        });
    }
  } else {
    throw new HttpError(
      415,
      "Send text/plain (one document), application/json (an array) or multipart/form-data.",
    );
  }
  if (documents.length === 0) throw badRequest("The request carries no document.");
  if (documents.length > MAX_BATCH_DOCUMENTS)
    throw new HttpError(413, `At most ${MAX_BATCH_DOCUMENTS} documents per request.`);
  return documents;
}

function jsonResponse(status: number, value: unknown): Response {
  const headers = baseHeaders(Date.now());
  headers.set("Content-Type", "application/json; charset=utf-8");
  headers.set("Cache-Control", NO_STORE);
  return new Response(`${JSON.stringify(value, null, 2)}\n`, { status, headers });
}

function publishedSummary(report: SitePublishReport | null) {
  return report
    ? { version: report.version, rendered: report.rendered, written: report.written }
    : null;
}

/** Tells the WebSub hub which feeds changed, after the response (a hub failure is only logged). */
export function pingHub(c: AppContext, config: SiteConfig, report: SitePublishReport | null): void {
  const notification = report ? hubNotification(config, report.changedFeeds) : null;
  if (!notification) return;
  const { hub, body } = notification;
  const ping = fetch(hub, { method: "POST", body })
    .then((response) => {
      if (!response.ok) console.error(`edgefeed: WebSub hub ${hub} answered ${response.status}`);
    })
    .catch((error: unknown) => console.error(`edgefeed: WebSub hub ${hub} failed:`, error));
  try {
    c.executionCtx.waitUntil(ping);
  } catch {
    // No execution context (direct app.request calls): the ping runs on its own.
  }
}

/** What follows a publish: the hub told of the feeds it changed; a failed pruning logged (it stands). */
function afterPublish(c: AppContext, config: SiteConfig, report: SitePublishReport | null): void {
  if (report?.pruneFailure)
    console.error(
      `edgefeed: deleting replaced versions failed, the next sweep deletes them: ${report.pruneFailure}`,
    );
  pingHub(c, config, report);
}

/** A publish that failed after its changes were saved: the client can retry the publish alone. */
function publishFailure(error: PublishError, what: string): HttpError {
  return retryLater(
    "publish after saving failed",
    error,
    `${what} saved, but publishing failed; the feeds may not show the change yet. Send the same request again to publish (it changes nothing else), or the next change will.`,
  );
}

function storeFailure(error: unknown): HttpError {
  return retryLater(
    "ingest storage failure",
    error,
    "The entry storage is unavailable right now; the request may have been saved in part or not at all. Send the same request again: it saves what is missing and publishes what was saved.",
  );
}

/** A 503 with Retry-After and `message` for the client; the cause goes to the log, never to it. */
function retryLater(what: string, cause: unknown, message: string): HttpError {
  console.error(`edgefeed: ${what}:`, cause instanceof Error ? cause.message : cause);
  return new HttpError(
    503,
    message,
    { "Retry-After": String(RETRY_AFTER_STORAGE_FAILURE) },
    { cause },
  );
}

function storeOf(c: AppContext, config: SiteConfig): EntryStore {
  return new EntryStore(c.env.ENTRIES, config.entriesPerFeed);
}

/** POST /api/documents */
export async function handleIngest(c: AppContext): Promise<Response> {
  await authorize(c);
  const bytes = await readBody(c);
  const documents = await readDocuments(c, bytes);
  const config = readSiteConfig({ ...c.env });
  let report: IngestReport;
  try {
    report = await ingestDocuments(storeOf(c, config), c.env.FEEDS, config, documents);
  } catch (error) {
    if (error instanceof PublishError) throw publishFailure(error, "The documents were");
    if (error instanceof StoreError) throw storeFailure(error);
    throw error;
  }
  afterPublish(c, config, report.published);
  const rejected = report.results.some((r) => r.status === "rejected");
  return jsonResponse(rejected ? 422 : 200, {
    documents: report.results,
    published: publishedSummary(report.published),
  });
}

/** DELETE /api/documents?url=… */
export async function handleDelete(c: AppContext): Promise<Response> {
  await authorize(c);
  const url = c.req.query("url");
  if (!url) throw badRequest("Name the article: DELETE /api/documents?url=<its URL>.");
  const config = readSiteConfig({ ...c.env });
  let result: Awaited<ReturnType<typeof deleteArticle>>;
  try {
    result = await deleteArticle(storeOf(c, config), c.env.FEEDS, config, url);
  } catch (error) {
    if (error instanceof PublishError) throw publishFailure(error, "The removal was");
    if (error instanceof StoreError) throw storeFailure(error);
    if (error instanceof TypeError) throw badRequest(`Not an article URL: ${url}`);
    throw error;
  }
  if (!result) throw new HttpError(404, `No entry has the URL ${url}.`);
  afterPublish(c, config, result.published);
  return jsonResponse(200, {
    id: result.id,
    status: "deleted",
    published: publishedSummary(result.published),
  });
}
