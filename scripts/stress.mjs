#!/usr/bin/env node
// The stress suite (issue 15): hostile inputs through whole commands, each run checked for
//   - exit status 0, 1 or 2 (never a crash or a signal), and on 1/2 exactly one stderr line
//     starting "btfkit: " (warnings aside), never "internal error";
//   - valid output on 0 (written BTF parses, JSON parses);
//   - peak RSS under --rss-mb (default 512) and wall time under --time-s (default 10);
//   - inputs byte-identical afterwards, and no temp file left in the work directory.
//
//   npm run stress                      # full sizes: chains 100,000 deep
//   npm run stress -- --depth 2000      # smaller (CI)
//   npm run stress -- --only chain      # the cases whose name contains "chain"
//
// Generators are in test/hostile/inputs.ts (compiled to dist/). Peak RSS comes from GNU time
// (/usr/bin/time, Debian package "time"); without it memory is not checked and says so.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as H from '../dist/test/hostile/inputs.js';
import { Btf } from '../dist/src/wire/btf.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(repo, 'bin', 'btfkit.js');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const depth = Number(arg('depth', '100000'));
const rssMb = Number(arg('rss-mb', '512'));
const timeS = Number(arg('time-s', '10'));
const only = arg('only', '');
const jobs = Number(arg('jobs', String(Math.max(1, Math.min(2, availableParallelism())))));
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const work = mkdtempSync(join(tmpdir(), 'btfkit-stress-'));
const inDir = join(work, 'in');
const outDir = join(work, 'out');
mkdirSync(inDir);
mkdirSync(outDir);
const OBJ = join(repo, 'fixtures', 'core', 'vmlinux_relocs.o');
const GOOD = join(repo, 'fixtures', 'btf', 'kinds-el.btf');
const SPLIT_BASE = join(repo, 'fixtures', 'c-dump', 'split-base.btf');
const SPLIT = join(repo, 'fixtures', 'c-dump', 'split-one.btf');

function input(name, bytes) {
  const p = join(inDir, name);
  writeFileSync(p, bytes);
  return p;
}

// ---- the hostile inputs ----
const files = [];
files.push(['huge-struct', input('huge-struct.btf', H.hugeStruct())]);
files.push(['huge-array-of-padding', input('huge-array.btf', H.hugeArrayOfPadding())]);
for (const k of H.CHAIN_KINDS) files.push([`chain-${k}`, input(`chain-${k}.btf`, H.chain(k, depth))]);
for (const k of H.DOWN_KINDS) files.push([`chain-down-${k}`, input(`chain-down-${k}.btf`, H.chainDown(k, depth))]);
for (const k of H.LOOP_KINDS) files.push([`loop-${k}`, input(`loop-${k}.btf`, H.loop(k))]);
for (const k of H.LIE_KINDS) files.push([`lie-${k}`, input(`lie-${k}.btf`, H.lyingCounts(k))]);
for (const k of H.NAME_EDGES) files.push([`name-${k}`, input(`name-${k}.btf`, H.nameAtEnd(k))]);

// Every command that reads one BTF file, with the file as FILE (or as the kernel).
const perFile = [
  ['info', (f) => ['info', f]],
  ['check', (f) => ['check', f]],
  ['dump', (f) => ['dump', f]],
  ['dump-json', (f) => ['dump', f, '--format', 'json']],
  ['dump-c', (f) => ['dump', f, '--format', 'c']],
  ['dedup', (f, o) => ['dedup', f, '-o', o('dedup.btf'), '-q']],
  ['sanitize', (f, o) => ['sanitize', f, '--for', '5.2', '-o', o('sanitized.btf')]],
  ['vmlinux-split', (f, o) => ['vmlinux-split', f, '--roots', '1', '-o', o('core.btf'), '--rest-out', o('rest.btf')]],
  ['core-explain', (f) => ['core', 'explain', OBJ, '--kernel', f]],
  ['min-core', (f, o) => ['min-core', OBJ, '--kernel', f, '-o', o('min.btf')]],
  ['check-module', (f) => ['check-module', SPLIT, '--kernel', f]],
  ['merge', (f, o) => ['merge', f, f, '-o', o('merged.btf'), '-q']],
  ['distill', (f, o) => ['distill', f, '-B', SPLIT_BASE, '-o', o('distilled.btf')]],
  ['standalone', (f, o) => ['standalone', SPLIT, '-B', f, '-o', o('standalone.btf')]],
];

