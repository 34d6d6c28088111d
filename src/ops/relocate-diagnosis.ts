/**
 * The diagnosis of a failed relocation: for every distilled type that did not map, each
 * same-named candidate in the new base with the reason it was rejected, and the module types
 * that embed or point to it; and its text (what `btfkit relocate` prints on failure).
 */

import type { Btf } from '../wire/btf.js';
import { forEachTypeIdWord } from '../wire/fields.js';
import { intEncoding, isComposite, isModifierLibbpf, Kind, kindName } from '../wire/kinds.js';
import { terminalType } from './core/types.js';
import { candidatesFor, compatible, EMBEDDED, safeStr } from './relocate-match.js';

/** A same-named type of the new base that a distilled type was tried against. */
export interface RelocationCandidate {
  /** Id in the new base. */
  readonly id: number;
  readonly kind: string;
  readonly size: number;
  readonly accepted: boolean;
  /** Why it was rejected, or what it was accepted as. */
  readonly why: string;
}

/** A module type that uses an unmapped distilled type: embeds it, points to it or names it otherwise. */
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

/** One distilled type that did not map: its candidates with the reason each was rejected, and its users. */
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

/** Why a relocation failed: libbpf's message and errno, then every problem. */
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

const MAX_USERS = 25;

/** The problems of the failed distilled types (tryRelocate's failure path; not re-exported). */
export function diagnose(split: Btf, base: Btf, failed: ReadonlyArray<{ d: number; problem: 'unmapped' | 'ambiguous' }>, state: Uint8Array): RelocationProblem[] {
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
