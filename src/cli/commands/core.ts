/**
 * CO-RE commands:
 *   btfkit core explain OBJ.o --kernel VMLINUX [--module MOD ...]
 *   btfkit min-core OBJ.o... --kernel VMLINUX|DIR [--module MOD ...] -o OUT [--split-out DIR]
 *   btfkit vmlinux-split VMLINUX [--roots kfuncs|NAME...] -o CORE --rest-out REST
 */

import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Command, Option } from 'commander';
import { isKernelVerifiedBtf, loadBtf, type OutputFile, readInput, SYS_VMLINUX, validateOutputs, writeOutputs } from '../../node/files.js';
import type { BatchResult } from '../../node/min-core-batch.js';
import { openBtf } from '../../open.js';
import { type CoreTargetBtf, candidateScanIndex, candidateScanInput } from '../../ops/core/candidates.js';
import { cTypeName, describeSpec, formatAccess } from '../../ops/core/format.js';
import { type CoreReloResult, resolveCoreRelos } from '../../ops/core/resolve.js';
import { minCore } from '../../ops/min-core.js';
import { vmlinuxSplit } from '../../ops/vmlinux-split.js';
import type { Btf } from '../../wire/btf.js';
import { fail } from '../../wire/errors.js';
import { collect, err, out, pc, progressStream, setExitCode, UsageError, warn } from '../common.js';
import { addLayoutOptions, hasLayoutOptions, outputBytes, type WriteCliOptions } from '../write-options.js';

/** Module name from a path: `mods/nf_tables.btf`, `nf_tables.ko.xz` → `nf_tables`. */
export function moduleName(path: string): string {
  return basename(path).replace(/\.(gz|xz|zst)$/, '').replace(/\.(ko|btf)$/, '');
}

async function loadTargets(kernel: string, modules: readonly string[]): Promise<{ vmlinux: Btf; modules: CoreTargetBtf[] }> {
  // The kernel's own files were verified by the kernel: no second sanity check over every
  // type. The file is read into the candidate scan's WebAssembly core, which indexes its
  // records and scans its names where they lie (min-core of vmlinux under Node: ~25 ms less
  // CPU, V8 ran the JavaScript index and scan as cold code; under Bun, whose JIT starts the
  // JavaScript sooner, ~3 ms less CPU since the core indexes too: without that it cost ~2.5 ms more).
  const vmlinux = openBtf(await readInput(kernel, candidateScanInput), { file: kernel, sanityCheck: !isKernelVerifiedBtf(kernel), indexRecords: candidateScanIndex }).btf;
  const mods: CoreTargetBtf[] = [];
  for (const m of modules) {
    const o = await loadBtf(m, { base: vmlinux });
    if (o.btf.base !== vmlinux) fail('invalid-argument', 'module BTF must be split BTF on the kernel BTF', { file: m });
    mods.push({ name: moduleName(m), btf: o.btf });
  }
  return { vmlinux, modules: mods };
}

function fmtValue(r: CoreReloResult): string {
  const v = r.value;
  if (!v) return '';
  const tgt = v.poison ? pc.red('poison (call 0xbad2310)') : String(v.newValue);
  return `${String(v.origValue)} -> ${tgt}${v.failMemszAdjust ? pc.yellow(' (load/store size change not allowed)') : ''}`;
}

