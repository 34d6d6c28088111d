/**
 * Module BTF across kernels: `distill`, `relocate`, `standalone`, `check-module`.
 */

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Command } from 'commander';
import { isElf, parseElf } from '../../elf/index.js';
import { loadBase, loadBtf, readInput, validateOutputs, writeOutputs } from '../../node/files.js';
import type { WorkerInit, WorkerReply } from '../../node/module-worker.js';
import { errorLine } from '../../node/error-line.js';
import { workerUrl } from '../../node/package-paths.js';
import { openBtf } from '../../open.js';
import { distillBase } from '../../ops/distill.js';
import { checkModule, type ModuleCheck, type ModuleCheckOptions } from '../../ops/module-check.js';
import { distillModuleElf } from '../../ops/module-elf.js';
import { groupDigits } from '../../ops/abi-diff-format.js';
import { baseDiff, explainRelocation } from '../../ops/module-explain.js';
import { RelocationError, tryRelocate } from '../../ops/relocate.js';
import { formatRelocationDiagnosis } from '../../ops/relocate-diagnosis.js';
import { detectStandaloneModule, toStandalone } from '../../ops/standalone.js';
import { Btf } from '../../wire/btf.js';
import { BtfError } from '../../wire/errors.js';
import { err, naming, out, parseIntArg, pc, progressStream, UsageError } from '../common.js';
import { addLayoutOptions, hasLayoutOptions, outputBytes, type WriteCliOptions } from '../write-options.js';

interface WriteOpts extends Pick<WriteCliOptions, 'layout' | 'endian'> {
  base: string;
  output?: string;
  force?: boolean;
}

function needOutput(cmd: string, o: string | undefined): string {
  if (!o) throw new UsageError(`${cmd}: -o/--output is required`);
  return o;
}

/** A raw module's distilled base: --distilled-base, else MODULE.base when it exists. */
function distilledBasePath(file: string, distilledBase: string | undefined): string | undefined {
  return distilledBase ?? (existsSync(`${file}.base`) ? `${file}.base` : undefined);
}

/** The module's BTF on its distilled base: an ELF with .BTF.base, or raw split + raw base. */
async function loadDistilled(file: string, distilledBase: string | undefined): Promise<Btf> {
  const bytes = await readInput(file);
  if (isElf(bytes)) {
    const opened = openBtf(bytes, { file, distilled: 'distilled' });
    if (!opened.distilledBase) throw new BtfError('invalid-argument', 'module has no .BTF.base (distilled base); nothing to relocate — use `btfkit distill` first', { file });
    return opened.btf;
  }
  const basePath = distilledBasePath(file, distilledBase);
  if (!basePath) throw new UsageError(`relocate: ${file} is raw BTF; give its distilled base with --distilled-base FILE (default ${file}.base)`);
  const dist = Btf.parse(await readInput(basePath), { file: basePath, section: '.BTF.base' });
  return Btf.parse(bytes, { base: dist, file });
}

/** Relocate a module onto `base`, printing the diagnosis before failing. */
function relocateOrExplain(split: Btf, base: Btf, file: string): Btf {
  const r = tryRelocate(split, base, { file });
  if (!r.ok) {
    err(formatRelocationDiagnosis(r.diagnosis, file));
    throw new RelocationError(r.diagnosis, file);
  }
  return r.btf;
}

