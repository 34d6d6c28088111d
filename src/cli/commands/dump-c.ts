/**
 * `btfkit dump --format c`: vmlinux.h as bpftool 7.8 writes it. Several files on one base
 * (`--base vmlinux mod1.ko mod2.ko`) give one header with every type once.
 */

import { dumpCoreIndex, dumpCoreInput } from '../../format/c/dump-core.js';
import { mergeSplitBtfs, writeVmlinuxH } from '../../format/c/index.js';
import { loadBtf } from '../../node/files.js';
import type { Btf } from '../../wire/btf.js';
import { Kind } from '../../wire/kinds.js';
import { outBytes, UsageError } from '../common.js';
import { type DumpOptions, extraFormats } from './dump.js';

const DECLARABLE = new Set<number>([Kind.STRUCT, Kind.UNION, Kind.ENUM, Kind.ENUM64, Kind.TYPEDEF, Kind.FWD]);

/** Resolve --root values (type ids or names) to ids of `btf`. */
function resolveRoots(btf: Btf, roots: readonly string[]): number[] {
  return roots.map((r) => {
    if (/^\d+$/.test(r)) {
      const id = Number(r);
      if (id === 0 || !btf.hasType(id)) throw new UsageError(`--root: type id ${id} does not exist (valid: 1..${btf.nextId - 1})`);
      return id;
    }
    const ids = btf.findByName(r);
    if (ids.length === 0) throw new UsageError(`--root: no type named '${r}'`);
    // a name shared by a function and a type means the type (what C declarations are of)
    return ids.find((id) => DECLARABLE.has(btf.kind(id))) ?? ids[0]!;
  });
}

async function dumpC(files: string[], opts: DumpOptions): Promise<void> {
  if (opts.id || opts.name !== undefined || opts.kind) throw new UsageError('--format c does not take --id/--name/--kind; use --root');
  const loaded: Btf[] = [];
  // One base BTF (vmlinux) is read into the memory of the C dumper's WebAssembly core, which
  // indexes its records where they lie (dumpCoreIndex, not cold JavaScript) and dumps them
  // there, without a copy.
  const inCore = files.length === 1 && opts.base === undefined ? { allocate: dumpCoreInput, indexRecords: dumpCoreIndex } : {};
  for (const f of files) loaded.push((await loadBtf(f, { base: opts.base, ...inCore })).btf);
  let btf: Btf;
  if (loaded.length === 1) {
    btf = loaded[0]!;
  } else {
    const base = loaded[0]!.base;
    if (!base || loaded.some((b) => b.base !== base)) {
      throw new UsageError('several files with --format c must all be split BTF on the same base (give --base)');
    }
    btf = mergeSplitBtfs(loaded, base);
  }
  const roots = opts.root ? resolveRoots(btf, opts.root) : undefined;
  writeVmlinuxH(btf, opts.sink ?? outBytes, { sorted: !opts.unsorted, roots });
}

extraFormats.set('c', dumpC);
