/**
 * @module cli/progress — one self-updating progress line on a terminal; silent anywhere else.
 */

export interface Progress {
  tick(done: number): void;
  done(): void;
}

const MIN_TOTAL = 500;
const INTERVAL_MS = 100;

/**
 * A progress line on `stream` for `total` items, shown only on a terminal and for large jobs.
 * @example const p = startProgress(process.stderr, 10_000, "converting"); p.tick(5000); p.done();
 */
export function startProgress(stream: NodeJS.WriteStream, total: number, label: string): Progress {
  if (!stream.isTTY || total < MIN_TOTAL) return { tick() {}, done() {} };
  const started = performance.now();
  let last = 0;
  const draw = (count: number) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(count / seconds) : 0;
    const percent = Math.floor((count / total) * 100);
    stream.write(`\r${label} ${count}/${total} (${percent}%, ${rate} docs/s)\u001b[K`);
  };
  return {
    tick(count) {
      const now = performance.now();
      if (now - last < INTERVAL_MS) return;
      last = now;
      draw(count);
    },
    done() {
      draw(total);
      stream.write("\n");
    },
  };
}
