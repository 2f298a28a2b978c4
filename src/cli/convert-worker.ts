/**
 * @module cli/convert-worker — the worker thread behind ConvertPool: converts what it is sent.
 */
import { parentPort } from "node:worker_threads";
import { type ConvertJob, type ConvertReply, convertToResult } from "./convert.js";

parentPort?.on("message", (job: ConvertJob) => {
  const reply: ConvertReply = { seq: job.seq, result: convertToResult(job.bytes, job.file) };
  parentPort?.postMessage(reply);
});

// Imports are loaded by now: from here on, time spent counts against each document's budget.
parentPort?.postMessage("ready");
