/**
 * @module cli/convert-worker — the worker thread behind ConvertPool: converts what it is sent, and
 * keeps the newest entries it made until the pool asks for them.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Entry } from "../entry.js";
import {
  type ConvertJob,
  type ConvertReply,
  type ConvertWorkerData,
  convertToResult,
  NEWEST_REQUEST,
  type NewestReply,
} from "./convert.js";
import { NewestEntries } from "./newest-entries.js";

const newest = new NewestEntries((workerData as ConvertWorkerData | undefined)?.keepNewest ?? 0);
const keep = (entry: Entry) => newest.offer(entry);

parentPort?.on("message", (message: ConvertJob | typeof NEWEST_REQUEST) => {
  if (message === NEWEST_REQUEST) {
    const reply: NewestReply = { newest: newest.entries };
    parentPort?.postMessage(reply);
    return;
  }
  const reply: ConvertReply = {
    seq: message.seq,
    result: convertToResult(message.bytes, message.file, keep),
  };
  parentPort?.postMessage(reply);
});

// Imports are loaded by now: from here on, time spent counts against each document's budget.
parentPort?.postMessage("ready");
