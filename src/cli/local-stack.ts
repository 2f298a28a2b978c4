/**
 * @module cli/local-stack — starts `npm start` as a user does (for end-to-end tests, load tests and the
 * benchmark), on a free port with its own state and output folders, and stops
 * it (its whole process group: npm, tsx, wrangler, workerd) when the test is done.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { readDevVarsToken } from "./dev-vars.js";

export const ROOT = path.resolve(import.meta.dirname, "../..");

/** A port nothing listens on right now, on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface LocalStack {
  readonly origin: string;
  /** The folder the build wrote its documents to. */
  readonly outDir: string;
  /** Everything the stack printed so far. */
  log(): string;
  /** The ingest API's token: INGEST_TOKEN of the `.dev.vars` beside the config the stack runs with. */
  ingestToken(): Promise<string>;
  /** Milliseconds from spawning `npm start` until /health answered 200. */
  readonly startupMs: number;
  /** The process group of npm and everything it started (wrangler, workerd). */
  readonly processGroup: number;
  stop(): Promise<void>;
}

async function waitForHealth(origin: string, child: ChildProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`npm start did not answer ${origin}/health in time`);
}

/** Whether any process of the group is still running (signal 0 only checks). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until every process of the group (npm, tsx, wrangler, workerd) has exited. */
async function groupEnded(pgid: number, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function waitForClosed(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (!open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`something still listens on 127.0.0.1:${port} after npm start was stopped`);
}

export interface LocalStackOptions {
  /** Seeds folder; default `seeds/`. */
  readonly seeds?: string;
  /**
   * `[vars]` that override wrangler.toml's (e.g. WEBSUB_HUB): the stack then runs with a copy of the
   * config in its own folder, with the repository's `.dev.vars` beside it when there is one.
   */
  readonly vars?: Readonly<Record<string, string>>;
}

/** A copy of wrangler.toml in `dir` with some [vars] replaced; returns its path. */
async function writeConfigCopy(
  dir: string,
  vars: Readonly<Record<string, string>>,
): Promise<string> {
  const toml = parseToml(await readFile(path.join(ROOT, "wrangler.toml"), "utf8"));
  const copy = {
    ...toml,
    main: path.resolve(ROOT, String(toml.main)),
    vars: { ...(toml.vars as Record<string, unknown>), ...vars },
  };
  const file = path.join(dir, "wrangler.toml");
  await writeFile(file, stringifyToml(copy));
  await copyFile(path.join(ROOT, ".dev.vars"), path.join(dir, ".dev.vars")).catch(() => {
    // None yet: npm start writes one beside the copy.
  });
  return file;
}

/** Runs `npm start -- --port P --out TMP --persist-to TMP` and waits until it serves. */
export async function startLocalStack(
  timeoutMs = 90_000,
  options: LocalStackOptions = {},
): Promise<LocalStack> {
  const work = await mkdtemp(path.join(tmpdir(), "edgefeed-e2e-"));
  const config = options.vars ? await writeConfigCopy(work, options.vars) : undefined;
  const outDir = path.join(work, "out");
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const child = spawn(
    "npm",
    [
      "start",
      "--silent",
      "--",
      "--port",
      String(port),
      "--out",
      outDir,
      "--persist-to",
      path.join(work, "state"),
      ...(options.seeds ? ["--seeds", options.seeds] : []),
      ...(config ? ["--config", config] : []),
    ],
    {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "true" },
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });

  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && groupAlive(child.pid)) {
      // The negative pid names the process group that `detached` gave npm and all it started.
      process.kill(-child.pid, "SIGTERM");
      if (!(await groupEnded(child.pid, Date.now() + 10_000))) process.kill(-child.pid, "SIGKILL");
      await groupEnded(child.pid, Date.now() + 5_000);
      await waitForClosed(port, Date.now() + 5_000);
    }
    await rm(work, { recursive: true, force: true });
  };

  try {
    await waitForHealth(origin, child, started + timeoutMs);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- npm start printed ---\n${output}`);
  }
  return {
    origin,
    outDir,
    log: () => output,
    ingestToken: async () => {
      const token = await readDevVarsToken(config ? work : ROOT);
      if (!token) throw new Error("npm start left no .dev.vars with an INGEST_TOKEN");
      return token;
    },
    startupMs: Date.now() - started,
    processGroup: child.pid as number,
    stop,
  };
}
