import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listSeedFiles } from "../src/cli/seeds.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "edgefeed-seeds-"));
  await mkdir(path.join(dir, "2021/12"), { recursive: true });
  for (const file of ["a.txt", "2021/b.TXT", "2021/12/c.txt", "2021/12/notes.md"])
    await writeFile(path.join(dir, file), "x");
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("listSeedFiles", () => {
  it("lists the same files below the folder however its path is written (./seeds, seeds/, absolute)", async () => {
    const relative = path.relative(process.cwd(), dir);
    const expected = ["2021/12/c.txt", "2021/b.TXT", "a.txt"];
    for (const written of [
      dir,
      `${dir}/`,
      relative,
      `./${relative}`,
      `${relative}/`,
      `./${relative}/`,
    ])
      expect(await listSeedFiles(written), written).toEqual(expected);
  });
});
