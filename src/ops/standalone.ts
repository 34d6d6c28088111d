/**
 * Standalone module BTF, both ways:
 *
 *  - toStandalone(split): split BTF → self-contained BTF: the base types the split needs
 *    (full closure, structs with all their members) followed by the split's own types,
 *    renumbered from 1. The kernel accepts it through BPF_BTF_LOAD; any tool can read it
 *    without the base.
 *  - The 2022 standalone-module scheme (spec §5.1, RFC, not merged): a module carries BTF built
 *    without a base; on load the kernel detects it (every string offset falls inside the base
 *    string range and it has an INT named "int") and renumbers it to look like split BTF on
 *    vmlinux: ids + (vmlinux types - 1), name offsets + vmlinux string size.
 *
 * Ids and strings are rewritten with the field visitor; new content is built with BtfBuilder.
 */

import type { Btf } from '../wire/btf.js';
import { BtfBuilder } from '../wire/builder.js';
import { fail } from '../wire/errors.js';
import { forEachStrOffWord, forEachTypeIdWord, requireKnownShape } from '../wire/fields.js';
import { infoKind, Kind } from '../wire/kinds.js';
import { reparseOnBase } from '../wire/write.js';
import type { IdMap } from './id-map.js';

/** The result of `toStandalone`. */
export interface StandaloneResult {
  readonly btf: Btf;
  /** Old id (base or split) → new id (`IdMap`); 0 for base types not needed. */
  readonly idMap: IdMap;
  /** How many base types were copied in. */
  readonly baseTypes: number;
}

/** Split BTF → self-contained BTF holding the needed base types and then the split's types. */
export function toStandalone(split: Btf, opts: { layout?: boolean | undefined } = {}): StandaloneResult {
  if (!split.base) fail('invalid-argument', 'this BTF has no base; it is already standalone', { section: split.section });
  const splitStart = split.startId;
  const needed = new Uint8Array(splitStart);
  const stack: number[] = [];
  const visitFrom = (words: Uint32Array) => (w: number): void => {
    const id = words[w]!;
    if (id !== 0 && id < splitStart && !needed[id]) {
      needed[id] = 1;
      stack.push(id);
    }
  };
  for (let id = splitStart; id < split.nextId; id++) {
    const r = split.record(id);
    const shape = split.shapeOf(id);
    requireKnownShape(shape, id);
    forEachTypeIdWord(r.words, r.offset, shape, visitFrom(r.words));
    while (stack.length > 0) {
      const b = stack.pop()!;
      const rb = split.record(b);
      const sb = split.shapeOf(b);
      requireKnownShape(sb, b);
      forEachTypeIdWord(rb.words, rb.offset, sb, visitFrom(rb.words));
    }
  }
  const idMap = new Uint32Array(split.nextId);
  let next = 1;
  for (let id = 1; id < splitStart; id++) if (needed[id]) idMap[id] = next++;
  const baseTypes = next - 1;
  for (let id = splitStart; id < split.nextId; id++) idMap[id] = next++;
  const b = new BtfBuilder({ endian: split.endian, layout: opts.layout ?? split.layout !== undefined });
  const map = (id: number): number => idMap[id] ?? 0;
  for (let id = 1; id < splitStart; id++) if (needed[id]) b.copyType(split, id, map);
  for (let id = splitStart; id < split.nextId; id++) b.copyType(split, id, map);
  return { btf: b.build(split.file !== undefined ? { file: split.file } : {}), idMap, baseTypes };
}

/** Whether module BTF is 2022-style standalone, and why. */
export interface StandaloneDetection {
  readonly standalone: boolean;
  /** Why (or why not), in words. */
  readonly reason: string;
}

/**
 * The RFC's heuristic (btf_is_standalone): BTF parsed without a base is standalone module BTF
 * when every string offset lies inside the base's string range and it has an INT named "int".
 */
export function detectStandaloneModule(btf: Btf, base: Btf): StandaloneDetection {
  if (btf.base) return { standalone: false, reason: 'parsed as split BTF' };
  const baseStrLen = base.startStrOff + base.strings.length;
  const words = btf.words;
  let maxOff = 0;
  const see = (w: number): void => {
    const v = words[w]!;
    if (v > maxOff) maxOff = v;
  };
  let hasInt = false;
  for (let i = 0; i < btf.offsets.length; i++) {
    const off = btf.offsets[i]!;
    const shape = btf.shapes[infoKind(words[off + 1]!)]!;
    if (shape.fromLayout) continue;
    forEachStrOffWord(words, off, shape, see, true);
    if (shape.kind === Kind.INT && !hasInt && btf.name(btf.startId + i) === 'int') hasInt = true;
  }
  if (maxOff >= baseStrLen) return { standalone: false, reason: `string offset ${maxOff} is beyond the base's string section (${baseStrLen} bytes)` };
  if (!hasInt) return { standalone: false, reason: "no INT named 'int'" };
  return { standalone: true, reason: `all string offsets < ${baseStrLen} and an INT named 'int' is present` };
}

/** Renumber standalone module BTF so it reads as split BTF on `base` (what the RFC kernel did). */
export function renumberStandalone(btf: Btf, base: Btf, opts: { file?: string | undefined } = {}): Btf {
  if (btf.base) fail('invalid-argument', 'renumbering needs standalone BTF (parsed without a base)');
  const idShift = base.nextId - 1;
  const strShift = base.startStrOff + base.strings.length;
  const words = btf.words.slice();
  const mapId = (w: number): void => {
    const v = words[w]!;
    if (v !== 0) words[w] = v + idShift;
  };
  const mapStr = (w: number): void => {
    const v = words[w]!;
    if (v !== 0) words[w] = v + strShift;
  };
  for (let i = 0; i < btf.offsets.length; i++) {
    const off = btf.offsets[i]!;
    const shape = btf.shapes[infoKind(words[off + 1]!)]!;
    requireKnownShape(shape, btf.startId + i);
    forEachTypeIdWord(words, off, shape, mapId);
    forEachStrOffWord(words, off, shape, mapStr, true);
  }
  return reparseOnBase(btf, words, base, { file: opts.file });
}
