/**
 * @module cli/convert-worker — the worker thread behind ConvertPool: converts what it is sent.
 */
import { parentPort } from "node:worker_threads";
import type { Entry } from "../entry.js";
import { type ConvertJob, type ConvertReply, convertToResult } from "./convert.js";

parentPort?.on("message", (job: ConvertJob) => {
  let entry: Entry | undefined;
  const keep = job.whole
    ? (made: Entry) => {
        entry = made;
      }
    : undefined;
  const result = convertToResult(job.bytes, job.file, keep);
  const reply: ConvertReply = { seq: job.seq, result, ...(entry ? { entry } : {}) };
  parentPort?.postMessage(reply);
});

// Imports are loaded by now: from here on, time spent counts against each document's budget.
parentPort?.postMessage("ready");
