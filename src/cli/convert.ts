/**
 * @module cli/convert — converts one document to the small result a build keeps (entry key or
 * rejection), inline or in a pool of worker threads that use every core.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { DocumentError } from "../errors.js";
import { convertDocument } from "../pipeline.js";
import type { ConvertResult } from "./build-cache.js";

/**
 * Converts one document, turning any failure into a rejection that names the file and line.
 * @example convertToResult(bytes, "seeds/a.txt") // { ok: true, id: "https://…", publishedMs: …, updatedMs: … }
 */
export function convertToResult(bytes: Uint8Array, file: string): ConvertResult {
  try {
    const entry = convertDocument(bytes, file);
    return { ok: true, id: entry.id, publishedMs: entry.publishedMs, updatedMs: entry.updatedMs };
  } catch (error) {
    if (error instanceof DocumentError)
      return { ok: false, line: error.line, reason: error.reason };
    // A bug of ours must not cost the other documents their place in the feed.
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      line: 1,
      reason: `could not be converted (${message}); please report this with the file attached`,
    };
  }
}

export interface ConvertJob {
  readonly seq: number;
  readonly file: string;
  readonly bytes: Uint8Array;
}

export interface ConvertReply {
  readonly seq: number;
  readonly result: ConvertResult;
}

/** The threads a build may use: all cores unless told otherwise. */
export function defaultThreads(): number {
  return availableParallelism();
}

/** Worker threads converting documents; results come back in any order, tagged with their job's seq. */
export class ConvertPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, (result: ConvertResult) => void>();
  private readonly load: number[] = [];

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL("./convert-worker.ts", import.meta.url));
      worker.on("message", (reply: ConvertReply) => {
        this.load[i] = (this.load[i] ?? 1) - 1;
        this.pending.get(reply.seq)?.(reply.result);
        this.pending.delete(reply.seq);
      });
      worker.on("error", (error) => {
        for (const resolve of this.pending.values()) {
          resolve({
            ok: false,
            line: 1,
            reason: `could not be converted (worker failed: ${error.message})`,
          });
        }
        this.pending.clear();
      });
      this.workers.push(worker);
      this.load.push(0);
    }
  }

  /** Documents waiting or being converted. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Converts in the least busy worker; the bytes are moved there, not copied. */
  convert(job: ConvertJob): Promise<ConvertResult> {
    let target = 0;
    for (let i = 1; i < this.load.length; i++)
      if ((this.load[i] ?? 0) < (this.load[target] ?? 0)) target = i;
    this.load[target] = (this.load[target] ?? 0) + 1;
    return new Promise((resolve) => {
      this.pending.set(job.seq, resolve);
      const buffer = job.bytes.buffer as ArrayBuffer;
      (this.workers[target] as Worker).postMessage(job, [buffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
