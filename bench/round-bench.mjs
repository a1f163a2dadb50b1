// The timing method of the suite, shared by the Node rows (bench/run.mjs) and the Chromium page
// (bench/browser/page.mjs, bundled by esbuild), so that both runtimes are measured the same way.
import { Bench } from "tinybench";

/**
 * tinybench in rounds. Every task runs a few timed iterations per round, each round in a rotated
 * task order, and a task's figure is the median of all its samples. The machine is shared: a burst
 * of load from other jobs then falls on every task of a round instead of on the one task that
 * happened to run during it, and the ratios (to the floor, to JS, to numpy) stay comparable.
 */
export class RoundBench {
  constructor({ rounds, time, iterations }) { this.rounds = rounds; this.time = time; this.iterations = iterations; this.tasks = []; this.ms = new Map(); this.count = new Map(); }
  add(name, fn) { this.tasks.push({ name, fn }); }
  async run() {
    const samples = new Map(this.tasks.map((t) => [t.name, []]));
    for (let r = 0; r < this.rounds; r++) {
      const bench = new Bench({ time: this.time, iterations: this.iterations, warmupIterations: r === 0 ? 1 : 0, warmupTime: 0, retainSamples: true });
      const k = r % Math.max(1, this.tasks.length);
      for (const t of [...this.tasks.slice(k), ...this.tasks.slice(0, k)]) bench.add(t.name, t.fn);
      await bench.run();
      for (const t of bench.tasks) {
        const lat = t.result.latency;
        samples.get(t.name).push(...(lat?.samples ?? [lat?.p50 ?? lat?.mean]));
      }
    }
    for (const [name, xs] of samples) {
      const sorted = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
      this.ms.set(name, sorted[sorted.length >> 1]);
      this.count.set(name, sorted.length);
    }
  }
}
