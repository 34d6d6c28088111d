/**
 * Merging: many split BTFs on one base (or many standalone BTFs) concatenated into one BTF,
 * type ids shifted and string offsets moved onto one table, then deduplicated.
 *
 * The concatenation copies words and string bytes as they are (no decoding); the strings of
 * the result are deduplicated by dedup's string pass.
 */

import { Btf } from '../wire/btf.js';
import { fail } from '../wire/errors.js';
import { forEachStrOffWord, forEachTypeIdWord, requireKnownShape } from '../wire/fields.js';
import { serializeBtf } from '../wire/write.js';
import { dedup, type DedupOptions, type DedupResult } from './dedup.js';
import { infoKind } from '../wire/kinds.js';

/** Options of `concatBtf` and `merge`. */
export interface ConcatOptions {
  /** Called after each input is appended. */
  readonly onInput?: ((done: number, total: number) => void) | undefined;
}

/**
 * One BTF holding every type of `btfs` in order: split on `base` when given (every input
 * must be split on that same base object), else standalone (every input standalone).
 */
export function concatBtf(btfs: readonly Btf[], base?: Btf, opts: ConcatOptions = {}): Btf {
  if (btfs.length === 0) fail('invalid-argument', 'merge needs at least one BTF');
  let words = 0;
  let strLen = base ? 0 : 1;
  for (const [i, b] of btfs.entries()) {
    if (b.base !== base) {
      fail('invalid-argument', base ? `input ${i + 1} is not split BTF on the given base` : `input ${i + 1} is split BTF; give its base`, b.file !== undefined ? { file: b.file } : {});
    }
    words += b.words.length;
    strLen += b.strings.length;
  }
  const startId = base ? base.nextId : 1;
  const startStr = base ? base.startStrOff + base.strings.length : 0;
  const out = new Uint32Array(words);
  const strings = new Uint8Array(strLen);
  let wp = 0;
  let sp = base ? 0 : 1; // standalone: a leading "" of our own
  let idShift = 0;
  for (const [n, b] of btfs.entries()) {
    out.set(b.words, wp);
    strings.set(b.strings, sp);
    const bStart = b.startId;
    const bStr = b.startStrOff;
    const tShift = startId + idShift - bStart;
    const sShift = startStr + sp - bStr;
    const visitId = (w: number): void => {
      const v = out[w]!;
      if (v >= bStart) out[w] = v + tShift;
    };
    const visitStr = (w: number): void => {
      const v = out[w]!;
      // Offset 0 is "" everywhere; offsets below the input's own table are the base's.
      if (v >= bStr && (v !== 0 || bStr !== 0)) out[w] = v + sShift;
    };
    const offs = b.offsets;
    for (let i = 0; i < offs.length; i++) {
      const o = wp + offs[i]!;
      const shape = b.shapes[infoKind(out[o + 1]!)]!;
      requireKnownShape(shape, bStart + i);
      forEachStrOffWord(out, o, shape, visitStr, true);
      forEachTypeIdWord(out, o, shape, visitId);
    }
    wp += b.words.length;
    sp += b.strings.length;
    idShift += offs.length;
    opts.onInput?.(n + 1, btfs.length);
  }
  const endian = base?.endian ?? btfs[0]!.endian;
  const layout = base ? undefined : btfs.find((b) => b.layout)?.layout;
  const bytes = serializeBtf({ words: out, strings, layout, endian, hdrLen: layout ? 32 : 24 });
  return Btf.parse(bytes, { base, sanityCheck: false });
}

/**
 * Concatenate `btfs` (split on `base`, or standalone) and deduplicate the result. The result's
 * `idMap` is indexed by the ids the inputs have once concatenated: the base's, then the own
 * types of `btfs[0]`, `btfs[1]`, ... in order (`concatBtf`).
 */
export function merge(btfs: readonly Btf[], base?: Btf, opts: DedupOptions & ConcatOptions = {}): DedupResult {
  const all = concatBtf(btfs, base, opts);
  return dedup(all, { ...opts, ext: undefined });
}
