#!/usr/bin/env node
// Long-running fuzz mode over the compiled harness (dist/test/fuzz/harness.js):
//   npm run fuzz -- --runs 1000000 [--seed N] [--big] [--rss-bound-mb 256]
// Fails (exit 1) on the first case that throws something other than a located BtfError, on a
// case slower than the per-case limit (a hang), or when resident memory grows by more than the
// bound after warm-up (allocation driven by an unchecked length would show up there).
import { runFuzz, loadSeeds } from '../dist/test/fuzz/harness.js';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(arg('runs', '100000'));
const seed = Number(arg('seed', String(Date.now() % 0x7fffffff)));
const boundMb = Number(arg('rss-bound-mb', '256'));
const big = args.includes('--big');
const warmup = Math.min(20000, Math.floor(runs / 10));

const seeds = loadSeeds({ big });
const mb = (b) => (b / 1048576).toFixed(1);
let baseline = 0;
let peakGrowth = 0;
const t0 = Date.now();
console.log(`fuzz: ${runs} cases, seed ${seed}, ${seeds.length} seed inputs${big ? ' (incl. the 7.1 vmlinux)' : ''}, RSS bound ${boundMb} MiB after ${warmup} warm-up cases`);
try {
  const stats = await runFuzz({
    runs,
    seed,
    seeds,
    caseTimeoutMs: big ? 20000 : 5000,
    onCase: (n) => {
      if (n === warmup) {
        globalThis.gc?.();
        baseline = process.memoryUsage().rss;
      }
      if (n % 10000 === 0 || n === runs) {
        const rss = process.memoryUsage().rss;
        if (baseline > 0) {
          peakGrowth = Math.max(peakGrowth, rss - baseline);
          if (rss - baseline > boundMb * 1048576) {
            throw new Error(`RSS grew by ${mb(rss - baseline)} MiB after warm-up (bound ${boundMb} MiB)`);
          }
        }
        process.stderr.write(`  ${n} cases, ${((Date.now() - t0) / 1000).toFixed(0)} s, RSS ${mb(rss)} MiB\n`);
      }
    },
  });
  if (baseline > 0) {
    const growth = process.memoryUsage().rss - baseline;
    peakGrowth = Math.max(peakGrowth, growth);
    if (growth > boundMb * 1048576) throw new Error(`RSS grew by ${mb(growth)} MiB after warm-up (bound ${boundMb} MiB)`);
  }
  console.log(`fuzz: ${stats.runs} cases OK in ${((Date.now() - t0) / 1000).toFixed(1)} s; slowest case ${stats.slowestMs.toFixed(1)} ms; RSS growth after warm-up ${mb(peakGrowth)} MiB (bound ${boundMb} MiB)`);
  console.log(JSON.stringify(stats.outcomes));
} catch (e) {
  console.error(`fuzz: FAILED (seed ${seed}): ${e.message}`);
  process.exit(1);
}
