import { type Command, Option } from 'commander';
import { formatJson } from '../../format/json.js';
import { writeRaw } from '../../format/raw.js';
import { loadBtf, SYS_VMLINUX } from '../../node/files.js';
import type { Btf } from '../../wire/btf.js';
import { parseKindName } from '../../wire/kinds.js';
import { collect, out, outBytes, parseIntArg, UsageError } from '../common.js';

export interface DumpOptions {
  base?: string;
  format: string;
  id?: number[];
  name?: string;
  kind?: string[];
  unsorted?: boolean;
  root?: string[];
}

/** Ids of `btf` selected by --id/--name/--kind, in id order; undefined = all own types. */
export function selectIds(btf: Btf, opts: Pick<DumpOptions, 'id' | 'name' | 'kind'>): number[] | undefined {
  if (!opts.id && opts.name === undefined && !opts.kind) return undefined;
  let nameRe: RegExp | undefined;
  if (opts.name !== undefined) {
    try {
      nameRe = new RegExp(opts.name);
    } catch (e) {
      throw new UsageError(`--name: invalid regular expression: ${(e as Error).message}`);
    }
  }
  const kinds = opts.kind?.map((k) => {
    const n = parseKindName(k);
    if (n === undefined) throw new UsageError(`--kind: unknown kind '${k}'`);
    return n;
  });
  const ids = opts.id ?? [];
  for (const id of ids) if (!btf.hasType(id) || id === 0) throw new UsageError(`--id: type id ${id} does not exist (valid: 1..${btf.nextId - 1})`);
  const candidates = opts.id ? [...new Set(ids)].sort((a, b) => a - b) : range(btf.startId, btf.nextId);
  return candidates.filter((id) => (!kinds || kinds.includes(btf.kind(id))) && (!nameRe || nameRe.test(btf.name(id))));
}

function range(from: number, to: number): number[] {
  const r = new Array<number>(to - from);
  for (let i = 0; i < r.length; i++) r[i] = from + i;
  return r;
}

/** Formats other than raw/json register here (format c lives in its own module). */
export type DumpFormatter = (files: string[], opts: DumpOptions) => Promise<void>;
export const extraFormats = new Map<string, DumpFormatter>();

export function registerDump(program: Command): void {
  program
    .command('dump')
    .description('dump BTF types (default: the running kernel, /sys/kernel/btf/vmlinux)')
    .argument('[files...]', 'raw BTF, vmlinux, .ko(.gz/.xz/.zst), BPF object, or /sys/kernel/btf/<name>')
    .option('-B, --base <file>', 'base BTF for split BTF (default for /sys/kernel/btf/<module>: vmlinux)')
    .addOption(new Option('-f, --format <format>', 'output format').default('raw'))
    .option('--id <n>', 'only this type id (repeatable)', collect((v) => parseIntArg(v, '--id')))
    .option('--name <regex>', 'only types whose name matches')
    .option('--kind <kind>', 'only types of this kind (repeatable: struct, func, ...)', collect((v) => v))
    .option('--unsorted', 'format c: natural dependency order instead of bpftool\'s sorted order')
    .option('--root <name|id>', 'format c: only these types and what they need (repeatable)', collect((v) => v))
    .action(async (files: string[], opts: DumpOptions) => {
      const inputs = files.length > 0 ? files : [SYS_VMLINUX];
      // format c lives in its own module, loaded only when asked for.
      if (opts.format === 'c' && !extraFormats.has('c')) await import('./dump-c.js');
      const extra = extraFormats.get(opts.format);
      if (extra) return extra(inputs, opts);
      if (opts.format !== 'raw' && opts.format !== 'json') {
        throw new UsageError(`--format: unknown format '${opts.format}' (raw, json${[...extraFormats.keys()].map((k) => `, ${k}`).join('')})`);
      }
      for (const file of inputs) {
        const { btf } = await loadBtf(file, { base: opts.base });
        const ids = selectIds(btf, opts);
        if (opts.format === 'raw') writeRaw(btf, outBytes, ids);
        else formatJson(btf, out, ids);
      }
    });
}
