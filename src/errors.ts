/**
 * @module errors — the one error family of edgefeed; every error names the input it is about.
 */

/** Base class: anything edgefeed throws on purpose. */
export class EdgefeedError extends Error {
  override name = "EdgefeedError";
}

/**
 * A seed document that cannot be published: names the file, the 1-based line, and what is wrong.
 * @example new DocumentError("seeds/a.txt", 1, 'expected an epoch-ms timestamp like <!--1639594666000-->, got "17a8"')
 */
export class DocumentError extends EdgefeedError {
  override name = "DocumentError";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}:${line}: ${reason}`, options);
  }
}

/** A configuration value (wrangler.toml [vars] or worker env) that is missing or malformed. */
export class ConfigError extends EdgefeedError {
  override name = "ConfigError";
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`config ${key}: ${reason}`);
  }
}
