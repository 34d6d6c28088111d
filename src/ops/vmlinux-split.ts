/**
 * Splitting vmlinux BTF into a core base with what kfunc prototypes (and other roots) need
 * and a split BTF with the rest (`btfkit vmlinux-split`).
 */

import type { Btf } from '../wire/btf.js';
import { BtfBuilder } from '../wire/builder.js';
import { fail } from '../wire/errors.js';
import { forEachTypeIdWord, requireKnownShape } from '../wire/fields.js';
import { Kind } from '../wire/kinds.js';
import type { IdMap } from './id-map.js';

/** Options of `vmlinuxSplit`: what roots the core. */
export interface VmlinuxSplitOptions {
  /** Root the core at kfunc prototypes (FUNCs tagged `bpf_kfunc`); default true. */
  readonly kfuncs?: boolean | undefined;
  /** Extra roots: type names (every type with that name) or ids. */
  readonly roots?: ReadonlyArray<string | number> | undefined;
}

/** What `vmlinuxSplit` made: the core base, the rest as split BTF on it, and the id map. */
export interface VmlinuxSplitResult {
  readonly core: Btf;
  readonly coreBytes: Uint8Array;
  /** Split BTF on `core` with every other type. */
  readonly rest: Btf;
  readonly restBytes: Uint8Array;
  /** Old id → new id in core+rest (`IdMap`). */
  readonly idMap: IdMap;
  readonly kfuncCount: number;
  readonly coreTypes: number;
  readonly restTypes: number;
}

/** FUNC ids tagged with DECL_TAG "bpf_kfunc" (component -1), and the tags. */
export function kfuncRoots(btf: Btf): { funcs: number[]; tags: number[] } {
  const funcs: number[] = [];
  const tags: number[] = [];
  for (const id of btf.findByName('bpf_kfunc')) {
    if (btf.kind(id) !== Kind.DECL_TAG || btf.word(id, 3) !== 0xffffffff) continue;
    const f = btf.sizeOrType(id);
    if (btf.kind(f) !== Kind.FUNC) continue;
    tags.push(id);
    funcs.push(f);
  }
  return { funcs, tags };
}

/**
 * Split `btf` (a base BTF) into a core base with everything reachable from the roots and a
 * split BTF with the rest. Both keep the original relative order.
 */
export function vmlinuxSplit(btf: Btf, opts: VmlinuxSplitOptions = {}): VmlinuxSplitResult {
  if (btf.base) fail('invalid-argument', 'vmlinux-split needs base BTF, not split BTF');
  const inCore = new Uint8Array(btf.nextId);
  const stack: number[] = [];
  const push = (id: number): void => {
    if (id !== 0 && inCore[id] === 0) {
      inCore[id] = 1;
      stack.push(id);
    }
  };
  let kfuncCount = 0;
  if (opts.kfuncs ?? true) {
    const k = kfuncRoots(btf);
    kfuncCount = k.funcs.length;
    for (const id of k.tags) push(id);
  }
  for (const r of opts.roots ?? []) {
    if (typeof r === 'number') {
      if (!btf.hasType(r) || r === 0) fail('invalid-argument', `root type id ${r} does not exist`);
      push(r);
    } else {
      const ids = btf.findByName(r);
      if (ids.length === 0) fail('invalid-argument', `no type named '${r}'`);
      for (const id of ids) push(id);
    }
  }
  while (stack.length > 0) {
    const id = stack.pop()!;
    const { words, offset } = btf.record(id);
    const shape = btf.shapeOf(id);
    requireKnownShape(shape, id);
    forEachTypeIdWord(words, offset, shape, (w) => push(words[w]!));
  }
  const idMap: IdMap = new Uint32Array(btf.nextId);
  let next = 1;
  for (let id = 1; id < btf.nextId; id++) if (inCore[id]) idMap[id] = next++;
  const coreTypes = next - 1;
  for (let id = 1; id < btf.nextId; id++) if (!inCore[id]) idMap[id] = next++;
  const map = (old: number): number => idMap[old]!;
  const cb = new BtfBuilder({ endian: btf.endian });
  for (let id = 1; id < btf.nextId; id++) if (inCore[id]) cb.copyType(btf, id, map);
  const coreBytes = cb.toBytes();
  const core = cb.build();
  const rb = new BtfBuilder({ base: core, endian: btf.endian });
  for (let id = 1; id < btf.nextId; id++) if (!inCore[id]) rb.copyType(btf, id, map);
  const restBytes = rb.toBytes();
  const rest = rb.build();
  return { core, coreBytes, rest, restBytes, idMap, kfuncCount, coreTypes, restTypes: btf.typeCount - coreTypes };
}
