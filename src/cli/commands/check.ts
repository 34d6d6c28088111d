/**
 * `btfkit check FILE` — kernel-grade validation (exit 0 valid, 1 invalid, one line per finding).
 * `btfkit sanitize FILE --for VERSION -o OUT` — down-convert for an older kernel.
 */

import type { Command } from 'commander';
import { isElf, parseElf } from '../../elf/index.js';
import { checkBtf, formatFinding } from '../../ops/check.js';
import { DEFAULT_KERNEL_VERSION, parseKernelVersion, rulesFor } from '../../ops/kernel-rules.js';
import { sanitizeBtf, sanitizeFeaturesFor, type SanitizeFeatures } from '../../ops/sanitize.js';
import { defaultBaseFor, loadBase, loadBtf, readInput } from '../../node/files.js';
import { BtfError, fail, SPLIT_HINT } from '../../wire/errors.js';
import { err, out, setExitCode, UsageError, warn } from '../common.js';
import { addWriteOptions, inPlaceOutput, writeOptions, type WriteCliOptions } from '../write-options.js';
import { validateOutputs, writeOutputs } from '../../node/files.js';
import { Btf } from '../../wire/btf.js';

/** The raw bytes `check` looks at: the file, or an ELF file's .BTF (and its .BTF.base, if any). */
function rawBtf(bytes: Uint8Array, file: string): { bytes: Uint8Array; distilledBase?: Uint8Array | undefined } {
  if (!isElf(bytes)) return { bytes };
  try {
    const elf = parseElf(bytes);
    const sec = elf.section('.BTF') ?? fail('no-btf', 'ELF file has no .BTF section', { section: '.BTF' });
    const baseSec = elf.section('.BTF.base');
    return { bytes: elf.sectionData(sec), distilledBase: baseSec ? elf.sectionData(baseSec) : undefined };
  } catch (e) {
    if (e instanceof BtfError) e.withFile(file);
    throw e;
  }
}

function validVersion(v: string): string {
  try {
    parseKernelVersion(v);
  } catch {
    throw new UsageError(`kernel version must look like MAJOR.MINOR (e.g. 6.18), got '${v}'`);
  }
  return v;
}

