/**
 * @module cli/fingerprint — digests of what the CLI's results depend on besides the documents: the
 * source under src/, the exact dependency versions (package-lock.json) and the site's settings. The
 * build cache is dropped when its fingerprint changes; `npm start` and `npm run deploy` publish every
 * document again only when theirs differs from the live version's.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { SiteConfig } from "../config.js";

/** The checkout this CLI runs from (its src/ and package-lock.json). */
export const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Source that cannot change what a document converts to (its entry key or its rejection): the
 * renderers, the worker, storage and the CLI. Everything else under src/ is in the build's
 * fingerprint, so a new conversion module is covered without being listed.
 */
const NOT_CONVERSION =
  /^(cli|worker|store|api|render)\/|^(publish|site|pieces|gzip-join|websub|bytes|lru)\.ts$/;

/** Hashes the .ts files under `dir` that `covers` (by path relative to it, with "/"), in path order. */
async function hashTree(
  dir: string,
  hash: ReturnType<typeof createHash>,
  covers: (relative: string) => boolean,
): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .filter(covers)
    .sort();
  // Line endings as git stores them: a checkout with CRLF (Windows' autocrlf) has the same source.
  for (const file of files)
    hash
      .update(`/${file}`)
      .update((await readFile(path.join(dir, file), "utf8")).replaceAll("\r\n", "\n"));
}

async function fingerprint(
  config: SiteConfig,
  projectRoot: string,
  covers: (relative: string) => boolean,
): Promise<string> {
  const hash = createHash("sha256");
  await hashTree(path.join(projectRoot, "src"), hash, covers);
  try {
    hash.update(await readFile(path.join(projectRoot, "package-lock.json")));
  } catch {
    hash.update("no lockfile");
  }
  hash.update(JSON.stringify(config));
  return hash.digest("hex");
}

/**
 * What the build cache's results depend on: the conversion code, the exact dependency versions (a
 * new cheerio may clean differently) and the site's settings.
 * @example await buildFingerprint(config, PROJECT_ROOT) // "3f1c…" (64 hex digits)
 */
export function buildFingerprint(config: SiteConfig, projectRoot: string): Promise<string> {
  return fingerprint(config, projectRoot, (relative) => !NOT_CONVERSION.test(relative));
}

/**
 * What a published site depends on besides its entries: all the source (renderers, publishing,
 * storage, the worker), the dependency versions and the settings; 16 hex digits, recorded in the
 * manifest as its `sourceKey` (see SitePublishOptions.sourceKey).
 * @example await publishFingerprint(config, PROJECT_ROOT) // "9b02c4e1d7a85f36"
 */
export async function publishFingerprint(config: SiteConfig, projectRoot: string): Promise<string> {
  return (await fingerprint(config, projectRoot, () => true)).slice(0, 16);
}
