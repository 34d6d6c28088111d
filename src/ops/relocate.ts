/**
 * Relocation of split BTF from its distilled base onto a real base (libbpf's btf__relocate and
 * the kernel's btf_relocate, spec §3.3): the same rules and the same results, and when it
 * fails, a diagnosis of every distilled type that did not map — each candidate in the new base
 * with the reason it was rejected, and the module types that embed or point to it.
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
import { infoKind, intEncoding, isAnyEnum, isComposite, isModifierLibbpf, Kind, kindName } from '../wire/kinds.js';
import { reparseOnBase } from '../wire/write.js';
import { terminalType } from './core/types.js';

export interface RelocateOptions {
  /** Run the sanity check on the relocated output (default false: it is correct by construction). */
  readonly sanityCheck?: boolean | undefined;
  /** File name for the output's error messages. */
  readonly file?: string | undefined;
}

export interface RelocationCandidate {
  /** Id in the new base. */
  readonly id: number;
  readonly kind: string;
  readonly size: number;
  readonly accepted: boolean;
  /** Why it was rejected, or what it was accepted as. */
  readonly why: string;
}

export interface RelocationUser {
  /** Id of the module type (in the split BTF being relocated). */
  readonly id: number;
  readonly kind: string;
  readonly name: string;
  /** Member/parameter name through which it refers, when there is one. */
  readonly via?: string | undefined;
  readonly how: 'embeds' | 'points to' | 'uses';
  /** For an anonymous user: the first named module type that contains or refers to it. */
  readonly within?: string | undefined;
}

export interface RelocationProblem {
  /** Id in the distilled base. */
  readonly distilledId: number;
  readonly name: string;
  readonly kind: string;
  readonly size: number;
  /** A module struct/union embeds it, so the new base's type must have the same size. */
  readonly embedded: boolean;
  readonly problem: 'unmapped' | 'ambiguous';
  readonly candidates: readonly RelocationCandidate[];
  readonly users: readonly RelocationUser[];
  /** Users beyond the ones listed. */
  readonly moreUsers: number;
  /** One line, e.g. "struct device: embedded, size 744 → 752 in the new base". */
  readonly summary: string;
}