/** Text explanation of resolved relocations. */
function explainText(results: readonly CoreReloResult[], objBtf: Btf): string {
  let s = '';
  let section = '';
  for (const r of results) {
    if (r.section !== section) {
      section = r.section;
      s += `${pc.bold(`section ${section}`)}\n`;
    }
    const local = r.localSpec ? formatAccess(r.localSpec) : `[${r.localTypeId}] ${objBtf.hasType(r.localTypeId) ? cTypeName(objBtf, r.localTypeId) : '?'}`;
    s += `  #${r.index} insn ${r.insnOff / 8} (+${r.insnOff}) ${r.kindName}: local [${r.localTypeId}] ${local} "${r.accessStr}"\n`;
    if (r.error !== undefined) {
      s += `    ${pc.red('error')}: ${r.error} (${r.errno}); libbpf would refuse to load the object\n`;
      for (const c of r.candidates) s += `    candidate ${c.candidate.target.name} [${c.candidate.id}] ${cTypeName(c.candidate.target.btf, c.candidate.id)}: ${c.spec ? `matches ${describeSpec(c.spec)}` : `no: ${c.reason}`}\n`;
      continue;
    }
    if (r.kind === 6) {
      s += `    value: ${fmtValue(r)} (local type id, no target search)\n`;
      continue;
    }
    if (r.candidates.length === 0) s += '    candidates: none with this name and kind\n';
    for (const c of r.candidates) {
      const what = `${c.candidate.target.name} [${c.candidate.id}] ${cTypeName(c.candidate.target.btf, c.candidate.id)}`;
      s += c.spec ? `    candidate ${what}: ${pc.green('matches')} ${describeSpec(c.spec)}\n` : `    candidate ${what}: ${pc.dim(`no: ${c.reason}`)}\n`;
    }
    if (r.target) s += `    target: ${describeSpec(r.target, r.targetBtf?.name)}\n`;
    else s += `    target: none fits${r.value?.poison ? '; the instruction is poisoned (fails verification if reachable)' : ''}\n`;
    s += `    value: ${fmtValue(r)}\n`;
  }
  return s;
}

interface ExplainOpts {
  kernel?: string;
  module?: string[];
  json?: boolean;
}

interface MinCoreOpts extends Pick<WriteCliOptions, 'layout' | 'endian'> {
  kernel?: string;
  module?: string[];
  output?: string;
  splitOut?: string;
  force?: boolean;
  jobs?: string;
  /** The old name of --jobs. */
  threads?: string;
  progress?: boolean;
}

/**
 * Register `core`, `min-core` and `vmlinux-split`, or only `command` of them (the one being
 * run: registering the others was ~0.7 ms of a min-core, their options built as cold code).
 */
export function registerCore(program: Command, command?: string): void {
  if (command === undefined || command === 'core') registerExplain(program);
  if (command === undefined || command === 'min-core') registerMinCore(program);
  if (command === undefined || command === 'vmlinux-split') registerVmlinuxSplit(program);
}

function registerExplain(program: Command): void {
  const core = program.command('core').description('CO-RE relocations of BPF objects');
  core
    .command('explain')
    .description('resolve each CO-RE relocation of an object: candidates, chosen target, value, or why none fits')
    .argument('<object>', 'BPF object file (.o with .BTF and .BTF.ext)')
    .option('--kernel <file>', 'target kernel BTF (default: /sys/kernel/btf/vmlinux)')
    .option('--module <file>', 'module BTF (split on the kernel), searched when vmlinux has no candidate (repeatable)', collect((v) => v))
    .option('-j, --json', 'machine-readable output')
    .action(async (object: string, opts: ExplainOpts) => {
      const kernel = opts.kernel ?? SYS_VMLINUX;
      const obj = openBtf(await readInput(object), { file: object });
      if (!obj.ext) fail('bad-ext', 'object has no .BTF.ext section (no CO-RE relocations)', { file: object });
      const { vmlinux, modules } = await loadTargets(kernel, opts.module ?? []);
      const res = resolveCoreRelos(obj, vmlinux, { modules });
      if (opts.json) {
        out(
          JSON.stringify(
            res.map((r) => ({
              section: r.section,
              index: r.index,
              insnOff: r.insnOff,
              kind: r.kindName,
              localTypeId: r.localTypeId,
              access: r.accessStr,
              local: r.localSpec ? formatAccess(r.localSpec) : undefined,
              candidates: r.candidates.map((c) => ({ btf: c.candidate.target.name, id: c.candidate.id, matches: c.spec !== undefined, reason: c.reason })),
              target: r.target ? { btf: r.targetBtf?.name, id: r.target.rootTypeId, spec: r.target.raw.join(':'), bitOffset: r.target.bitOffset } : undefined,
              value: r.value ? { orig: r.value.origValue?.toString(), new: r.value.newValue?.toString(), poison: r.value.poison } : undefined,
              error: r.error,
            })),
            null,
            2,
          ) + '\n',
        );
        return;
      }
      out(explainText(res, obj.btf));
      const errs = res.filter((r) => r.error !== undefined).length;
      const poisoned = res.filter((r) => r.value?.poison).length;
      out(`${res.length} relocations: ${res.length - errs - poisoned} resolved, ${poisoned} poisoned, ${errs} errors\n`);
    });
}