const cases = [];
for (const [name, file] of files) {
  // check's exit 1 means "invalid BTF": the findings are its output, on stdout.
  // merge reads the file twice: a broken one is reported twice.
  for (const [cmd, argv] of perFile) cases.push({ name: `${name} ${cmd}`, argv: (o) => argv(file, o), inputs: [file], findingsOnStdout: cmd === 'check', multiLine: cmd === 'merge' });
}
// Inputs without an end: /dev/zero, FIFOs (a writer that never stops, and one that stops), stdin.
for (const cmd of ['info', 'check', 'dump', 'dedup']) {
  cases.push({ name: `/dev/zero ${cmd}`, argv: (o) => [cmd, '/dev/zero', ...(cmd === 'dedup' ? ['-o', o('z.btf')] : [])], inputs: [] });
  cases.push({ name: `endless FIFO ${cmd}`, fifo: 'endless', argv: (o, fifo) => [cmd, fifo, ...(cmd === 'dedup' ? ['-o', o('f.btf')] : [])], inputs: [] });
  cases.push({ name: `FIFO with a BTF ${cmd}`, fifo: GOOD, argv: (o, fifo) => [cmd, fifo, ...(cmd === 'dedup' ? ['-o', o('f.btf')] : [])], inputs: [] });
  cases.push({ name: `stdin /dev/zero ${cmd}`, stdin: '/dev/zero', argv: (o) => [cmd, '-', ...(cmd === 'dedup' ? ['-o', o('s.btf')] : [])], inputs: [] });
}
// Batches with broken members: each item gets its verdict or its error line, exit 1.
const truncated = input('truncated.btf', readFileSync(GOOD).subarray(0, 40));
const bomb = input('bomb.btf.gz', spawnSync('sh', ['-c', 'head -c 1200000000 /dev/zero | gzip -1'], { maxBuffer: 1 << 26 }).stdout);
cases.push({ name: 'batch check-module with broken members', argv: () => ['check-module', SPLIT, join(inDir, 'missing.ko'), truncated, bomb, '--kernel', SPLIT_BASE], inputs: [SPLIT, truncated, bomb], multiLine: true });
cases.push({ name: 'batch merge with broken members', argv: (o) => ['merge', SPLIT, truncated, bomb, '-B', SPLIT_BASE, '-o', o('merged.btf')], inputs: [SPLIT, truncated, bomb, SPLIT_BASE], multiLine: true });
const kdir = join(inDir, 'kernels');
mkdirSync(kdir);
writeFileSync(join(kdir, 'a.btf'), readFileSync(GOOD));
writeFileSync(join(kdir, 'b.btf'), readFileSync(truncated));
writeFileSync(join(kdir, 'c.btf.gz'), readFileSync(bomb));
cases.push({ name: 'batch min-core with broken kernels', argv: (o) => ['min-core', OBJ, '--kernel', kdir, '-o', o('mc')], inputs: [join(kdir, 'a.btf'), join(kdir, 'b.btf')], multiLine: true });
// Two-output commands: the same path twice, an existing second output: nothing written.
cases.push({ name: 'two outputs, same path', argv: (o) => ['vmlinux-split', GOOD, '--roots', '1', '-o', o('same.btf'), '--rest-out', o('same.btf')], inputs: [GOOD], expectStatus: 1, expectAbsent: ['same.btf'] });
cases.push({ name: 'two outputs, second exists', pre: (o) => writeFileSync(o('rest-exists.btf'), 'keep'), argv: (o) => ['vmlinux-split', GOOD, '--roots', '1', '-o', o('core-new.btf'), '--rest-out', o('rest-exists.btf')], inputs: [GOOD], expectStatus: 1, expectAbsent: ['core-new.btf'] });
cases.push({ name: 'output onto the -B base', argv: () => ['sanitize', SPLIT, '-B', SPLIT_BASE, '--for', '5.2', '-o', SPLIT_BASE, '--force'], inputs: [SPLIT_BASE], expectStatus: 1 });
// Signals mid-write: a merge of many copies of a module, interrupted at several points.
const bigSplit = [];
for (let i = 0; i < 200; i++) bigSplit.push(SPLIT);
for (const delayMs of [30, 120, 400]) {
  cases.push({ name: `SIGINT after ${delayMs} ms of merge`, signal: { name: 'SIGINT', delayMs }, argv: (o) => ['merge', ...bigSplit, '-B', SPLIT_BASE, '-o', o('sig.btf')], inputs: [SPLIT, SPLIT_BASE], completeOrAbsent: ['sig.btf'] });
  cases.push({ name: `SIGTERM after ${delayMs} ms of dump -o`, signal: { name: 'SIGTERM', delayMs }, argv: (o) => ['dump', '/sys/kernel/btf/vmlinux', '--format', 'c', '-o', o('sig.h')], inputs: [], completeOrAbsent: [] });
}

