/**
 * @module cli/convert-worker — the worker thread behind ConvertPool: converts what it is sent.
 */
import { parentPort } from "node:worker_threads";
import { type ConvertJob, convertJob, prepareJob } from "./convert.js";

parentPort?.on("message", async (job: ConvertJob) => {
  parentPort?.postMessage(job.prepare ? await prepareJob(job) : convertJob(job));
});

// Imports are loaded by now: from here on, time spent counts against each document's budget.
parentPort?.postMessage("ready");