export function registerModule(program: Command): void {
  addLayoutOptions(program.command('distill'))
    .description('split BTF on a distilled base: an ELF module gets .BTF replaced and .BTF.base added (everything else kept); raw input gives OUT and OUT.base')
    .argument('<module>', 'module (.ko) or raw split BTF')
    .requiredOption('-B, --base <vmlinux>', 'the base the module was built against')
    .option('-o, --output <file>', 'output file')
    .option('-f, --force', 'overwrite an existing output')
    .action(async (file: string, opts: WriteOpts) => {
      const output = needOutput('distill', opts.output);
      const inputs = [file, opts.base];
      const base = await loadBase(opts.base);
      const bytes = await readInput(file);
      validateOutputs(isElf(bytes) ? [output] : [`${output}.base`, output], { force: opts.force, inputs });
      if (isElf(bytes)) {
        if (hasLayoutOptions(opts)) throw new UsageError('distill: --layout/--no-layout/--endian apply to raw output; a .ko keeps its own byte order');
        const { bytes: elfOut, result } = await naming(file, () => distillModuleElf(bytes, base, { file }));
        await writeOutputs([{ path: output, data: elfOut }], { force: opts.force, inputs });
        out(`${output}: .BTF ${result.split.typeCount} types on a distilled base of ${result.base.typeCount} types (.BTF.base ${result.base.bytes.length} bytes)\n`);
        return;
      }
      const split = Btf.parse(bytes, { base, file });
      const result = await naming(file, () => distillBase(split));
      await writeOutputs(
        [
          { path: `${output}.base`, data: outputBytes(result.base, opts) },
          { path: output, data: outputBytes(result.split, opts) },
        ],
        { force: opts.force, inputs },
      );
      out(`${output}: ${result.split.typeCount} types; ${output}.base: distilled base of ${result.base.typeCount} types\n`);
    });

  addLayoutOptions(program.command('relocate'))
    .description("relocate a module's BTF from its distilled base onto another vmlinux (as the kernel does on load); explains every type that does not map")
    .argument('<module>', 'module with .BTF.base, or raw split BTF (with --distilled-base)')
    .requiredOption('-B, --base <vmlinux>', 'the new base (vmlinux BTF)')
    .option('--distilled-base <file>', 'raw distilled base for raw input (default MODULE.base)')
    .option('-o, --output <file>', 'relocated split BTF (raw, what /sys/kernel/btf/<module> holds)')
    .option('-j, --json', 'print the result or the diagnosis as JSON')
    .option('--built-against <vmlinux>', 'the vmlinux the module was built against: explain each unmapped type down to the vmlinux change')
    .option('-f, --force', 'overwrite an existing output')
    .action(async (file: string, opts: WriteOpts & { distilledBase?: string; json?: boolean; builtAgainst?: string }) => {
      const split = await loadDistilled(file, opts.distilledBase);
      const base = await loadBase(opts.base);
      const r = tryRelocate(split, base, { file });
      if (!r.ok) {
        const why = opts.builtAgainst !== undefined ? explainRelocation(r.diagnosis, baseDiff(await loadBase(opts.builtAgainst), base)) : undefined;
        if (opts.json) out(JSON.stringify({ ok: false, module: file, diagnosis: r.diagnosis, ...(why ? { rootCauses: why } : {}) }, null, 2) + '\n');
        else err(formatRelocationDiagnosis(r.diagnosis, file) + (why ?? []).map((c) => `  why: ${c.chain}\n`).join(''));
        throw new RelocationError(r.diagnosis, file);
      }
      if (opts.output) await writeOutputs([{ path: opts.output, data: outputBytes(r.btf, opts) }], { force: opts.force, inputs: [file, opts.base, distilledBasePath(file, opts.distilledBase) ?? file] });
      const msg = { ok: true, module: file, types: r.btf.typeCount, firstId: r.btf.startId, lastId: r.btf.nextId - 1, typesInAll: r.btf.nextId };
      if (opts.json) out(JSON.stringify(msg, null, 2) + '\n');
      else out(`${file}: relocated ${msg.types} types to ids ${msg.firstId}..${msg.lastId} (${msg.typesInAll} types in all, void included)${opts.output ? ` -> ${opts.output}` : ''}\n`);
    });

  addLayoutOptions(program.command('standalone'))
    .description('split BTF → self-contained BTF (the base types it needs, then its own), loadable with BPF_BTF_LOAD and readable without vmlinux')
    .argument('<module>', 'module (.ko, distilled or not) or raw split BTF')
    .requiredOption('-B, --base <vmlinux>', 'its base (for a distilled module: the vmlinux to relocate onto first)')
    .option('-o, --output <file>', 'output (raw BTF)')
    .option('-f, --force', 'overwrite an existing output')
    .action(async (file: string, opts: WriteOpts) => {
      const output = needOutput('standalone', opts.output);
      const distilledBase = distilledBasePath(file, undefined);
      const inputs = [file, opts.base, ...(distilledBase ? [distilledBase] : [])];
      validateOutputs([output], { force: opts.force, inputs });
      const base = await loadBase(opts.base);
      // Raw split BTF with a MODULE.base beside it is on that distilled base (as relocate reads it).
      const onDistilled = distilledBase && !isElf(await readInput(file)) ? await loadDistilled(file, distilledBase) : undefined;
      const opened = onDistilled ? { btf: relocateOrExplain(onDistilled, base, file) } : await loadBtf(file, { base, distilled: 'relocate', relocate: (s, b) => relocateOrExplain(s, b, file) }).catch(async (e: unknown) => {
        // Already standalone (the 2022 scheme)? Say so instead of a parse error.
        const bytes = await readInput(file);
        let raw = bytes;
        if (isElf(bytes)) {
          const elf = await naming(file, () => parseElf(bytes));
          const s = elf.section('.BTF');
          if (s) raw = elf.sectionData(s);
        }
        let standalone = false;
        try {
          standalone = detectStandaloneModule(Btf.parse(raw), base).standalone;
        } catch {
          // Not readable on its own either: the error to report is the first one.
        }
        if (standalone) throw new BtfError('invalid-argument', 'module BTF is already standalone', { file });
        throw e;
      });
      const r = toStandalone(opened.btf);
      await writeOutputs([{ path: output, data: outputBytes(r.btf, opts) }], { force: opts.force, inputs });
      out(`${output}: ${r.btf.typeCount} types (${r.baseTypes} from the base, ${opened.btf.typeCount} of the module)\n`);
    });

  program
    .command('check-module')
    .description("what the kernel's module loader does with each module's BTF on this vmlinux: the verdict, what /sys/kernel/btf/<module> would hold, and why")
    .argument('<modules...>', 'modules (.ko, also .ko.xz/.gz/.zst) or raw module BTF')
    .option('-k, --kernel <vmlinux>', 'the kernel BTF (vmlinux ELF, raw BTF or /sys/kernel/btf/vmlinux)', '/sys/kernel/btf/vmlinux')
    .option('--allow-mismatch', 'the kernel has CONFIG_MODULE_ALLOW_BTF_MISMATCH=y')
    .option('-j, --json', 'machine-readable output')
    .option('--built-against <vmlinux>', 'the vmlinux the modules were built against: explain failures down to the vmlinux change, grouped by root cause')
    .option('--jobs <n>', 'worker threads (default: CPUs)', (v) => parseIntArg(v, '--jobs'))
    .action(async (files: string[], opts: { kernel: string; allowMismatch?: boolean; json?: boolean; jobs?: number; builtAgainst?: string }) => {
      const copts: ModuleCheckOptions = { allowMismatch: opts.allowMismatch === true };
      const { results, errors } = await checkAll(files, opts.kernel, copts, opts.jobs ?? availableParallelism(), opts.builtAgainst);
      if (opts.json) out(JSON.stringify(results, null, 2) + '\n');
      else out(formatChecks(results));
      // A module that cannot be read is reported on its own line; the others still get a verdict.
      for (const e of errors) err(`btfkit: ${e}\n`);
      const bad = results.filter((r) => r.verdict === 'rejected').length;
      const problems = [...(bad > 0 ? [`${bad} of ${files.length} module${files.length > 1 ? 's' : ''} would fail to load`] : []), ...(errors.length > 0 ? [`${errors.length} of ${files.length} could not be checked`] : [])];
      if (problems.length > 0) throw new BtfError('invalid-argument', problems.join('; '));
    });
}