const FEATURE_NAMES: Array<keyof SanitizeFeatures> = ['func', 'globalFunc', 'datasec', 'float', 'declTag', 'typeTag', 'enum64', 'tagKflag', 'layout', 'qmarkDatasec'];

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description("validate BTF with every rule of the kernel's BTF verifier (exit 0 valid, 1 invalid)")
    .argument('<file>', 'raw BTF or an ELF file with .BTF')
    .option('-B, --base <file>', 'base BTF: check FILE as split (module) BTF (default for /sys/kernel/btf/<module>: vmlinux)')
    .option('--kernel-version <version>', `kernel rules to apply (default ${DEFAULT_KERNEL_VERSION})`)
    .option('--mode <mode>', 'user (BPF_BTF_LOAD, every pass), module or vmlinux (pass 1 + chain check)')
    .option('--endian <order>', 'byte order of the kernel: little, big, or any (default: the file\'s)')
    .option('--max <n>', 'stop after this many findings', '100')
    .option('-j, --json', 'machine-readable output')
    .action(async (file: string, opts: { base?: string; kernelVersion?: string; mode?: string; endian?: string; max: string; json?: boolean }) => {
      const version = validVersion(opts.kernelVersion ?? DEFAULT_KERNEL_VERSION);
      if (opts.mode !== undefined && !['user', 'module', 'vmlinux'].includes(opts.mode)) throw new UsageError(`--mode must be user, module or vmlinux, got '${opts.mode}'`);
      if (opts.endian !== undefined && !['little', 'big', 'any'].includes(opts.endian)) throw new UsageError(`--endian must be little, big or any, got '${opts.endian}'`);
      const raw = rawBtf(await readInput(file), file);
      const basePath = opts.base ?? defaultBaseFor(file);
      let base = basePath !== undefined ? await loadBase(basePath) : undefined;
      if (!base && raw.distilledBase) {
        // A module with a distilled base: the kernel checks .BTF.base (pass 1), then .BTF on it.
        const baseReport = checkBtf(raw.distilledBase, { kernelVersion: rulesFor(version), mode: 'vmlinux' });
        for (const f of baseReport.findings) out(`${file}: .BTF.base: ${formatFinding(f)}\n`);
        if (!baseReport.valid) {
          setExitCode(1);
          return;
        }
        base = Btf.parse(raw.distilledBase, { file, section: '.BTF.base' });
      }
      const bytes = raw.bytes;
      const report = checkBtf(bytes, {
        base,
        kernelVersion: rulesFor(version),
        mode: opts.mode as 'user' | 'module' | 'vmlinux' | undefined,
        endian: (opts.endian ?? 'any') as 'little' | 'big' | 'any',
        maxFindings: Math.max(1, Number(opts.max) || 100),
      });
      if (opts.json) {
        out(JSON.stringify({ file, valid: report.valid, kernelVersion: report.rules.version, mode: report.mode, endian: report.endian, types: report.typeCount, findings: report.findings }, null, 2) + '\n');
      } else if (report.valid) {
        out(`${file}: valid for Linux ${report.rules.version} (${report.mode} BTF, ${report.typeCount} types)\n`);
      } else {
        for (const f of report.findings) out(`${file}: ${formatFinding(f)}\n`);
        if (!base && report.findings[0]?.code === 'first-string-not-empty') {
          warn(`${file}: ${SPLIT_HINT} (e.g. -B /sys/kernel/btf/vmlinux)`);
        }
      }
      setExitCode(report.valid ? 0 : 1);
    });

  addWriteOptions(
    program
      .command('sanitize')
      .description('down-convert BTF for an older kernel the way libbpf does (VAR/DATASEC, FUNC, FLOAT, tags, ENUM64, layout)')
      .argument('<file>', 'BTF file (raw or ELF)')
      .option('--for <version>', 'kernel release to target, e.g. 5.10')
      .option('--without <features>', `comma-separated features to remove on top of --for: ${FEATURE_NAMES.join(', ')}`)
      .option('-B, --base <file>', 'base BTF for split BTF')
      .option('-o, --output <file>', 'output file')
      .option('--in-place', 'replace FILE (raw BTF) with the sanitized BTF'),
  ).action(async (file: string, opts: WriteCliOptions & { for?: string; without?: string; base?: string; output?: string; inPlace?: boolean }) => {
    const output = inPlaceOutput('sanitize', file, opts);
    const writeOpts = { force: opts.force, inputs: [file, ...(opts.base ? [opts.base] : [])], inPlace: opts.inPlace ? file : undefined, inPlaceOption: true };
    validateOutputs([output], writeOpts);
    if (opts.for === undefined && opts.without === undefined) throw new UsageError('give --for VERSION and/or --without FEATURES');
    let features: SanitizeFeatures = sanitizeFeaturesFor(validVersion(opts.for ?? '99.0'));
    if (opts.without !== undefined) {
      const drop: Partial<Record<keyof SanitizeFeatures, boolean>> = {};
      for (const name of opts.without.split(',').map((s) => s.trim()).filter(Boolean)) {
        if (!FEATURE_NAMES.includes(name as keyof SanitizeFeatures)) throw new UsageError(`unknown feature '${name}' (known: ${FEATURE_NAMES.join(', ')})`);
        drop[name as keyof SanitizeFeatures] = false;
      }
      features = { ...features, ...drop };
    }
    const w = writeOptions(opts);
    const opened = await loadBtf(file, { base: opts.base });
    if (opts.inPlace && opened.container !== 'raw') throw new UsageError(`sanitize: --in-place needs raw BTF; ${file} is an ELF file (write the result with -o)`);
    let btf: Btf = opened.btf;
    const result = sanitizeBtf(btf, features, { endian: w.endian });
    let bytes = result.bytes;
    if (w.layout === true && features.layout) {
      btf = Btf.parse(bytes, { base: btf.base });
      const { writeBtf } = await import('../../wire/write.js');
      bytes = writeBtf(btf, { layout: true });
    }
    await writeOutputs([{ path: output, data: bytes }], writeOpts);
    const summary = Object.entries(result.changes).map(([k, v]) => `${k} ${v}`).join(', ');
    err(`btfkit: sanitize: ${summary === '' ? 'nothing to change' : summary}\n`);
  });
}