function registerMinCore(program: Command): void {
  addLayoutOptions(program.command('min-core'))
    .description('minimal BTF with only what the objects\' CO-RE relocations need (bpftool gen min_core_btf), optionally with module BTF as split outputs')
    .argument('<objects...>', 'BPF object files')
    .option('--kernel <file|dir>', 'kernel BTF, or a directory of kernels (BTFHub layout) for batch mode')
    .option('--module <file>', 'module BTF (split on the kernel) (repeatable)', collect((v) => v))
    .option('-o, --output <file>', 'minimal base BTF (batch mode: output directory)')
    .option('--split-out <dir>', 'directory for minimal module split BTFs (<module>.btf)')
    .option('-f, --force', 'overwrite existing outputs')
    .option('--jobs <n>', 'batch mode: worker threads (default: CPU count)')
    .addOption(new Option('--threads <n>').hideHelp())
    .option('--no-progress', 'batch mode: no progress bar')
    .action(async (objects: string[], opts: MinCoreOpts) => {
      if (!opts.output) throw new UsageError('min-core: -o/--output is required');
      const kernel = opts.kernel ?? SYS_VMLINUX;
      if (isDirectory(kernel)) return minCoreBatch(objects, kernel, opts);
      const { loadObjects } = await import('../../node/min-core-batch.js');
      const { vmlinux, modules } = await loadTargets(kernel, opts.module ?? []);
      if (modules.length > 0 && !opts.splitOut) throw new UsageError('min-core: --split-out DIR is needed with --module');
      const objs = await loadObjects(objects);
      const res = minCore(objs, vmlinux, { modules });
      const inputs = [kernel, ...objects, ...(opts.module ?? [])];
      const outputs: OutputFile[] = [{ path: opts.output, data: outputBytes(res.base, opts, res.baseBytes) }];
      const report = [`${opts.output}: ${res.base.typeCount} types, ${res.baseBytes.length} bytes (from ${vmlinux.typeCount} types; ${res.relocations.length} relocations)\n`];
      if (opts.splitOut) {
        await mkdir(opts.splitOut, { recursive: true });
        for (const m of res.modules) {
          const p = join(opts.splitOut, `${m.name}.btf`);
          outputs.push({ path: p, data: outputBytes(m.btf, opts, m.bytes) });
          report.push(`${p}: ${m.btf.typeCount} types, ${m.bytes.length} bytes (split on ${opts.output})\n`);
        }
      }
      await writeOutputs(outputs, { force: opts.force, inputs });
      out(report.join(''));
    });
}