export interface RelocationDiagnosis {
  /** What libbpf / the kernel print first (their only message). */
  readonly libbpfMessage: string;
  /** 'EINVAL' or 'ENOENT', as libbpf returns. */
  readonly errno: 'EINVAL' | 'ENOENT';
  readonly problems: readonly RelocationProblem[];
  /** Problems that are not about one distilled type (invalid distilled base, strings). */
  readonly other: readonly string[];
  readonly distilledTypes: number;
  readonly mapped: number;
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

export type RelocateOutcome =
  | { readonly ok: true; readonly btf: Btf; readonly idMap: Uint32Array }
  | { readonly ok: false; readonly diagnosis: RelocationDiagnosis };

/** Relocate split BTF on a distilled base onto `newBase`; throws RelocationError on failure. */
export function relocate(split: Btf, newBase: Btf, opts: RelocateOptions = {}): Btf {
  const r = tryRelocate(split, newBase, opts);
  if (!r.ok) throw new RelocationError(r.diagnosis, opts.file ?? split.file);
  return r.btf;
}

const EMBEDDED = 1;

/** Candidate lists per name, cached per new base (many modules relocate onto one vmlinux). */
const candidateCache = new WeakMap<Btf, Map<string, CandidateSet>>();

interface CandidateSet {
  /** Ids of same-named INT/FLOAT/ENUM/ENUM64/FWD/STRUCT/UNION types, ascending. */
  readonly ids: number[];
  /** Per id: does the key need a size match (libbpf's needs_size for the base side). */
  readonly needsSize: boolean[];
}

function candidatesFor(base: Btf, name: string): CandidateSet {
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

function safeStr(btf: Btf, off: number): string {
  try {
    return btf.str(off);
  } catch {
    return '?';
  }
}

/** The compatibility switch of libbpf's btf_relocate_map_distilled_base. */
function compatible(dist: Btf, d: number, dKind: number, base: Btf, b: number, embeddedUnmapped: boolean): boolean {
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

function firstCompatible(dist: Btf, d: number, base: Btf, embedded: boolean): number {
  const cands = candidatesFor(base, dist.name(d));
  for (let j = 0; j < cands.ids.length; j++) {
    const b = cands.ids[j]!;
    if (cands.needsSize[j] && base.sizeOrType(b) !== dist.sizeOrType(d)) continue;
    if (compatible(dist, d, dist.kind(d), base, b, embedded)) return b;
  }
  return 0;
}

const MAX_USERS = 25;

function diagnose(split: Btf, base: Btf, failed: ReadonlyArray<{ d: number; problem: 'unmapped' | 'ambiguous' }>, state: Uint8Array): RelocationProblem[] {
  const dist = split.base!;
  const nDist = dist.nextId;
  const want = new Map<number, RelocationUser[]>();
  const more = new Map<number, number>();
  const wrappers = new Map<number, RelocationUser[]>();
  for (const f of failed) want.set(f.d, []);

  // Which module types refer to each failed distilled type (anonymous wrappers are looked through).
  for (let id = split.startId; id < split.nextId; id++) {
    const k = split.kind(id);
    const wrapper = k === Kind.PTR || isModifierLibbpf(k) || k === Kind.ARRAY;
    const { words, offset } = split.record(id);
    const shape = split.shapeOf(id);
    if (shape.fromLayout) continue;
    const seen = new Set<number>();
    const composite = isComposite(k);
    const elemStart = offset + 3 + (shape.infoSize >>> 2);
    const stride = shape.elemSize >>> 2;
    forEachTypeIdWord(words, offset, shape, (w) => {
      const t = terminalType(split, words[w]!);
      if (t.id === 0 || t.id >= nDist || !want.has(t.id) || seen.has(t.id)) return;
      seen.add(t.id);
      // Anonymous pointers/modifiers/arrays are listed only when nothing else refers.
      let list = want.get(t.id)!;
      if (wrapper) {
        list = wrappers.get(t.id) ?? [];
        wrappers.set(t.id, list);
      }
      if (list.length >= MAX_USERS) {
        more.set(t.id, (more.get(t.id) ?? 0) + 1);
        return;
      }
      let via: string | undefined;
      if (stride > 0 && w >= elemStart && shape.elemStrWords.length > 0) {
        const i = Math.floor((w - elemStart) / stride);
        const nameOff = words[elemStart + i * stride + shape.elemStrWords[0]!]!;
        via = nameOff ? safeStr(split, nameOff) : undefined;
      }
      const how: RelocationUser['how'] = t.viaPtr ? 'points to' : composite ? 'embeds' : 'uses';
      list.push({ id, kind: kindName(k), name: safeStr(split, split.nameOff(id)), ...(via !== undefined && via !== '' ? { via } : {}), how });
    });
  }

  return failed.map(({ d, problem }) => {
    const name = dist.name(d);
    const dKind = dist.kind(d);
    const dSize = dist.sizeOrType(d);
    const embedded = state[d] === EMBEDDED;
    const cands = candidatesFor(base, name);
    const candidates: RelocationCandidate[] = [];
    const composites = cands.ids.filter((b) => isComposite(base.kind(b))).length;
    for (let j = 0; j < cands.ids.length; j++) {
      const b = cands.ids[j]!;
      const bKind = base.kind(b);
      const bSize = base.sizeOrType(b);
      let why: string | undefined;
      if (cands.needsSize[j] && bSize !== dSize) {
        why = composites > 1 && isComposite(bKind) ? `size ${dSize} → ${bSize} (${composites} structs/unions share the name, so the size must match)` : `size ${dSize} → ${bSize}`;
      } else if (!compatible(dist, d, dKind, base, b, embedded)) {
        why = rejection(dist, d, dKind, base, b, embedded);
      }
      candidates.push({ id: b, kind: kindName(bKind), size: bKind === Kind.FWD ? 0 : bSize, accepted: why === undefined, why: why ?? 'compatible' });
    }
    const direct = want.get(d)!;
    const users = (direct.length > 0 ? direct : (wrappers.get(d) ?? [])).map((u) => (u.name === '' ? withOwner(split, u) : u));
    const label = `${describeKind(dist, d)} ${name}`;
    let summary: string;
    if (problem === 'ambiguous') {
      summary = `${label}: ${candidates.filter((c) => c.accepted).length} candidates of size ${dSize} in the new base, cannot choose (ids ${candidates
        .filter((c) => c.accepted)
        .map((c) => c.id)
        .join(', ')})`;
    } else if (candidates.length === 0) {
      summary = `${label}: no type named '${name}' in the new base`;
    } else {
      const reasons = [...new Set(candidates.map((c) => c.why))];
      summary = `${label}${embedded ? ' (embedded)' : ''}: ${reasons.join('; ')}`;
    }
    return {
      distilledId: d,
      name,
      kind: kindName(dKind),
      size: dSize,
      embedded,
      problem,
      candidates,
      users,
      moreUsers: more.get(d) ?? 0,
      summary,
    };
  });
}

/** Name the first named module type that refers to an anonymous user (through wrappers too). */
function withOwner(split: Btf, u: RelocationUser): RelocationUser {
  let target = u.id;
  for (let depth = 0; depth < 8; depth++) {
    let found = 0;
    for (let id = split.startId; id < split.nextId && !found; id++) {
      if (id === target) continue;
      const shape = split.shapeOf(id);
      if (shape.fromLayout) continue;
      const { words, offset } = split.record(id);
      forEachTypeIdWord(words, offset, shape, (w) => {
        if (!found && terminalType(split, words[w]!).id === target) found = id;
        else if (!found && words[w] === target) found = id;
      });
    }
    if (!found) return u;
    if (split.nameOff(found) !== 0) return { ...u, within: `${kindName(split.kind(found))} '${split.name(found)}'` };
    target = found;
  }
  return u;
}

function describeKind(btf: Btf, id: number): string {
  const k = btf.kind(id);
  if (k === Kind.STRUCT) return 'struct';
  if (k === Kind.UNION) return 'union';
  if (k === Kind.ENUM) return 'enum';
  if (k === Kind.FWD) return btf.kflag(id) ? 'union (fwd)' : 'struct (fwd)';
  return kindName(k).toLowerCase();
}

const ENC_NAMES = (e: number): string => (e === 0 ? '(none)' : [e & 1 ? 'SIGNED' : '', e & 2 ? 'CHAR' : '', e & 4 ? 'BOOL' : ''].filter(Boolean).join('|'));

function rejection(dist: Btf, d: number, dKind: number, base: Btf, b: number, embedded: boolean): string {
  const bKind = base.kind(b);
  switch (dKind) {
    case Kind.FWD:
      if (bKind === Kind.FWD) return `forward declaration of a ${base.kflag(b) ? 'union' : 'struct'}, module expects a ${dist.kflag(d) ? 'union' : 'struct'}`;
      return `kind ${kindName(bKind)}${isComposite(bKind) ? ' with kind flag set' : ''}, module expects a forward-declared ${dist.kflag(d) ? 'union' : 'struct'}`;
    case Kind.INT:
      if (bKind !== Kind.INT) return `kind ${kindName(bKind)}, module expects INT`;
      return `int encoding ${ENC_NAMES(intEncoding(dist.word(d, 3)))} → ${ENC_NAMES(intEncoding(base.word(b, 3)))}`;
    case Kind.FLOAT:
      return `kind ${kindName(bKind)}, module expects FLOAT`;
    case Kind.ENUM:
      return `kind ${kindName(bKind)}, module expects ENUM or ENUM64`;
    case Kind.STRUCT:
    case Kind.UNION:
      if (embedded) return `embedded in a module struct/union: size ${dist.sizeOrType(d)} → ${base.sizeOrType(b)}`;
      return `kind ${kindName(bKind)}`;
    default:
      return `kind ${kindName(bKind)}`;
  }
}

/** Human-readable, multi-line diagnosis (what `btfkit relocate` prints on failure). */
export function formatRelocationDiagnosis(diag: RelocationDiagnosis, moduleName = 'module'): string {
  const lines: string[] = [];
  lines.push(`${moduleName}: relocation failed: ${diag.mapped} of ${diag.distilledTypes} distilled base types mapped`);
  lines.push(`  libbpf/kernel would say: ${diag.libbpfMessage} (${diag.errno})`);
  for (const o of diag.other) if (o !== diag.libbpfMessage) lines.push(`  ${o}`);
  for (const p of diag.problems) {
    lines.push(`  ${p.problem === 'ambiguous' ? 'ambiguous' : 'unmapped'}: [${p.distilledId}] ${p.summary}`);
    if (p.candidates.length === 0) lines.push(`    candidates: none`);
    for (const c of p.candidates) lines.push(`    candidate [${c.id}] ${c.kind} size ${c.size}: ${c.accepted ? 'accepted' : `rejected: ${c.why}`}`);
    for (const u of p.users) lines.push(`    used by [${u.id}] ${u.kind} '${u.name}'${u.within ? ` (inside ${u.within})` : ''}${u.via ? ` (member/param '${u.via}')` : ''}: ${u.how} it`);
    if (p.moreUsers > 0) lines.push(`    ... and ${p.moreUsers} more module types`);
  }
  return lines.join('\n') + '\n';
}