const selected = cases.filter((c) => c.name.includes(only));
const hash = (p) => createHash('sha1').update(readFileSync(p)).digest('hex');
const inputHashes = new Map();
for (const c of selected) for (const f of c.inputs) if (!inputHashes.has(f) && existsSync(f)) inputHashes.set(f, hash(f));

function tempsUnder(d) {
  const found = [];
  const walk = (x) => {
    for (const e of readdirSync(x, { withFileTypes: true })) {
      const p = join(x, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tmp$/.test(e.name)) found.push(p);
    }
  };
  walk(d);
  return found;
}

async function runCase(c, index) {
  const dir = join(outDir, String(index));
  mkdirSync(dir);
  const o = (n) => join(dir, n);
  c.pre?.(o);
  let fifo;
  let writer;
  if (c.fifo) {
    fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    writer = c.fifo === 'endless' ? spawn('sh', ['-c', `cat /dev/zero > '${fifo}'`], { stdio: 'ignore' }) : spawn('sh', ['-c', `cat '${c.fifo}' > '${fifo}'`], { stdio: 'ignore' });
  }
  const argv = c.argv(o, fifo);
  const cmd = TIME ? TIME : process.execPath;
  const cmdArgs = TIME ? ['-f', '@@rss %M', process.execPath, BIN, ...argv] : [BIN, ...argv];
  const t0 = Date.now();
  const child = spawn(cmd, cmdArgs, { stdio: [c.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (c.stdin) {
    const src = spawn('cat', [c.stdin], { stdio: ['ignore', 'pipe', 'ignore'] });
    src.stdout.pipe(child.stdin);
    child.stdin.on('error', () => src.kill());
    child.on('exit', () => src.kill());
  }
  let stdoutBytes = 0;
  let stdoutHead = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    if (stdoutHead.length < 1 << 20) stdoutHead += d.toString('utf8');
    stdoutBytes += d.length;
  });
  child.stderr.on('data', (d) => (stderr += d.toString('utf8')));
  if (c.signal) setTimeout(() => {
    // The node process, not /usr/bin/time: GNU time would pass the signal on anyway.
    if (TIME) spawnSync('pkill', ['-' + c.signal.name.replace('SIG', ''), '-P', String(child.pid)]);
    else child.kill(c.signal.name);
  }, c.signal.delayMs);
  const killer = setTimeout(() => child.kill('SIGKILL'), (timeS + 5) * 1000);
  const [code, sig] = await new Promise((r) => child.on('close', (cd, s) => r([cd, s])));
  clearTimeout(killer);
  writer?.kill();
  const ms = Date.now() - t0;
  const problems = [];
  let rss;
  const lines = stderr.split('\n').filter((l) => l !== '');
  const rssLine = lines.findIndex((l) => l.startsWith('@@rss '));
  if (rssLine >= 0) rss = Number(lines.splice(rssLine, 1)[0].slice(6)) / 1024;
  const timeNote = lines.findIndex((l) => /^Command (exited with non-zero status|terminated by signal)/.test(l));
  if (timeNote >= 0) lines.splice(timeNote, 1);
  const status = code ?? (sig ? 128 : -1);
  if (c.signal) {
    if (![0, 1, 130, 143].includes(code)) problems.push(`exit ${code} ${sig ?? ''} after ${c.signal.name}`);
    for (const f of c.completeOrAbsent) {
      if (!existsSync(o(f))) continue;
      try {
        Btf.parse(new Uint8Array(readFileSync(o(f))), { base: Btf.parse(new Uint8Array(readFileSync(SPLIT_BASE))) });
      } catch (e) {
        problems.push(`${f} is there but incomplete: ${e.message}`);
      }
    }
  } else {
    if (![0, 1, 2].includes(status)) problems.push(`exit ${code} ${sig ?? ''}`);
    if (c.expectStatus !== undefined && status !== c.expectStatus) problems.push(`exit ${status}, expected ${c.expectStatus}`);
    const errors = lines.filter((l) => !l.startsWith('btfkit: warning:'));
    if (status !== 0) {
      if (errors.length === 0 && !((c.findingsOnStdout || argv[0] === 'check') && status === 1 && stdoutBytes > 0)) problems.push('failed without an error line');
      if (!c.multiLine && errors.length > 1) problems.push(`${errors.length} error lines: ${errors.slice(0, 3).join(' | ')}`);
      if (errors.some((l) => !l.startsWith('btfkit: ') && !/^ {2}/.test(l) && !/^(Usage|[A-Za-z].*:)/.test(l))) problems.push(`error without the prefix: ${errors[0]}`);
    }
    if (/internal error|RangeError|Maximum call stack|at .*\.js:\d+/.test(stderr)) problems.push(`crash: ${errors.slice(0, 2).join(' | ')}`);
    if (status === 0) {
      if (argv.includes('json') && stdoutBytes < 1 << 20) {
        try {
          JSON.parse(stdoutHead);
        } catch (e) {
          problems.push(`invalid JSON output: ${e.message}`);
        }
      }
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.btf'))) {
        if (statSync(o(f)).isDirectory()) continue;
        try {
          const baseFile = f === 'rest.btf' ? o('core.btf') : existsSync(o(`${f}.base`)) ? o(`${f}.base`) : undefined;
          Btf.parse(new Uint8Array(readFileSync(o(f))), { sanityCheck: false, base: baseFile ? Btf.parse(new Uint8Array(readFileSync(baseFile))) : undefined });
        } catch (e) {
          if (!/split/.test(e.message)) problems.push(`${f} does not parse: ${e.message}`);
        }
      }
    }
    for (const f of c.expectAbsent ?? []) if (existsSync(o(f))) problems.push(`${f} was written`);
  }
  if (ms > timeS * 1000) problems.push(`took ${(ms / 1000).toFixed(1)} s (bound ${timeS} s)`);
  if (rss !== undefined && rss > rssMb) problems.push(`peak RSS ${rss.toFixed(0)} MiB (bound ${rssMb} MiB)`);
  const temps = tempsUnder(dir);
  if (temps.length) problems.push(`temp files left: ${temps.join(', ')}`);
  return { name: c.name, status: c.signal ? `${code ?? sig}` : status, ms, rss, problems, first: lines[0] ?? '' };
}

