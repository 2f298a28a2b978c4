/**
 * @module cli/worker-profiler — the CPU time the worker's isolate spends on one request, measured
 * inside workerd: the V8 sampling profiler of `wrangler dev --inspector-port` (Chrome DevTools Protocol
 * `Profiler.start`/`stop`), as Cloudflare's docs suggest for profiling CPU locally.
 *
 * V8 samples the isolate only while workerd runs it; while the isolate waits for I/O (D1, KV) its
 * samples are skipped or say `(idle)`, and the next sample's time delta spans the whole wait. So each
 * sample counts for at most MAX_SAMPLE_US (two sampling intervals), and `(idle)` samples not at all:
 * what is left is time the isolate was executing — JavaScript, the runtime's native work on its behalf
 * (`(program)`: gzip, SHA-256, copies) and garbage collection.
 */

/** The profiler's sampling interval: fine enough for requests of a few milliseconds. */
export const SAMPLING_INTERVAL_US = 100;
/** A sample never stands for more than this: longer deltas span a wait the isolate was not running. */
const MAX_SAMPLE_US = 2 * SAMPLING_INTERVAL_US;

/** The part of a Chrome DevTools Protocol CPU profile this module reads. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url?: string };
  }>;
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** What one profiled request cost the isolate, in milliseconds. */
export interface CpuSample {
  /** Executing: JavaScript, native runtime work and garbage collection. */
  readonly cpuMs: number;
  /** Of which garbage collection. */
  readonly gcMs: number;
  /** Wall time of the profile window. */
  readonly wallMs: number;
  /** The functions that took most of it, by self time (ms), for finding where CPU goes. */
  readonly top: ReadonlyArray<readonly [string, number]>;
}

/**
 * Sums a profile's executing time (see the module comment).
 * @example summarizeProfile(profile).cpuMs // 7.4
 */
export function summarizeProfile(profile: CpuProfile, topCount = 8): CpuSample {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let cpuUs = 0;
  let gcUs = 0;
  const bySelf = new Map<string, number>();
  for (let i = 0; i < samples.length; i++) {
    const frame = nodes.get(samples[i] ?? -1);
    const name = frame?.functionName || "(anonymous)";
    if (name === "(idle)") continue;
    const us = Math.min(Math.max(deltas[i] ?? 0, 0), MAX_SAMPLE_US);
    cpuUs += us;
    if (name === "(garbage collector)") gcUs += us;
    const file = frame?.url ? ` ${frame.url.split("/").pop()}` : "";
    bySelf.set(`${name}${file}`, (bySelf.get(`${name}${file}`) ?? 0) + us);
  }
  const top = [...bySelf]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topCount)
    .map(([name, us]) => [name, us / 1000] as const);
  return {
    cpuMs: cpuUs / 1000,
    gcMs: gcUs / 1000,
    wallMs: (profile.endTime - profile.startTime) / 1000,
    top,
  };
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** A DevTools Protocol session with the worker's isolate, through wrangler's inspector proxy. */
export class WorkerProfiler {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiting || message.id === undefined) return;
      this.pending.delete(message.id);
      if (message.error) waiting.reject(new Error(`inspector: ${message.error.message}`));
      else waiting.resolve(message.result);
    });
    socket.addEventListener("close", () => {
      for (const waiting of this.pending.values())
        waiting.reject(new Error("inspector: the connection closed"));
      this.pending.clear();
    });
  }

  /**
   * Connects to the worker's isolate at wrangler's inspector port (127.0.0.1).
   * @example const profiler = await WorkerProfiler.connect(9229)
   */
  static async connect(port: number): Promise<WorkerProfiler> {
    const list = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{
      webSocketDebuggerUrl: string;
    }>;
    const url = list[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error(`inspector on 127.0.0.1:${port}: no worker to profile`);
    // The proxy accepts DevTools clients from localhost origins only; Node's WebSocket (undici) takes
    // headers as an extension of the standard constructor.
    const socket = new WebSocket(url, {
      headers: { origin: "http://localhost" },
    } as unknown as string[]);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener(
        "error",
        () => reject(new Error(`inspector ${url}: cannot connect`)),
        {
          once: true,
        },
      );
    });
    const profiler = new WorkerProfiler(socket);
    await profiler.send("Profiler.enable");
    await profiler.send("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
    return profiler;
  }

  private send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /**
   * Runs `work` (which sends one request to the worker and reads its answer) under the profiler.
   * @example const { cpuMs } = await profiler.measure(() => fetch(url).then((r) => r.arrayBuffer()))
   */
  async measure<T>(
    work: () => Promise<T>,
  ): Promise<{ value: T; sample: CpuSample; profile: CpuProfile }> {
    await this.send("Profiler.start");
    let value: T;
    try {
      value = await work();
    } finally {
      const stopped = (await this.send("Profiler.stop")) as { profile: CpuProfile };
      // Read after the finally: a failed request still stops the profiler.
      this.lastProfile = stopped.profile;
    }
    return { value, sample: summarizeProfile(this.lastProfile), profile: this.lastProfile };
  }

  private lastProfile: CpuProfile = { nodes: [], startTime: 0, endTime: 0 };

  close(): void {
    this.socket.close();
  }
}

/** Median, 90th percentile and maximum of some figures (nearest rank). */
export interface Spread {
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly maxMs: number;
}

/**
 * @example spread([3, 1, 2]) // { medianMs: 2, p90Ms: 3, maxMs: 3 }
 */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return {
    medianMs: rank(0.5) ?? 0,
    p90Ms: rank(0.9) ?? 0,
    maxMs: sorted.at(-1) ?? 0,
  };
}
