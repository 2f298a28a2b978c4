/**
 * @module cli/site-config — reads the site's settings from wrangler.toml [vars], as the worker sees them.
 */
import { readFile } from "node:fs/promises";
import { parse as parseToml } from "smol-toml";
import { readSiteConfig, type SiteConfig } from "../config.js";
import { ConfigError } from "../errors.js";

/**
 * Reads `[vars]` from a wrangler.toml and checks them.
 * @throws ConfigError naming the file and the key.
 * @example await readSiteConfigFile("wrangler.toml") // { siteUrl: "http://localhost:8787/", … }
 */
export async function readSiteConfigFile(path: string): Promise<SiteConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new ConfigError(
      path,
      `cannot be read (${(cause as Error).message}); run from the project folder or pass --config`,
    );
  }
  let toml: Record<string, unknown>;
  try {
    toml = parseToml(text) as Record<string, unknown>;
  } catch (cause) {
    throw new ConfigError(path, `is not valid TOML: ${(cause as Error).message}`);
  }
  const vars = toml.vars;
  if (typeof vars !== "object" || vars === null)
    throw new ConfigError(path, "has no [vars] table with the site's settings");
  try {
    return readSiteConfig(vars as Record<string, unknown>);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new ConfigError(`${path} [vars] ${error.key}`, error.reason);
    throw error;
  }
}
