/**
 * @module cli/seeds — finds the documents of an archive: every `*.txt` below the seeds folder.
 */
import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { EdgefeedError } from "../errors.js";

/**
 * Every `*.txt` file below `dir` (subfolders included), as paths relative to `dir` with "/" separators,
 * sorted so that every machine reads them in the same order.
 * @example await listSeedFiles("seeds") // ["000_2cee1c3ee14bd78d.txt", "2021/12/a.txt"]
 */
export async function listSeedFiles(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (cause) {
    throw new EdgefeedError(
      `cannot read the seeds folder "${dir}" (${(cause as Error).message}); pass --seeds DIR`,
    );
  }
  // readdir gives the top folder as `dir` was written and subfolders normalized ("./seeds" lists
  // "seeds/2021"), so each folder is made relative once (path.relative on each of 100,000 files
  // cost a third of a second; there are a hundred files or so per folder).
  const folders = new Map<string, string>();
  const folderOf = (parent: string) => {
    let folder = folders.get(parent);
    if (folder === undefined) {
      folder = path.relative(dir, parent).split(path.sep).join("/");
      folders.set(parent, folder);
    }
    return folder;
  };
  return entries
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith(".txt"))
    .map((entry) => {
      const folder = folderOf(entry.parentPath);
      return folder === "" ? entry.name : `${folder}/${entry.name}`;
    })
    .sort();
}
