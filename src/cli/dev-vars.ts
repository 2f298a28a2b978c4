/**
 * @module cli/dev-vars — the ingest token in `.dev.vars`, the local secrets file `wrangler dev` reads
 * (`npm start` writes one when missing; `npm run publish` and the end-to-end tests read it).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

/**
 * The INGEST_TOKEN of the `.dev.vars` in a folder, or undefined when there is none.
 * @example await readDevVarsToken(".") // "q3…"
 */
export async function readDevVarsToken(dir: string): Promise<string | undefined> {
  let vars: string;
  try {
    vars = await readFile(path.join(dir, ".dev.vars"), "utf8");
  } catch {
    return undefined;
  }
  const match = /^INGEST_TOKEN\s*=\s*"?([^"\n]+)"?\s*$/m.exec(vars);
  return match?.[1]?.trim() || undefined;
}
