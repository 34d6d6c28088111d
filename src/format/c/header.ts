/**
 * The vmlinux.h that `bpftool btf dump file X format c` (bpftool 7.8) prints: the guard and
 * macro block, every type through the C dumper (sorted by default, id order with
 * `sorted: false`, or only root types and their dependencies), the kfunc prototypes (only
 * without roots), and the closing block (bpftool's dump_btf_c, tools/bpf/bpftool/btf.c).
 */

import type { Btf } from '../../wire/btf.js';
import { BtfError } from '../../wire/errors.js';
import { Kind } from '../../wire/kinds.js';
import { compareCStrings } from '../../wire/strings.js';
import type { ByteSink } from '../byte-writer.js';
import { CDumper, concatChunks } from './dumper.js';
import { sortedTypeOrder } from './sort.js';
import { type CoreDumpOutcome, dumpCWasm } from './dump-core.js';
import { TypeTable } from './table.js';

export const VMLINUX_H_PROLOGUE =
  '#ifndef __VMLINUX_H__\n' +
  '#define __VMLINUX_H__\n' +
  '\n' +
  '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n' +
  '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n' +
  '#endif\n' +
  '\n' +
  '#ifndef __ksym\n' +
  '#define __ksym __attribute__((section(".ksyms")))\n' +
  '#endif\n' +
  '\n' +
  '#ifndef __weak\n' +
  '#define __weak __attribute__((weak))\n' +
  '#endif\n' +
  '\n' +
  '#ifndef __bpf_fastcall\n' +
  '#if __has_attribute(bpf_fastcall)\n' +
  '#define __bpf_fastcall __attribute__((bpf_fastcall))\n' +
  '#else\n' +
  '#define __bpf_fastcall\n' +
  '#endif\n' +
  '#endif\n' +
  '\n';

export const VMLINUX_H_EPILOGUE =
  '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n' +
  '#pragma clang attribute pop\n' +
  '#endif\n' +
  '\n' +
  '#endif /* __VMLINUX_H__ */\n';

/** What `formatVmlinuxH` writes between bpftool's header and footer: sorted or id order, all types or only some roots, pointer size. */
export interface VmlinuxHOptions {
  /** bpftool's sorted order (default true); false = id order (`format c unsorted`). */
  readonly sorted?: boolean | undefined;
  /** Only these type ids and what they need (no kfunc section). */
  readonly roots?: readonly number[] | undefined;
  readonly ptrSize?: number | undefined;
}

const KFUNC_DECL_TAG = new TextEncoder().encode('bpf_kfunc');
const FASTCALL_DECL_TAG = new TextEncoder().encode('bpf_fastcall');

/** Ids of the FUNCs tagged `bpf_kfunc` (as bpftool finds them) and the set tagged `bpf_fastcall`. */
export function findKfuncs(t: TypeTable): { kfuncs: number[]; fastcalls: Set<number> } {
  const kfuncs: number[] = [];
  const fastcalls = new Set<number>();
  for (let id = 1; id < t.n; id++) {
    if (t.kind(id) !== Kind.DECL_TAG) continue;
    if ((t.extra(id, 0) | 0) !== -1) continue;
    const fn = t.type(id);
    if (t.kind(fn) !== Kind.FUNC) continue;
    const nameOff = t.nameOff(id);
    if (t.nameIs(nameOff, KFUNC_DECL_TAG)) kfuncs.push(fn);
    else if (t.nameIs(nameOff, FASTCALL_DECL_TAG)) fastcalls.add(fn);
  }
  // By the names' bytes, as bpftool's strcmp (no JS string per name).
  const sb = t.strBytes;
  kfuncs.sort((a, b) => compareCStrings(sb, t.nameOff(a), sb, t.nameOff(b)));
  return { kfuncs, fastcalls };
}

/** Write the kfunc prototypes section through `d` (sharing its de-conflicted names). */
export function emitKfuncs(d: CDumper): void {
  const t = d.t;
  const { kfuncs, fastcalls } = findKfuncs(t);
  d.write('\n/* BPF kfuncs */\n#ifndef BPF_NO_KFUNC_PROTOTYPES\n');
  for (const fn of kfuncs) {
    d.write(fastcalls.has(fn) ? 'extern __bpf_fastcall ' : 'extern ');
    d.emitTypeDeclNamed(t.type(fn), t.nameOff(fn));
    d.write(' __weak __ksym;\n');
  }
  d.write('#endif\n\n');
}