/** Check every module, in worker threads when there are many; a module that cannot be read is an error line, not the end of the batch. */
async function checkAll(files: string[], kernelPath: string, copts: ModuleCheckOptions, jobs: number, builtAgainst: string | undefined): Promise<{ results: ModuleCheck[]; errors: string[] }> {
  const results = new Array<ModuleCheck | undefined>(files.length);
  const errors = new Array<string | undefined>(files.length);
  const collect = (): { results: ModuleCheck[]; errors: string[] } => ({ results: results.filter((r) => r !== undefined), errors: errors.filter((e) => e !== undefined) });
  const errorOf = (e: unknown, file: string): string => {
    if (e instanceof BtfError) return errorLine(e, file);
    throw e;
  };
  // The kernel is read here first: a bad kernel is one error, not one per module.
  const kernel = await loadBase(kernelPath);
  const stream = progressStream();
  const cliProgress = stream && files.length > 1 ? (await import('cli-progress')).default : undefined;
  const bar = cliProgress ? new cliProgress.SingleBar({ stream, format: 'check-module [{bar}] {value}/{total} {module}', hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(files.length, 0, { module: '' });
  const workers = Math.max(1, Math.min(jobs, Math.ceil(files.length / 16)));
  try {
    if (workers <= 1) {
      const one = { ...copts, builtAgainst: builtAgainst !== undefined ? await loadBase(builtAgainst) : undefined };
      for (let i = 0; i < files.length; i++) {
        const f = files[i]!;
        try {
          results[i] = checkModule(await readInput(f), f, kernel, one);
        } catch (e) {
          errors[i] = errorOf(e, f);
        }
        bar?.increment(1, { module: results[i]?.module ?? '' });
      }
      return collect();
    }
    let next = 0;
    let done = 0;
    await new Promise<void>((resolveAll, reject) => {
      const url = workerUrl('module-worker');
      const pool: Worker[] = [];
      const feed = (w: Worker): void => {
        if (next < files.length) {
          const index = next++;
          w.postMessage({ index, file: files[index]! });
        }
      };
      for (let k = 0; k < workers; k++) {
        const w = new Worker(url, { workerData: { kernel: kernelPath, builtAgainst, opts: copts } satisfies WorkerInit });
        pool.push(w);
        w.on('message', (m: WorkerReply) => {
          if ('error' in m) errors[m.index] = m.error;
          else results[m.index] = m.result;
          done++;
          bar?.increment(1, { module: 'result' in m ? m.result.module : '' });
          if (done === files.length) {
            for (const p of pool) p.postMessage(null); // workers exit once their port closes
            resolveAll();
          } else feed(w);
        });
        w.on('error', reject);
        feed(w);
        feed(w); // two in flight per worker keeps it busy while the parent reads the reply
      }
    });
    return collect();
  } finally {
    bar?.stop();
  }
}


/** Failures grouped by the vmlinux change behind them (with --built-against), most modules first. */
function formatRootCauses(results: readonly ModuleCheck[]): string {
  const byLeaf = new Map<string, { modules: Set<string>; example: string }>();
  for (const r of results) {
    for (const c of r.rootCauses ?? []) {
      let g = byLeaf.get(c.summary);
      if (!g) byLeaf.set(c.summary, (g = { modules: new Set(), example: c.chain }));
      // The longest chain shows best how the change reaches modules.
      if (c.chain.split(' ← ').length > g.example.split(' ← ').length) g.example = c.chain;
      g.modules.add(r.module);
    }
  }
  if (byLeaf.size === 0 || results.length === 1) return '';
  let s = '';
  const loads = results.filter((r) => r.distilledOutcome === 'loads').length;
  const fails = results.filter((r) => r.distilledOutcome === 'rejected').length;
  if (loads + fails > 0) s += `\nwith a distilled base (btfkit distill -B the vmlinux they were built against): ${groupDigits(loads)} would load, ${groupDigits(fails)} would still fail\n`;
  s += '\nroot causes (vmlinux changes since the build the modules were made for):\n';
  for (const [summary, g] of [...byLeaf].sort((x, y) => y[1].modules.size - x[1].modules.size)) {
    s += `${groupDigits(g.modules.size).padStart(7)} module${g.modules.size > 1 ? 's' : ' '} ← ${summary}\n`;
    if (g.example.split(' ← ').length > 2) s += `${' '.repeat(18)}e.g. ${g.example}\n`;
  }
  return s;
}

function formatChecks(results: ModuleCheck[]): string {
  const colour = (v: ModuleCheck['verdict']): string => (v === 'loads' ? pc.green(v) : v === 'rejected' ? pc.red(v) : pc.yellow(v));
  let s = '';
  if (results.length <= 20) {
    for (const r of results) {
      s += `${r.module}: ${colour(r.verdict)} (${r.btf} BTF)\n`;
      if (r.sysfs) s += `  /sys/kernel/btf/${r.module}: split BTF, ${r.sysfs.types} types, ids ${r.sysfs.firstId}..${r.sysfs.lastId}, ${r.sysfs.bytes} bytes\n`;
      for (const x of r.reasons) s += `  ${x}\n`;
      for (const w of r.warnings) s += `  ${pc.yellow('warning:')} ${w}\n`;
    }
  } else {
    // Many modules: one line per distinct first reason (type ids aside), with a few names.
    const groups = new Map<string, ModuleCheck[]>();
    for (const r of results) {
      if (r.verdict === 'loads') continue;
      const key = `${r.verdict}\0${(r.reasons[0] ?? '').replace(/\[\d+\]/g, '[N]').replace(/\(\+\d+ more\)/, '')}`;
      const g = groups.get(key);
      if (g) g.push(r);
      else groups.set(key, [r]);
    }
    for (const [key, g] of [...groups].sort((x, y) => y[1].length - x[1].length)) {
      const names = g.slice(0, 4).map((r) => r.module).join(', ') + (g.length > 4 ? ', …' : '');
      s += `${groupDigits(g.length)} module${g.length > 1 ? 's' : ''} ${colour(g[0]!.verdict)} (${names}): ${g.length > 1 ? key.split('\0')[1] : g[0]!.reasons[0] ?? ''}\n`;
    }
  }
  s += formatRootCauses(results);
  // Summary table: verdict by kind of module BTF.
  const kinds = ['split', 'distilled', 'standalone', 'none', 'unusable'] as const;
  const verdicts = ['loads', 'loads-without-btf', 'rejected'] as const;
  const count = (k: string, v: string): number => results.filter((r) => r.btf === k && r.verdict === v).length;
  const used = kinds.filter((k) => results.some((r) => r.btf === k));
  s += `\n${'module BTF'.padEnd(12)}${verdicts.map((v) => v.padStart(19)).join('')}${'total'.padStart(8)}\n`;
  for (const k of used) s += `${k.padEnd(12)}${verdicts.map((v) => String(count(k, v)).padStart(19)).join('')}${String(results.filter((r) => r.btf === k).length).padStart(8)}\n`;
  s += `${'all'.padEnd(12)}${verdicts.map((v) => String(results.filter((r) => r.verdict === v).length).padStart(19)).join('')}${String(results.length).padStart(8)}\n`;
  return s;
}
