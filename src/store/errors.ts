/**
 * @module store/errors — what goes wrong with edge storage, naming the key involved.
 */
import { EdgefeedError } from "../errors.js";

/**
 * Storage that failed or holds something unreadable: names the key, what is wrong, and keeps the cause.
 * @example new StoreError("site/current", "does not hold JSON")
 */
export class StoreError extends EdgefeedError {
  override name = "StoreError";
  constructor(
    readonly key: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`KV key ${key}: ${reason}`, options);
  }
}
