/**
 * The field visitor: every operation that rewrites type ids or string offsets (dedup remap,
 * distill, relocate, renumbering standalone module BTF, minimization, merging) goes through
 * these two functions, driven by the kind table, instead of its own per-kind switch.
 *
 * The callback receives the absolute index of the word in `words`, so it can read the value
 * and, for writers, overwrite it in place.
 */

import { BtfError } from './errors.js';
import type { KindShape } from './kinds.js';
import { infoVlen } from './kinds.js';

/** Visit every word of the record at word offset `off` that holds a type id. */
export function forEachTypeIdWord(words: Uint32Array, off: number, shape: KindShape, visit: (wordIndex: number) => void): void {
  if (shape.sizeOrType === 'type') visit(off + 2);
  const infoStart = off + 3;
  const infoIds = shape.infoTypeWords;
  for (let i = 0; i < infoIds.length; i++) visit(infoStart + infoIds[i]!);
  const elemIds = shape.elemTypeWords;
  if (elemIds.length === 0) return;
  const vlen = infoVlen(words[off + 1]!);
  const stride = shape.elemSize >>> 2;
  let e = infoStart + (shape.infoSize >>> 2);
  for (let i = 0; i < vlen; i++, e += stride) {
    for (let j = 0; j < elemIds.length; j++) visit(e + elemIds[j]!);
  }
}

/** Visit every word of the record at `off` that holds a string offset (name_off first). */
export function forEachStrOffWord(words: Uint32Array, off: number, shape: KindShape, visit: (wordIndex: number) => void, includeName = false): void {
  if (includeName) visit(off);
  const elemStrs = shape.elemStrWords;
  if (elemStrs.length === 0) return;
  const vlen = infoVlen(words[off + 1]!);
  const stride = shape.elemSize >>> 2;
  let e = off + 3 + (shape.infoSize >>> 2);
  for (let i = 0; i < vlen; i++, e += stride) {
    for (let j = 0; j < elemStrs.length; j++) visit(e + elemStrs[j]!);
  }
}

/**
 * Operations that rewrite references cannot handle a kind they only know the size of: which
 * of its words are type ids is unknown. libbpf fails the same way (EINVAL).
 */
export function requireKnownShape(shape: KindShape, typeId: number): void {
  if (shape.fromLayout) {
    throw new BtfError('unsupported', `kind ${shape.kind} is only described by the layout section; its type-id and string fields are unknown, so it cannot be rewritten`, { typeId });
  }
}
