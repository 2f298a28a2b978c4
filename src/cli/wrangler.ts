/**
 * @module cli/wrangler — runs the project's own wrangler with the same Node as this process, quietly:
 * no telemetry, no error reports, no lookups of Cloudflare's hosts in local mode.
 */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

/** The environment every wrangler run of ours gets (and this process, before it loads wrangler). */
export const QUIET_WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  // The banner asks the npm registry for a newer wrangler: no network unless deploying.
  WRANGLER_HIDE_BANNER: "true",
} as const;

/** Makes this process's own use of wrangler's API (getPlatformProxy) as quiet as its CLI runs. */
export function quietWrangler(): void {
  Object.assign(process.env, QUIET_WRANGLER_ENV);
}

/** The path of wrangler's CLI script in node_modules (its package exports only package.json). */
export function wranglerBin(): string {
  const manifest = createRequire(import.meta.url).resolve("wrangler/package.json");
  return path.join(path.dirname(manifest), "bin", "wrangler.js");
}

export interface WranglerOptions extends Omit<SpawnOptions, "env"> {
  /** Variables added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Starts `wrangler <args>` with this Node (wrangler needs Node ≥ 22; the project's own is), quiet.
 * @example spawnWrangler(["deploy", "--dry-run", "--outdir", "dist"], { stdio: "inherit" })
 */
export function spawnWrangler(
  args: readonly string[],
  options: WranglerOptions = {},
): ChildProcess {
  return spawn(process.execPath, [wranglerBin(), ...args], {
    ...options,
    env: { ...process.env, ...options.env, ...QUIET_WRANGLER_ENV },
  });
}

/** Runs wrangler to its end; resolves with its exit code (signals count as failure). */
export function runWrangler(
  args: readonly string[],
  options: WranglerOptions = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawnWrangler(args, { stdio: "inherit", ...options });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? 1));
  });
}