console.log(`stress: ${selected.length} cases, chains ${depth} deep, bounds ${rssMb} MiB / ${timeS} s, ${jobs} at a time${TIME ? '' : ' (no /usr/bin/time: peak RSS not measured)'}; work dir ${work}`);
const results = new Array(selected.length);
let next = 0;
let worstRss = 0;
let worstMs = 0;
await Promise.all(
  Array.from({ length: jobs }, async () => {
    while (next < selected.length) {
      const i = next++;
      const r = await runCase(selected[i], i);
      results[i] = r;
      worstRss = Math.max(worstRss, r.rss ?? 0);
      worstMs = Math.max(worstMs, r.ms);
      const mark = r.problems.length ? 'FAIL' : 'ok  ';
      console.log(`${mark} ${r.name.padEnd(48)} exit ${String(r.status).padEnd(3)} ${String(r.ms).padStart(6)} ms ${r.rss !== undefined ? `${r.rss.toFixed(0).padStart(4)} MiB` : ''}  ${r.problems.length ? r.problems.join('; ') : r.first.slice(0, 90)}`);
    }
  }),
);
const changed = [...inputHashes].filter(([f, h]) => !existsSync(f) || hash(f) !== h).map(([f]) => f);
const leftovers = tempsUnder(work);
const failed = results.filter((r) => r.problems.length > 0);
console.log(`stress: ${results.length - failed.length}/${results.length} cases within bounds; worst peak RSS ${worstRss.toFixed(0)} MiB, slowest ${(worstMs / 1000).toFixed(1)} s; inputs ${changed.length ? `CHANGED: ${changed.join(', ')}` : 'unchanged'}; temp files left: ${leftovers.length}`);
rmSync(work, { recursive: true, force: true });
process.exit(failed.length === 0 && changed.length === 0 && leftovers.length === 0 ? 0 : 1);
