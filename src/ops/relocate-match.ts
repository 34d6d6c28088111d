/**
 * How relocation matches a distilled base type to the new base's types (libbpf's
 * btf_relocate_map_distilled_base): the same-named candidates and the compatibility rule.
 * Shared by relocate.ts (mapping) and relocate-diagnosis.ts (why a candidate was rejected).
 */

import type { Btf } from '../wire/btf.js';
import { intEncoding, isAnyEnum, isComposite, Kind } from '../wire/kinds.js';

/** Mark in relocate's per-distilled-type state: a module struct/union embeds the type. */
export const EMBEDDED = 1;

/** Candidate lists per name, cached per new base (many modules relocate onto one vmlinux). */
const candidateCache = new WeakMap<Btf, Map<string, CandidateSet>>();

export interface CandidateSet {
  /** Ids of same-named INT/FLOAT/ENUM/ENUM64/FWD/STRUCT/UNION types, ascending. */
  readonly ids: number[];
  /** Per id: does the key need a size match (libbpf's needs_size for the base side). */
  readonly needsSize: boolean[];
}

export function candidatesFor(base: Btf, name: string): CandidateSet {
  let cache = candidateCache.get(base);
  if (!cache) candidateCache.set(base, (cache = new Map()));
  let c = cache.get(name);
  if (c) return c;
  const ids: number[] = [];
  for (const id of base.findByName(name)) {
    const k = base.kind(id);
    if (k === Kind.INT || k === Kind.FLOAT || isAnyEnum(k) || k === Kind.FWD || isComposite(k)) ids.push(id);
  }
  ids.sort((a, b) => a - b);
  const needsSize = ids.map((id) => {
    const k = base.kind(id);
    if (k === Kind.FWD) return false;
    if (!isComposite(k)) return true;
    // Composite names are counted per name offset, as libbpf does.
    const off = base.nameOff(id);
    let n = 0;
    for (const o of ids) {
      const ok = base.kind(o);
      if (isComposite(ok) && base.nameOff(o) === off) n++;
    }
    return n > 1;
  });
  c = { ids, needsSize };
  cache.set(name, c);
  return c;
}

/** A string of `btf`, or '?' when the offset is not valid (for messages only). */
export function safeStr(btf: Btf, off: number): string {
  try {
    return btf.str(off);
  } catch {
    return '?';
  }
}

/** The compatibility switch of libbpf's btf_relocate_map_distilled_base. */
export function compatible(dist: Btf, d: number, dKind: number, base: Btf, b: number, embeddedUnmapped: boolean): boolean {
  const bKind = base.kind(b);
  switch (dKind) {
    case Kind.FWD:
      if (bKind === Kind.FWD) return dist.kflag(d) === base.kflag(b);
      // libbpf compares the base type's kflag here (a quirk kept for identical results).
      if (bKind === Kind.STRUCT) return !base.kflag(b);
      if (bKind === Kind.UNION) return base.kflag(b);
      return false;
    case Kind.INT:
      return bKind === Kind.INT && intEncoding(base.word(b, 3)) === intEncoding(dist.word(d, 3));
    case Kind.FLOAT:
      return bKind === Kind.FLOAT;
    case Kind.ENUM:
      return isAnyEnum(bKind);
    case Kind.STRUCT:
    case Kind.UNION:
      // No kind comparison in libbpf; embedded types need the same size (only while unmapped).
      return !(embeddedUnmapped && base.sizeOrType(b) !== dist.sizeOrType(d));
    default:
      return false;
  }
}

export function firstCompatible(dist: Btf, d: number, base: Btf, embedded: boolean): number {
  const cands = candidatesFor(base, dist.name(d));
  for (let j = 0; j < cands.ids.length; j++) {
    const b = cands.ids[j]!;
    if (cands.needsSize[j] && base.sizeOrType(b) !== dist.sizeOrType(d)) continue;
    if (compatible(dist, d, dist.kind(d), base, b, embedded)) return b;
  }
  return 0;
}
