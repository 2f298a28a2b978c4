/**
 * @module cli/write-atomic — writes a file so that a reader never sees it half-written.
 */
import { rename, writeFile } from "node:fs/promises";

/**
 * Writes `body` to a temporary file beside `file`, then renames it over `file`.
 * @example await writeFileAtomic("out/feed.atom", xml)
 */
export async function writeFileAtomic(file: string, body: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, body);
  await rename(temporary, file);
}
