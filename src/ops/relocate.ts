/**
 * Relocation of split BTF from its distilled base onto a real base (libbpf's btf__relocate and
 * the kernel's btf_relocate, both built from btf_relocate.c): the same rules and the same
 * results, and when it fails, a diagnosis of every distilled type that did not map — each
 * candidate in the new base with the reason it was rejected, and the module types that embed
 * or point to it.
 *
 * Rules, per distilled type D (all named INT/FLOAT/ENUM/STRUCT/UNION/FWD), over the new
 * base's types B of the same name, in id order:
 *   key:   INT/FLOAT/ENUM/ENUM64 B must have D's size; FWD B any size; STRUCT/UNION B D's size
 *          only when more than one base struct/union shares the name.
 *   match: D FWD ~ B FWD same kflag, B STRUCT when D.kflag=0, B UNION when D.kflag=1;
 *          D INT ~ B INT same encoding; D FLOAT ~ B FLOAT; D ENUM ~ B ENUM or ENUM64;
 *          D STRUCT/UNION ~ any B the key admits, same size when a module struct/union embeds D
 *          (through typedefs, modifiers and arrays, not pointers).
 *   A second match for an already-mapped D is an error (ambiguous), so is no match at all.
 * Then split ids shift by (new base types - distilled types), base ids follow the map, split
 * strings shift by the string-section size difference and names from the distilled base take
 * the new base's offsets. The split string section itself is kept byte for byte, as the
 * kernel and libbpf do.
 */

import type { Btf } from '../wire/btf.js';
import { BtfError } from '../wire/errors.js';
import { forEachStrOffWord, forEachTypeIdWord, requireKnownShape } from '../wire/fields.js';
import { infoKind, isComposite, Kind } from '../wire/kinds.js';
import { reparseOnBase } from '../wire/write.js';
import { terminalType } from './core/types.js';
import { diagnose, type RelocationDiagnosis } from './relocate-diagnosis.js';
import { candidatesFor, compatible, EMBEDDED, firstCompatible, safeStr } from './relocate-match.js';

/** Options of `relocate` and `tryRelocate`. */
export interface RelocateOptions {
  /** Run the sanity check on the relocated output (default false: it is correct by construction). */
  readonly sanityCheck?: boolean | undefined;
  /** File name for the output's error messages. */
  readonly file?: string | undefined;
}

/** A `BtfError` with code 'relocation-failed'; `diagnosis` says why. */
export class RelocationError extends BtfError {
  override readonly name: string = 'RelocationError';
  readonly diagnosis: RelocationDiagnosis;
  constructor(diagnosis: RelocationDiagnosis, file?: string) {
    const n = diagnosis.problems.length;
    super('relocation-failed', `relocation failed: ${diagnosis.libbpfMessage}${n > 1 ? ` (and ${n - 1} more unmapped distilled type${n > 2 ? 's' : ''})` : ''}`, file !== undefined ? { file } : {});
    this.diagnosis = diagnosis;
  }
}

/** What `tryRelocate` gives: the relocated BTF and its id map (`idMap[old id]` = new id), or the diagnosis. */
export type RelocateOutcome =
  | { readonly ok: true; readonly btf: Btf; readonly idMap: Uint32Array }
  | { readonly ok: false; readonly diagnosis: RelocationDiagnosis };

/** Relocate split BTF on a distilled base onto `newBase`; throws RelocationError on failure. */
export function relocate(split: Btf, newBase: Btf, opts: RelocateOptions = {}): Btf {
  const r = tryRelocate(split, newBase, opts);
  if (!r.ok) throw new RelocationError(r.diagnosis, opts.file ?? split.file);
  return r.btf;
}