function registerVmlinuxSplit(program: Command): void {
  addLayoutOptions(program.command('vmlinux-split'))
    .description('split vmlinux BTF into the types kfunc prototypes (and given roots) need, and the rest as split BTF on it')
    .argument('<vmlinux>', 'kernel BTF')
    .option('--roots <roots...>', '"kfuncs" and/or type names or ids (default: kfuncs)')
    .requiredOption('-o, --output <file>', 'core (base) BTF')
    .requiredOption('--rest-out <file>', 'everything else, as split BTF on the core')
    .option('-f, --force', 'overwrite existing outputs')
    .action(async (file: string, opts: { roots?: string[]; output: string; restOut: string; force?: boolean; layout?: boolean; endian?: string }) => {
      const writeOpts = { force: opts.force, inputs: [file] };
      validateOutputs([opts.output, opts.restOut], writeOpts);
      const btf = openBtf(await readInput(file), { file }).btf;
      const roots = opts.roots ?? ['kfuncs'];
      const kfuncs = roots.includes('kfuncs');
      const named = roots.filter((r) => r !== 'kfuncs').map((r) => (/^\d+$/.test(r) ? Number(r) : r));
      const res = vmlinuxSplit(btf, { kfuncs, roots: named });
      if (kfuncs && res.kfuncCount === 0) warn(`${file}: no FUNC is tagged bpf_kfunc (kernels before 6.5 / pahole before 1.25 do not tag kfuncs); core holds only the named roots`);
      await writeOutputs(
        [
          { path: opts.output, data: outputBytes(res.core, opts, res.coreBytes) },
          { path: opts.restOut, data: outputBytes(res.rest, opts, res.restBytes) },
        ],
        writeOpts,
      );
      const total = res.coreBytes.length + res.restBytes.length;
      out(`kfuncs: ${res.kfuncCount}\n`);
      out(`core: ${opts.output}: ${res.coreTypes} types, ${res.coreBytes.length} bytes (${((100 * res.coreBytes.length) / total).toFixed(1)}%)\n`);
      out(`rest: ${opts.restOut}: ${res.restTypes} types, ${res.restBytes.length} bytes (split on core)\n`);
    });
}

/** Synchronous: one stat, where the thread pool's round trip cost a one-shot command more. */
function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

async function minCoreBatch(objects: string[], dir: string, opts: MinCoreOpts): Promise<void> {
  const { batchOutputPath, findKernels, runBatch } = await import('../../node/min-core-batch.js');
  const cliProgress = (await import('cli-progress')).default;
  if (opts.module?.length) throw new UsageError('min-core: --module is not supported with a kernel directory');
  if (hasLayoutOptions(opts)) throw new UsageError('min-core: --layout/--no-layout/--endian are not supported with a kernel directory');
  const kernels = await findKernels(dir);
  if (kernels.length === 0) fail('invalid-argument', 'no kernel BTF files (*.btf, vmlinux.btf, optionally compressed) found', { file: dir });
  const outDir = opts.output!;
  // X.btf and X.btf.xz are both kernel X: the second gets its compression in its output name.
  const taken = new Set<string>();
  const jobs = kernels.map((k) => {
    let output = batchOutputPath(dir, outDir, k);
    if (taken.has(output)) {
      const renamed = output.replace(/\.btf$/, `.${/\.(gz|xz|zst)$/.exec(k)?.[1] ?? 'dup'}.btf`);
      warn(`${k}: ${output} is already the output of another file of the same kernel; writing ${renamed}`);
      output = renamed;
    }
    taken.add(output);
    return { kernel: k, output, objects, force: opts.force ?? false };
  });
  const jobsOpt = opts.jobs ?? opts.threads;
  const threads = jobsOpt !== undefined ? Number(jobsOpt) : undefined;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UsageError('--jobs must be a positive integer');
  const stream = opts.progress !== false ? progressStream() : undefined;
  const bar = stream ? new cliProgress.SingleBar({ format: 'min-core [{bar}] {value}/{total} kernels {eta_formatted}', stream }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(jobs.length, 0);
  const failed: BatchResult[] = [];
  let bytes = 0;
  await runBatch(jobs, {
    threads,
    onDone: (r) => {
      bar?.increment();
      if (r.ok) bytes += r.bytes ?? 0;
      else failed.push(r);
    },
  });
  bar?.stop();
  for (const f of failed) err(`btfkit: ${f.error ?? f.kernel}\n`);
  out(`${jobs.length - failed.length}/${jobs.length} kernels minimized into ${outDir} (${bytes} bytes in total)\n`);
  if (failed.length > 0) setExitCode(1);
}
