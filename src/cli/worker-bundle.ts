/**
 * @module cli/worker-bundle — a converting thread's code as one plain JavaScript file, made with
 * esbuild when a pool starts. A thread started on the TypeScript sources loads tsx's loader and
 * resolves and transforms every module once more: here two such threads took 0.75 s before their
 * first document and 1.4 s of CPU, a tenth of a 10,000-document build; started on the bundle, 0.13 s
 * and 0.25 s. Without esbuild, or when bundling fails, threads start on the sources as before.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** A bundled worker script, removed by `dispose`. */
export interface WorkerBundle {
  readonly url: URL;
  dispose(): Promise<void>;
}

/** Lets bundled CommonJS dependencies `require` Node's built-in modules from an ES module. */
const REQUIRE_SHIM =
  "import { createRequire as __edgefeedRequire } from 'node:module'; const require = __edgefeedRequire(import.meta.url);";

/**
 * Bundles the worker module at `entry` with everything it imports into a temporary folder; undefined
 * when esbuild is not installed or cannot bundle it (the caller starts threads on the sources).
 * @example const bundle = await bundleWorker(new URL("./convert-worker.ts", import.meta.url))
 */
export async function bundleWorker(entry: URL): Promise<WorkerBundle | undefined> {
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch {
    return undefined;
  }
  const dir = await mkdtemp(path.join(tmpdir(), "edgefeed-worker-"));
  const outfile = path.join(dir, "worker.mjs");
  try {
    await esbuild.build({
      entryPoints: [fileURLToPath(entry)],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      banner: { js: REQUIRE_SHIM },
      logLevel: "silent",
    });
  } catch {
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    url: pathToFileURL(outfile),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
