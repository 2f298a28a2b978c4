/**
 * @module cli/local-stack — starts `npm start` as a user does (for end-to-end tests, load tests and the
 * benchmark), on a free port with its own state and output folders, and stops
 * it (its whole process group: npm, tsx, wrangler, workerd) when the test is done.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

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

/** Runs `npm start -- --port P --out TMP --persist-to TMP` and waits until it serves. */
export async function startLocalStack(
  timeoutMs = 90_000,
  options: { seeds?: string } = {},
): Promise<LocalStack> {
  const work = await mkdtemp(path.join(tmpdir(), "edgefeed-e2e-"));
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
    startupMs: Date.now() - started,
    processGroup: child.pid as number,
    stop,
  };
}
