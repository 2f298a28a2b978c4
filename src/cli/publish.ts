/**
 * @module cli/publish — `npm run publish -- --to URL`: sends the seeds to a running worker's ingest API
 * (local or deployed) in batches, with progress, and prints what became of each document.
 *
 * usage: tsx src/cli/publish.ts --to URL [--seeds DIR] [--token TOKEN] [--batch N]
 *   the token comes from --token, else $EDGEFEED_TOKEN, else INGEST_TOKEN in .dev.vars
 */
import { parseArgs } from "node:util";
import type { IngestResult } from "../api/ingest.js";
import { EdgefeedError } from "../errors.js";
import { readDevVarsToken } from "./dev-vars.js";
import { readSeedBatches } from "./publish-seeds.js";
import { runCommand } from "./run-command.js";

/** Documents per request: well under the API's 500-document and 16 MiB limits for news articles. */
const DEFAULT_BATCH = 50;

async function tokenFrom(option: string | undefined): Promise<string> {
  if (option) return option;
  if (process.env.EDGEFEED_TOKEN) return process.env.EDGEFEED_TOKEN;
  const fromDevVars = await readDevVarsToken(".");
  if (fromDevVars) return fromDevVars;
  throw new EdgefeedError(
    "no token: pass --token, set EDGEFEED_TOKEN, or run `npm start` once to write .dev.vars",
  );
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      to: { type: "string" },
      seeds: { type: "string", default: "seeds" },
      token: { type: "string" },
      batch: { type: "string", default: String(DEFAULT_BATCH) },
    },
    strict: true,
  });
  if (!values.to) throw new EdgefeedError("--to URL is required, e.g. --to http://127.0.0.1:8787");
  const endpoint = new URL("/api/documents", values.to).href;
  const batch = Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 500)
    throw new EdgefeedError(`--batch expects 1 to 500, got "${values.batch}"`);
  const token = await tokenFrom(values.token);
  const counts: Record<IngestResult["status"], number> = {
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
  };
  let sent = 0;
  // One request's documents in memory at a time, however large the folder.
  for await (const { documents: slice, done, total } of readSeedBatches(values.seeds, batch)) {
    // Multipart file parts carry each document's bytes as they are: a GBK or windows-1252 document is
    // decoded by the worker from its declared charset, as the build does, never re-encoded here.
    const body = new FormData();
    for (const doc of slice) body.append("document", new Blob([doc.bytes]), doc.name);
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
      body,
    });
    if (response.status !== 200 && response.status !== 422)
      throw new EdgefeedError(
        `POST ${endpoint} answered ${response.status}: ${(await response.text()).trim()}`,
      );
    const answer = (await response.json()) as { documents: IngestResult[] };
    for (const result of answer.documents) {
      counts[result.status]++;
      const detail = result.error ?? `${result.id}${result.note ? ` (${result.note})` : ""}`;
      console.log(
        `${result.status.padEnd(9)} ${result.status === "rejected" ? "" : `${result.name} → `}${detail}`,
      );
    }
    console.error(`progress: ${done}/${total}`);
    sent = done;
  }
  console.log(
    `sent ${sent} to ${endpoint}: created ${counts.created}, updated ${counts.updated}, unchanged ${counts.unchanged}, rejected ${counts.rejected}`,
  );
  return counts.rejected > 0 ? 1 : 0;
}

await runCommand("publish", main);
