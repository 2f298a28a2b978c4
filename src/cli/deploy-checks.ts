/**
 * @module cli/deploy-checks — what `npm run deploy` checks and prepares: the bundle's size against
 * Cloudflare's limits, and a config that points the FEEDS binding at the account's namespace.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { parse as parseToml } from "smol-toml";
import { EdgefeedError } from "../errors.js";

/** Cloudflare's limits on a worker's compressed size (developers.cloudflare.com/workers/platform/limits). */
export const BUNDLE_LIMITS = [
  { plan: "Workers Free", bytes: 3 * 1024 * 1024 },
  { plan: "Workers Paid", bytes: 10 * 1024 * 1024 },
] as const;

/** The placeholder ids wrangler.toml ships with (KV's, D1's with dashes): fine locally, refused by Cloudflare. */
const PLACEHOLDER_ID = /^[0-]+$/;

export interface BundleSize {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const mib = (bytes: number): string => `${bytes / 1024 / 1024} MiB`;

/** The size of the bundle `wrangler deploy --dry-run --outdir` wrote (its .js modules, maps aside). */
export async function measureBundle(outdir: string): Promise<BundleSize> {
  const modules = (await readdir(outdir)).filter((f) => /\.m?js$/.test(f));
  let bytes = 0;
  let gzipBytes = 0;
  for (const file of modules) {
    const content = await readFile(path.join(outdir, file));
    bytes += content.byteLength;
    gzipBytes += gzipSync(content, { level: 9 }).byteLength;
  }
  if (modules.length === 0) throw new EdgefeedError(`no bundle was written to ${outdir}`);
  return { file: modules.join(", "), bytes, gzipBytes };
}

/**
 * One line per limit: how much of it the bundle uses.
 * @example formatBundleSize({ file: "index.js", bytes: 100697, gzipBytes: 27123 })
 */
export function formatBundleSize(size: BundleSize): string[] {
  return [
    `bundle ${size.file}: ${kib(size.bytes)}, ${kib(size.gzipBytes)} gzipped`,
    ...BUNDLE_LIMITS.map(
      (limit) =>
        `  ${limit.plan}: ${((size.gzipBytes / limit.bytes) * 100).toFixed(2)}% of ${mib(limit.bytes)} (compressed)`,
    ),
  ];
}

/**
 * A copy of the wrangler config whose FEEDS and ENTRIES bindings are remote, so getPlatformProxy loads
 * the seeds into the account's database and publishes to its namespace instead of local state. Checks
 * the namespace's and the entry database's ids were set (a deployed worker with the placeholder D1 id
 * would fail every ingest).
 */
export async function writeRemotePublishConfig(configPath: string, dir: string): Promise<string> {
  const toml = parseToml(await readFile(configPath, "utf8")) as Record<string, unknown>;
  const namespaces = (toml.kv_namespaces ?? []) as Record<string, unknown>[];
  const feeds = namespaces.find((ns) => ns.binding === "FEEDS");
  if (!feeds || typeof feeds.id !== "string" || PLACEHOLDER_ID.test(feeds.id)) {
    throw new EdgefeedError(
      `${configPath}: set [[kv_namespaces]] id for FEEDS to your namespace's id first ` +
        "(npx wrangler kv namespace create FEEDS prints it; see README, Deploy)",
    );
  }
  const databases = (toml.d1_databases ?? []) as Record<string, unknown>[];
  const entries = databases.find((db) => db.binding === "ENTRIES");
  if (
    !entries ||
    typeof entries.database_id !== "string" ||
    PLACEHOLDER_ID.test(entries.database_id)
  ) {
    throw new EdgefeedError(
      `${configPath}: set [[d1_databases]] database_id for ENTRIES to your database's id first ` +
        "(npx wrangler d1 create edgefeed-entries prints it; see README, Deploy)",
    );
  }
  const remote = {
    ...toml,
    main: path.resolve(path.dirname(configPath), String(toml.main)),
    kv_namespaces: namespaces.map((ns) => (ns === feeds ? { ...ns, remote: true } : ns)),
    d1_databases: databases.map((db) => (db === entries ? { ...db, remote: true } : db)),
  };
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, "wrangler.publish.json");
  await writeFile(file, `${JSON.stringify(remote, null, 2)}\n`);
  return file;
}