/** Write every type of `d`'s BTF (or only `roots`) through the dumper, bpftool-style. */
export function emitVmlinuxBody(d: CDumper, opts: VmlinuxHOptions = {}): void {
  const t = d.t;
  if (opts.roots && opts.roots.length > 0) {
    for (const id of opts.roots) d.dumpType(id);
    return;
  }
  if (opts.sorted === false) {
    for (let id = 1; id < t.n; id++) d.dumpType(id);
  } else {
    const order = sortedTypeOrder(t);
    // bpftool starts its loop at position 1 of the sorted array, whatever sorted first.
    for (let i = 1; i < order.length; i++) d.dumpType(order[i]!);
  }
  emitKfuncs(d);
}

/** The whole vmlinux.h text for `btf` (all ids of its chain, base included, as bpftool). */
export function formatVmlinuxH(btf: Btf | TypeTable, opts: VmlinuxHOptions = {}): string {
  return new TextDecoder().decode(formatVmlinuxHBytes(btf, opts));
}

/** formatVmlinuxH as UTF-8 bytes (no intermediate string). */
export function formatVmlinuxHBytes(btf: Btf | TypeTable, opts: VmlinuxHOptions = {}): Uint8Array {
  const t = tableOf(btf);
  checkRoots(t, opts);
  const kept: Uint8Array[] = [];
  // A core that stopped where the JavaScript dumper throws: its text is dropped, and the
  // JavaScript dumper writes the same text up to the same error.
  if (dumpThroughCore(t, (chunk) => {
    kept.push(chunk);
    return true;
  }, opts) === 'done') return concatChunks(kept);
  return formatVmlinuxHBytesJs(t, opts);
}

/** formatVmlinuxHBytes by the JavaScript dumper alone (the reference the core is tested against). */
export function formatVmlinuxHBytesJs(btf: Btf | TypeTable, opts: VmlinuxHOptions = {}): Uint8Array {
  return emitVmlinuxH(new CDumper(btf, { ptrSize: opts.ptrSize }), opts).takeBytes();
}

/**
 * formatVmlinuxH handed to `sink` in chunks as it is written (what the CLI does: a
 * vmlinux.h is ~3 MB, and holding it whole doubled the dump's memory).
 */
export function writeVmlinuxH(btf: Btf | TypeTable, sink: ByteSink, opts: VmlinuxHOptions = {}): void {
  const t = tableOf(btf);
  checkRoots(t, opts);
  const outcome = dumpThroughCore(t, sink, opts);
  if (outcome === 'done') return;
  // Declined: nothing reached the sink, the JavaScript dumper writes it all. Failed: some
  // text did, and the JavaScript dumper, writing nowhere, stops with the error to report.
  emitVmlinuxH(new CDumper(t, { ptrSize: opts.ptrSize, sink: outcome === 'declined' ? sink : () => {} }), opts).flush();
  if (outcome === 'failed') throw new BtfError('unsupported', 'format c: the compiled dumper stopped where the JavaScript dumper did not');
}

const PROLOGUE_BYTES = new TextEncoder().encode(VMLINUX_H_PROLOGUE);
const EPILOGUE_BYTES = new TextEncoder().encode(VMLINUX_H_EPILOGUE);

function dumpThroughCore(t: TypeTable, sink: ByteSink, opts: VmlinuxHOptions): CoreDumpOutcome {
  return dumpCWasm(t, sink, { prologue: PROLOGUE_BYTES, epilogue: EPILOGUE_BYTES, sorted: opts.sorted !== false, roots: opts.roots, ptrSize: opts.ptrSize ?? t.ptrSize });
}

function tableOf(btf: Btf | TypeTable): TypeTable {
  return btf instanceof TypeTable ? btf : TypeTable.of(btf);
}

function checkRoots(t: TypeTable, opts: VmlinuxHOptions): void {
  for (const id of opts.roots ?? []) {
    if (!Number.isInteger(id) || id < 0 || id >= t.n) throw new BtfError('invalid-argument', `root type id ${id} does not exist`, { typeId: id });
  }
}

function emitVmlinuxH(d: CDumper, opts: VmlinuxHOptions): CDumper {
  checkRoots(d.t, opts);
  d.write(VMLINUX_H_PROLOGUE);
  emitVmlinuxBody(d, opts);
  d.write(VMLINUX_H_EPILOGUE);
  return d;
}
