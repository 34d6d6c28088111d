import { type Command, Option } from 'commander';
import { formatJson } from '../../format/json.js';
import { rawCoreInput, writeRaw } from '../../format/raw.js';
import { existsSync } from 'node:fs';
import { loadBtf, SYS_VMLINUX, validateOutputs, writeOutputs } from '../../node/files.js';
import type { Btf } from '../../wire/btf.js';
import { parseKindName } from '../../wire/kinds.js';
import { collect, out, outBytes, parseIntArg, UsageError } from '../common.js';

export interface DumpOptions {
  base?: string;
  format: string;
  json?: boolean;
  output?: string;
  force?: boolean;
  /** Where the text goes: stdout, or the buffer of -o. */
  sink?: (chunk: Uint8Array) => void;
  id?: number[];
  name?: string;
  kind?: string[];
  unsorted?: boolean;
  root?: string[];
}

/** Ids of `btf` selected by --id/--name/--kind, in id order; undefined = all own types. */
function selectIds(btf: Btf, opts: Pick<DumpOptions, 'id' | 'name' | 'kind'>): number[] | undefined {
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
type DumpFormatter = (files: string[], opts: DumpOptions) => Promise<void>;
export const extraFormats = new Map<string, DumpFormatter>();

/** Every format `--format` takes (c is loaded on demand). */
const FORMATS = ['raw', 'json', 'c'];

export function registerDump(program: Command): void {
  program
    .command('dump')
    .description('dump BTF types (default: the running kernel, /sys/kernel/btf/vmlinux)')
    .argument('[files...]', 'raw BTF, vmlinux, .ko(.gz/.xz/.zst), BPF object, /sys/kernel/btf/<name>, or - (stdin)')
    .option('-B, --base <file>', 'base BTF for split BTF (default for /sys/kernel/btf/<module>: vmlinux)')
    .addOption(new Option('--format <format>', `output format: ${FORMATS.join(', ')}`).default('raw'))
    .option('-j, --json', 'the same as --format json (bpftool\'s -j)')
    .option('-o, --output <file>', 'write to this file (atomically) instead of stdout')
    .option('-f, --force', 'overwrite an existing output file')
    .option('--id <n>', 'only this type id (repeatable)', collect((v) => parseIntArg(v, '--id')))
    .option('--name <regex>', 'only types whose name matches')
    .option('--kind <kind>', 'only types of this kind (repeatable: struct, func, ...)', collect((v) => v))
    .option('--unsorted', 'format c: natural dependency order instead of bpftool\'s sorted order')
    .option('--root <name|id>', 'format c: only these types and what they need (repeatable)', collect((v) => v))
    .action(async (files: string[], opts: DumpOptions) => {
      if (opts.json) {
        if (opts.format !== 'raw' && opts.format !== 'json') throw new UsageError(`-j/--json and --format ${opts.format} contradict each other`);
        opts.format = 'json';
      }
      if (!FORMATS.includes(opts.format)) throw new UsageError(`--format: unknown format '${opts.format}' (${FORMATS.join(', ')})`);
      // `-f c` from before -f meant --force: say so rather than "c: no such file".
      const formatWord = files.find((f) => FORMATS.includes(f) && !existsSync(f));
      if (opts.force && formatWord !== undefined) throw new UsageError(`-f is --force; the format is given with --format ${formatWord}`);
      const inputs = files.length > 0 ? files : [SYS_VMLINUX];
      const chunks: Uint8Array[] = [];
      const writeOpts = { force: opts.force, inputs: [...inputs, ...(opts.base ? [opts.base] : [])] };
      if (opts.output !== undefined) {
        validateOutputs([opts.output], writeOpts);
        opts.sink = (c) => chunks.push(c.slice());
      }
      await dumpFiles(inputs, opts);
      if (opts.output !== undefined) await writeOutputs([{ path: opts.output, data: Buffer.concat(chunks) }], writeOpts);
    });
}

async function dumpFiles(inputs: string[], opts: DumpOptions): Promise<void> {
  // format c lives in its own module, loaded only when asked for.
  if (opts.format === 'c' && !extraFormats.has('c')) await import('./dump-c.js');
  const extra = extraFormats.get(opts.format);
  if (extra) return extra(inputs, opts);
  const toFile = opts.sink;
  const sink = toFile ?? outBytes;
  const text = toFile ? (s: string): void => toFile(encoder.encode(s)) : out;
  const several = inputs.length > 1;
  // Several files: one JSON document ({"files": [{"file", "types"}, ...]}), and raw text
  // with a header line per file.
  if (several && opts.format === 'json') text('{"files":[');
  for (let i = 0; i < inputs.length; i++) {
    const file = inputs[i]!;
    // Raw text of a whole base BTF comes from the raw core, which reads the file where it
    // was read to (rawCoreInput) rather than a copy.
    const wholeRaw = opts.format === 'raw' && opts.base === undefined && !opts.id && opts.name === undefined && !opts.kind;
    const { btf } = await loadBtf(file, { base: opts.base, ...(wholeRaw ? { allocate: rawCoreInput } : {}) });
    const ids = selectIds(btf, opts);
    if (opts.format === 'raw') {
      if (several) text(`${i > 0 ? '\n' : ''}==> ${file} <==\n`);
      writeRaw(btf, sink, ids);
    } else if (several) {
      let first = true;
      formatJson(
        btf,
        (chunk) => {
          let c = first ? `${i > 0 ? ',' : ''}{"file":${JSON.stringify(file)},${chunk.slice(1)}` : chunk;
          first = false;
          if (c.endsWith('\n')) c = c.slice(0, -1);
          text(c);
        },
        ids,
      );
    } else {
      formatJson(btf, (c) => text(c), ids);
    }
  }
  if (several && opts.format === 'json') text(']}\n');
}

const encoder = new TextEncoder();
