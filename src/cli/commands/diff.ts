/**
 * `btfkit diff` (the ABI change report, exit status as abidiff's bits) and `btfkit where`
 * (a struct member across kernels).
 */

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { errorLine } from '../../node/error-line.js';
import { loadBase, loadBtf } from '../../node/files.js';
import { ABI_CHANGED, ABI_INCOMPATIBLE, abiDiffExitCode, diffBtf, filterAbiDiff } from '../../ops/abi-diff.js';
import { baseMismatch, explainBaseType, usedBaseTypes } from '../../ops/module-explain.js';
import { formatAbiDiff, formatBitOffset, groupDigits } from '../../ops/abi-diff-format.js';
import { RelocationError, tryRelocate } from '../../ops/relocate.js';
import { whereMember, type WhereResult } from '../../ops/where.js';
import type { Btf } from '../../wire/btf.js';
import { BtfError } from '../../wire/errors.js';
import { collect, out, setExitCode, UsageError } from '../common.js';

const FORMATS = ['text', 'markdown', 'json'] as const;
type Format = (typeof FORMATS)[number];

interface DiffOpts {
  base?: string;
  baseB?: string;
  format?: string;
  json?: boolean;
  suppress?: string;
  kind?: string[];
  name?: string;
  builtAgainst?: string;
}

/**
 * `diff MODULE KERNEL --built-against OLD`: the ABI diff OLD → KERNEL narrowed to the vmlinux
 * types the module uses, why each breaks it (the chain to the leaf change), and first, for a
 * plain split module, whether its borrowed ids and names are shifted.
 */
async function moduleDiff(modulePath: string, kernelPath: string, opts: DiffOpts): Promise<void> {
  const old = await loadBase(opts.builtAgainst!);
  const kernel = await loadBase(kernelPath);
  const mod = await loadBtf(modulePath, { base: old, distilled: 'distilled' });
  const used = usedBaseTypes(mod.btf);
  const full = diffBtf(old, kernel, { labelA: opts.builtAgainst!, labelB: kernelPath });
  const report = filterAbiDiff(full, { keys: used });
  const touched = report.changes.filter((c) => used.has(`${c.kind} ${c.name}`));
  const mismatch = mod.distilledBase ? undefined : baseMismatch(old, kernel);
  const why = touched.filter((c) => c.status !== 'added').map((c) => explainBaseType(full, c.kind, c.name));
  const format = (opts.json ? 'json' : (opts.format ?? 'text')) as Format;
  if (format === 'json') {
    out(JSON.stringify({ module: modulePath, used_types: used.size, ...(mismatch ? { base_mismatch: mismatch } : {}), root_causes: why, ...report }, null, 2) + '\n');
  } else {
    let head = `${modulePath} uses ${groupDigits(used.size)} vmlinux type${used.size === 1 ? '' : 's'} (structs, unions, enums, typedefs); ${touched.length} changed from ${opts.builtAgainst} to ${kernelPath}\n`;
    if (mismatch) head += `plain split BTF ${mismatch}\n`;
    for (const c of why) head += `  ${c.chain}\n`;
    out(`${head}\n${formatAbiDiff(report, { format })}`);
  }
  setExitCode(abiDiffExitCode(report) | (mismatch ? ABI_INCOMPATIBLE | ABI_CHANGED : 0));
}

/** A module with a distilled base is relocated onto the given base; say why when it cannot be. */
function relocateOrExplain(split: Btf, base: Btf): Btf {
  const r = tryRelocate(split, base);
  if (!r.ok) throw new RelocationError(r.diagnosis, split.file);
  return r.btf;
}

function regex(text: string, what: string): RegExp {
  try {
    return new RegExp(text);
  } catch (e) {
    throw new UsageError(`${what}: not a regular expression: ${(e as Error).message}`);
  }
}

/**
 * A suppression file: one pattern per line (a regular expression matched against the whole
 * type or function name); blank lines and lines starting with `#` are ignored.
 */
function readSuppressions(file: string): RegExp[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BtfError('io', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l, i) => regex(`^(?:${l})$`, `${file}:${i + 1}`));
}

