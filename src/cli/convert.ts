/**
 * @module cli/convert — converts one document to the small result a build keeps (entry key or
 * rejection), inline or in a pool of worker threads that use every core; the pool's threads also
 * convert the few documents whose whole entries the build's feeds carry.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { PreparedDocument } from "../api/ingest.js";
import type { SiteConfig } from "../config.js";
import type { Entry } from "../entry.js";
import { DocumentError } from "../errors.js";
import { convertDocument } from "../pipeline.js";
import { compressedPieces, contentHash } from "../publish.js";
import type { ConvertResult } from "./build-cache.js";
import { nodeUtf8 } from "./utf8.js";
import { bundleWorker, type WorkerBundle } from "./worker-bundle.js";

/**
 * Converts one document as the build does: the core's conversion, with Node's UTF-8 decoder.
 * @throws DocumentError naming the file, the line and what is wrong.
 */
export function convertFile(bytes: Uint8Array, file: string): Entry {
  return convertDocument(bytes, file, undefined, nodeUtf8);
}

/**
 * Converts one document, turning any failure into a rejection that names the file and line.
 * @example convertToResult(bytes, "seeds/a.txt") // { ok: true, id: "https://…", publishedMs: …, updatedMs: … }
 */
export function convertToResult(bytes: Uint8Array, file: string): ConvertResult {
  return convertJob({ seq: 0, file, bytes }).result;
}

export interface ConvertJob {
  readonly seq: number;
  readonly file: string;
  readonly bytes: Uint8Array;
  /** Answer with the whole entry too, not only the result. */
  readonly whole?: boolean;
  /** Answer with the entry prepared for the entry store of this site (see PreparedDocument). */
  readonly prepare?: SiteConfig;
}

/** A document as the pool takes it: the pool numbers its jobs and sets what to answer. */
export type PoolJob = Pick<ConvertJob, "file" | "bytes">;

export interface ConvertReply {
  readonly seq: number;
  readonly result: ConvertResult;
  /** The entry, when the job asked for it whole and the document converted. */
  readonly entry?: Entry;
  /** The prepared document, when the job asked for one and the document converted. */
  readonly prepared?: PreparedDocument;
}

/** What a converting thread answers to a job; any failure is a rejection naming the file and line. */
export function convertJob(job: ConvertJob): ConvertReply {
  try {
    const entry = convertFile(job.bytes, job.file);
    const result: ConvertResult = {
      ok: true,
      id: entry.id,
      publishedMs: entry.publishedMs,
      updatedMs: entry.updatedMs,
    };
    return { seq: job.seq, result, ...(job.whole ? { entry } : {}) };
  } catch (error) {
    if (error instanceof DocumentError)
      return { seq: job.seq, result: { ok: false, line: error.line, reason: error.reason } };
    // A bug of ours must not cost the other documents their place in the feed.
    const message = error instanceof Error ? error.message : String(error);
    return {
      seq: job.seq,
      result: {
        ok: false,
        line: 1,
        reason: `could not be converted (${message}); please report this with the file attached`,
      },
    };
  }
}

/**
 * What a converting thread answers to a job that asks for the entry prepared: converted as
 * `convertJob` converts, hashed as the entry store hashes documents, its pieces rendered and
 * compressed as an ingest compresses them (the same code, so the same bytes).
 */
export async function prepareJob(job: ConvertJob): Promise<ConvertReply> {
  const reply = convertJob({ ...job, whole: true });
  const { entry, ...rest } = reply;
  if (entry === undefined || job.prepare === undefined) return rest;
  const [documentHash, pieces] = await Promise.all([
    contentHash(job.bytes),
    compressedPieces(entry, job.prepare),
  ]);
  return { ...rest, prepared: { entry, documentHash, compressed: pieces.compressed } };
}

/** Below this many documents to convert, threads cost more to start than they save. */
export const THREADS_FROM = 1000;

/** The threads a build may use: all cores unless told otherwise. */
export function defaultThreads(): number {
  return availableParallelism();
}

/** Old-generation heap of a converting thread; the largest accepted document (8 MiB) fits well. */
const WORKER_HEAP_MB = 192;

/** How long one document may take before its thread is stopped and the document rejected. */
export const DEFAULT_TIME_BUDGET_MS = 20_000;

interface Pending {
  readonly job: ConvertJob;
  readonly resolve: (reply: ConvertReply) => void;
}

/** The converting thread's module, as sources. */
const WORKER_SOURCE = new URL("./convert-worker.ts", import.meta.url);

/** One worker thread and the jobs it holds, oldest (the one it is converting) first. */
interface Slot {
  worker: Worker;
  /** Whether the thread has loaded its code; its start-up does not count against the budget. */
  ready: boolean;
  readonly jobs: Map<number, Pending>;
  watchdog: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Worker threads converting documents; results come back in any order, tagged with their job's seq.
 * A thread that answers nothing for the time budget is stopped: the document it was converting is
 * rejected as too slow, the others it held go to a fresh thread, and the build goes on.
 */
export class ConvertPool {
  private readonly slots: Slot[] = [];
  private closed = false;
  private bundle: WorkerBundle | undefined;
  /** Jobs sent so far: each job's number. */
  private sent = 0;