/** Relocate, returning either the relocated BTF and id map or the diagnosis. */
export function tryRelocate(split: Btf, newBase: Btf, opts: RelocateOptions = {}): RelocateOutcome {
  const dist = split.base;
  if (!dist) throw new BtfError('invalid-argument', 'relocation needs split BTF on a distilled base; this BTF has no base', { section: split.section });
  if (dist === newBase) throw new BtfError('invalid-argument', 'the new base is the distilled base itself');
  const nDist = dist.nextId;
  const nBase = newBase.nextId;
  const other: string[] = [];

  // The distilled base may only hold named INT/FLOAT/ENUM/STRUCT/UNION/FWD.
  for (let id = 1; id < nDist; id++) {
    const k = dist.kind(id);
    const allowed = k === Kind.INT || k === Kind.FLOAT || k === Kind.ENUM || isComposite(k) || k === Kind.FWD;
    if (!allowed) other.push(`type [${id}] in distilled based BTF has unexpected kind [${k}]`);
    else if (dist.nameOff(id) === 0) other.push(`type [${id}], kind [${k}] is invalid for distilled base BTF; it is anonymous`);
  }
  if (other.length > 0) {
    return { ok: false, diagnosis: { libbpfMessage: other[0]!, errno: 'EINVAL', problems: [], other, distilledTypes: nDist - 1, mapped: 0 } };
  }

  // Distilled structs/unions embedded in module structs/unions need an exact size match.
  const state = new Uint8Array(nDist);
  for (let id = split.startId; id < split.nextId; id++) {
    const k = split.kind(id);
    if (!isComposite(k)) continue;
    const vlen = split.vlen(id);
    for (let i = 0; i < vlen; i++) {
      const t = terminalType(split, split.elemWord(id, i, 1), false);
      if (t.id > 0 && t.id < nDist && !t.viaPtr) {
        const tk = dist.kind(t.id);
        if (isComposite(tk)) state[t.id] = EMBEDDED;
      }
    }
  }

  // Map every distilled type.
  const idMap = new Uint32Array(split.nextId);
  const strMap = new Map<number, number>();
  const failed: Array<{ d: number; problem: 'unmapped' | 'ambiguous'; secondId: number }> = [];
  for (let d = 1; d < nDist; d++) {
    const name = dist.name(d);
    const dKind = dist.kind(d);
    const dSize = dist.sizeOrType(d);
    const embedded = state[d] === EMBEDDED;
    const cands = candidatesFor(newBase, name);
    let mapped = 0;
    let secondId = 0;
    for (let j = 0; j < cands.ids.length; j++) {
      const b = cands.ids[j]!;
      if (cands.needsSize[j] && newBase.sizeOrType(b) !== dSize) continue;
      if (!compatible(dist, d, dKind, newBase, b, embedded && mapped === 0)) continue;
      if (mapped) {
        secondId = b;
        break;
      }
      mapped = b;
    }
    if (mapped && !secondId) {
      idMap[d] = mapped;
      strMap.set(dist.nameOff(d), newBase.nameOff(mapped));
    } else {
      failed.push({ d, problem: secondId ? 'ambiguous' : 'unmapped', secondId });
    }
  }

  if (failed.length > 0) {
    // libbpf stops at the first ambiguity met while walking the new base in id order, else
    // reports the first unmapped distilled type.
    const amb = failed.filter((f) => f.problem === 'ambiguous').sort((a, b) => a.secondId - b.secondId || a.d - b.d)[0];
    let libbpfMessage: string;
    if (amb) {
      const firstMapped = firstCompatible(dist, amb.d, newBase, state[amb.d] === EMBEDDED);
      libbpfMessage = `distilled base BTF type '${dist.name(amb.d)}' [${amb.d}], size ${newBase.sizeOrType(amb.secondId)} has multiple candidates of the same size (ids [${amb.secondId}, ${firstMapped}]) in base BTF`;
    } else {
      const f = failed[0]!;
      libbpfMessage = `distilled base BTF type '${dist.name(f.d)}' [${f.d}] is not mapped to base BTF id`;
    }
    const problems = diagnose(split, newBase, failed, state);
    return { ok: false, diagnosis: { libbpfMessage, errno: 'EINVAL', problems, other, distilledTypes: nDist - 1, mapped: nDist - 1 - failed.length } };
  }

  // Rewrite the module's type ids and string offsets in a copy of its type section.
  const shift = nBase - nDist;
  for (let id = nDist; id < split.nextId; id++) idMap[id] = id + shift;
  const words = split.words.slice();
  const offsets = split.offsets;
  const distStrLen = dist.startStrOff + dist.strings.length;
  const baseStrLen = newBase.startStrOff + newBase.strings.length;
  const strShift = baseStrLen - distStrLen;
  let badStr = -1;
  const mapId = (w: number): void => {
    words[w] = idMap[words[w]!]!;
  };
  const mapStr = (w: number): void => {
    const off = words[w]!;
    if (off === 0) return;
    if (off >= distStrLen) {
      words[w] = off + strShift;
      return;
    }
    const m = strMap.get(off);
    if (m === undefined) {
      if (badStr < 0) badStr = off;
      return;
    }
    words[w] = m;
  };
  for (let i = 0; i < offsets.length; i++) {
    const off = offsets[i]!;
    const shape = split.shapes[infoKind(words[off + 1]!)]!;
    requireKnownShape(shape, split.startId + i);
    forEachTypeIdWord(words, off, shape, mapId);
    forEachStrOffWord(words, off, shape, mapStr, true);
    if (badStr >= 0) {
      const msg = `string '${safeStr(dist, badStr)}' [offset ${badStr}] is not mapped to base BTF`;
      return { ok: false, diagnosis: { libbpfMessage: msg, errno: 'ENOENT', problems: [], other: [msg], distilledTypes: nDist - 1, mapped: nDist - 1 } };
    }
  }
  const btf = reparseOnBase(split, words, newBase, { file: opts.file, sanityCheck: opts.sanityCheck ?? false });
  return { ok: true, btf, idMap };
}