const KIND_WORDS = ['struct', 'union', 'enum', 'typedef', 'func', 'var', 'datasec', 'decl_tag', 'int', 'float'];

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('the ABI change report: what changed in each type (members, offsets, types, enumerators, prototypes), leaf first, with what it breaks; exit 0 identical, 4 changed, 12 incompatible')
    .argument('<a>', 'old BTF (vmlinux, module, object, raw)')
    .argument('<b>', 'new BTF')
    .option('-B, --base <file>', 'base of A when it is split BTF (and of B unless --base-b)')
    .option('--base-b <file>', 'base of B when it differs from A\'s')
    .option('--format <format>', `output: ${FORMATS.join(', ')}`, 'text')
    .option('-j, --json', 'same as --format json')
    .option('--suppress <file>', 'ignore types and functions whose names match a line of FILE (a regular expression each)')
    .option('--kind <kind>', `only these kinds (${KIND_WORDS.join(', ')}); repeatable or comma-separated`, collect((v: string) => v))
    .option('--name <regex>', 'only types whose name matches')
    .option('--built-against <vmlinux>', 'A is a module built against this vmlinux and B the kernel: the vmlinux changes that matter to the module, each down to its leaf')
    .action(async (a: string, b: string, opts: DiffOpts) => {
      if (opts.builtAgainst !== undefined) return moduleDiff(a, b, opts);
      const format = (opts.json ? 'json' : (opts.format ?? 'text')) as Format;
      if (!FORMATS.includes(format)) throw new UsageError(`diff: --format must be one of ${FORMATS.join(', ')}, got '${opts.format}'`);
      const kinds = (opts.kind ?? []).flatMap((k) => k.split(',')).map((k) => k.trim().toLowerCase()).filter((k) => k !== '');
      for (const k of kinds) if (!KIND_WORDS.includes(k)) throw new UsageError(`diff: --kind must be one of ${KIND_WORDS.join(', ')}, got '${k}'`);
      const name = opts.name !== undefined ? regex(opts.name, '--name') : undefined;
      const suppress = opts.suppress !== undefined ? readSuppressions(opts.suppress) : undefined;
      const A = await loadBtf(a, { base: opts.base, distilled: 'relocate', relocate: relocateOrExplain });
      const B = await loadBtf(b, { base: opts.baseB ?? opts.base, distilled: 'relocate', relocate: relocateOrExplain });
      let report = diffBtf(A.btf, B.btf, { labelA: a, labelB: b });
      if (kinds.length > 0 || name || suppress) report = filterAbiDiff(report, { kinds, name, suppress });
      if (format === 'json') out(JSON.stringify(report, null, 2) + '\n');
      else out(formatAbiDiff(report, { format }));
      setExitCode(abiDiffExitCode(report));
    });

  program
    .command('where')
    .description('a struct member across kernels: present or not, offset, size and C type in each, and the likely new name when it was renamed')
    .argument('<path>', 'TYPE[.MEMBER...], e.g. task_struct.mm or sk_buff.len')
    .argument('<files...>', 'kernels (vmlinux, raw BTF) or modules (with -B)')
    .option('-B, --base <file>', 'base for split BTF inputs')
    .option('-j, --json', 'machine-readable output')
    .action(async (query: string, files: string[], opts: { base?: string; json?: boolean }) => {
      const inputs = [];
      for (const f of files) inputs.push({ file: f, btf: (await loadBtf(f, { base: opts.base, distilled: 'relocate', relocate: relocateOrExplain })).btf });
      let results: WhereResult[];
      try {
        results = whereMember(inputs, query);
      } catch (e) {
        if (e instanceof BtfError && e.code === 'invalid-argument') throw new UsageError(`where: ${errorLine(e)}`);
        throw e;
      }
      if (opts.json) out(JSON.stringify(results, null, 2) + '\n');
      else out(formatWhere(results));
      if (results.every((r) => !r.present)) setExitCode(1);
    });
}

function formatWhere(results: readonly WhereResult[]): string {
  const rows = results.map((r) => [
    r.file,
    r.present ? 'yes' : 'no',
    r.offset_bits !== undefined ? formatBitOffset(r.offset_bits) : '',
    r.size !== undefined ? String(r.size) : '',
    r.present ? `${r.c_type ?? ''}${r.bitfield_size ? `:${r.bitfield_size}` : ''}` : r.likely_renamed_to ? `renamed? → ${r.likely_renamed_to}` : (r.missing ?? ''),
  ]);
  const head = ['file', 'present', 'offset', 'size', 'type'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${results[0]?.query ?? ''}\n${[line(head), ...rows.map(line)].join('\n')}\n`;
}