  /**
   * A pool whose threads run the converting code bundled into one file (cli/worker-bundle), which
   * they load in a fraction of the time the sources take; on the sources when it cannot be bundled.
   * @example const pool = await ConvertPool.start(2); await pool.convert(job); await pool.close();
   */
  static async start(size: number, timeBudgetMs = DEFAULT_TIME_BUDGET_MS): Promise<ConvertPool> {
    const bundle = await bundleWorker(WORKER_SOURCE);
    if (bundle === undefined) return new ConvertPool(size, timeBudgetMs);
    // A bundle is plain JavaScript: its threads need none of this process's loader flags (tsx).
    const pool = new ConvertPool(size, timeBudgetMs, bundle.url, []);
    pool.bundle = bundle;
    return pool;
  }

  /**
   * @param script the worker module (tests give one that can be made to hang); it posts "ready" once
   *   loaded, then answers each ConvertJob with a ConvertReply.
   * @param execArgv the threads' Node options; by default this process's.
   */
  constructor(
    size: number,
    private readonly timeBudgetMs = DEFAULT_TIME_BUDGET_MS,
    private readonly script: URL = WORKER_SOURCE,
    private readonly execArgv?: string[],
  ) {
    for (let i = 0; i < size; i++) {
      const slot: Slot = {
        worker: this.spawn(() => slot),
        ready: false,
        jobs: new Map(),
        watchdog: undefined,
      };
      this.slots.push(slot);
    }
  }

  private spawn(slotOf: () => Slot): Worker {
    // A converting thread needs little heap (one document at a time); a cap makes V8 collect early
    // instead of letting each thread's memory drift up while the archive's size grows.
    const worker = new Worker(this.script, {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      ...(this.execArgv ? { execArgv: this.execArgv } : {}),
    });
    worker.on("message", (reply: ConvertReply | "ready") => {
      const slot = slotOf();
      if (reply === "ready") {
        slot.ready = true;
        this.arm(slot);
        return;
      }
      const pending = slot.jobs.get(reply.seq);
      slot.jobs.delete(reply.seq);
      this.arm(slot);
      pending?.resolve(reply);
    });
    worker.on("error", (error) => {
      const slot = slotOf();
      if (slot.worker !== worker) return;
      this.fail(
        slot,
        `could not be converted (the converting thread failed: ${error.message}); please report this with the file attached`,
      );
    });
    return worker;
  }

  /** (Re)starts the slot's watchdog while it holds jobs. */
  private arm(slot: Slot): void {
    if (slot.watchdog !== undefined) clearTimeout(slot.watchdog);
    slot.watchdog = undefined;
    if (slot.jobs.size === 0 || !slot.ready || this.closed) return;
    slot.watchdog = setTimeout(() => {
      this.fail(
        slot,
        `took longer than ${this.timeBudgetMs} ms to convert and was stopped; simplify or split the document`,
      );
    }, this.timeBudgetMs);
  }

  /** Rejects the job the slot was converting, replaces its thread, and hands it the other jobs again. */
  private fail(slot: Slot, reason: string): void {
    const [stuck, ...rest] = slot.jobs.values();
    slot.jobs.clear();
    void slot.worker.terminate();
    slot.worker = this.spawn(() => slot);
    slot.ready = false;
    stuck?.resolve({ seq: stuck.job.seq, result: { ok: false, line: 1, reason } });
    for (const pending of rest) this.send(slot, pending);
  }

  private send(slot: Slot, pending: Pending): void {
    slot.jobs.set(pending.job.seq, pending);
    // Copied, not moved: a job may have to be sent again to a fresh thread.
    slot.worker.postMessage(pending.job);
    if (slot.jobs.size === 1) this.arm(slot);
  }

  /** Converts in the least busy thread. */
  async convert(job: PoolJob): Promise<ConvertResult> {
    return (await this.request(job)).result;
  }

  /**
   * Converts in the least busy thread and answers with the whole entry; undefined when the document
   * does not convert.
   */
  async convertWhole(job: PoolJob): Promise<Entry | undefined> {
    return (await this.request({ ...job, whole: true })).entry;
  }

  /**
   * Converts in the least busy thread and prepares the document for the entry store of the site
   * `config` describes, as ingestDocuments takes it (IngestOptions.prepared).
   * @throws DocumentError naming the file and line when the document does not convert.
   */
  async prepare(job: PoolJob, config: SiteConfig): Promise<PreparedDocument> {
    const reply = await this.request({ ...job, prepare: config });
    if (reply.prepared) return reply.prepared;
    if (!reply.result.ok) throw new DocumentError(job.file, reply.result.line, reply.result.reason);
    throw new Error(`the converting thread prepared nothing for ${job.file}`);
  }

  /** Sends to the least busy thread, numbered by the pool: replies are matched by that number. */
  private request(job: Omit<ConvertJob, "seq">): Promise<ConvertReply> {
    let target = this.slots[0] as Slot;
    for (const slot of this.slots) if (slot.jobs.size < target.jobs.size) target = slot;
    const numbered = { ...job, seq: this.sent++ };
    return new Promise((resolve) => this.send(target, { job: numbered, resolve }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const slot of this.slots) if (slot.watchdog !== undefined) clearTimeout(slot.watchdog);
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
    await this.bundle?.dispose();
  }
}
