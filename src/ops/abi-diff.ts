/**
 * The ABI diff of two BTFs (`btfkit diff`): types matched by kind and name, compared member
 * by member, each change reported once at its leaf with what it breaks.
 *
 * Matching: named types by C namespace and name (a FWD spells like its struct/union, ENUM
 * and ENUM64 share `enum`); anonymous struct/union members through their named parents
 * (see abi-diff-members.ts); anonymous enums by their first enumerator; DECL_TAGs by tag,
 * target and component. Names that occur more than once on a side are paired by shape:
 * identical types first, then the closest (same kind, same size), the rest added/removed.
 * Split BTF compares its own types (each side on its own base; references to base types
 * compare by name like any other); a type own on one side only is looked for in the other
 * side's base before it counts as added or removed.
 */

import { LINKAGE_NAMES } from '../format/names.js';
import { enumValue } from '../model/types.js';
import type { Btf } from '../wire/btf.js';
import { hasSize, intBits, intEncoding, intOffset, isComposite, Kind, kindName } from '../wire/kinds.js';
import { hashBytes } from '../wire/strings.js';
import { addCausesAndImpact } from './abi-diff-impact.js';
import { DiffSide, diffHoles, diffMembers, sameBody, sameEnum, sameName, sameRef, strOwner } from './abi-diff-members.js';
import type { AbiDatasecEntryChange, AbiDiffReport, AbiEnumeratorChange, AbiKind, AbiMemberChange, AbiParamChange, AbiTypeChange } from './abi-diff-types.js';

export * from './abi-diff-types.js';

/** Options of `diffBtf`. */
export interface AbiDiffOptions {
  /** Labels for the two inputs in the report (default 'a', 'b'). */
  readonly labelA?: string | undefined;
  readonly labelB?: string | undefined;
  /** Work out who embeds and points to each leaf change (default true). */
  readonly impact?: boolean | undefined;
  /**
   * For split BTF: look a type own on one side only up in the other side's base before
   * calling it added or removed (default true: a type may move between a module and vmlinux).
   */
  readonly matchBase?: boolean | undefined;
}

/** Which changes to keep (the CLI's --kind, --name, --suppress). */
export interface AbiDiffFilter {
  readonly kinds?: readonly string[] | undefined;
  readonly name?: RegExp | undefined;
  /** Types/functions whose name matches one of these are left out. */
  readonly suppress?: readonly RegExp[] | undefined;
  /** Only these `kind name` keys, plus the leaves they changed through (e.g. a module's vmlinux types). */
  readonly keys?: ReadonlySet<string> | undefined;
}

const KINDS: readonly AbiKind[] = ['struct', 'union', 'enum', 'typedef', 'func', 'var', 'datasec', 'decl_tag', 'int', 'float'];
/** Anonymous enums are keyed by their first enumerator: a namespace of their own. */
const ANON_ENUM = KINDS.length;
const DECL_TAG = KINDS.indexOf('decl_tag');

/** The report kind (as an index into KINDS, or ANON_ENUM) of a type matched by name, else -1. */
function categoryOf(btf: Btf, id: number): number {
  const k = btf.kind(id);
  const named = btf.nameOff(id) !== 0;
  switch (k) {
    case Kind.STRUCT:
      return named ? 0 : -1;
    case Kind.UNION:
      return named ? 1 : -1;
    case Kind.FWD:
      return btf.kflag(id) ? 1 : 0;
    case Kind.ENUM:
    case Kind.ENUM64:
      return named ? 2 : btf.vlen(id) > 0 ? ANON_ENUM : -1;
    case Kind.TYPEDEF:
      return 3;
    case Kind.FUNC:
      return 4;
    case Kind.VAR:
      return 5;
    case Kind.DATASEC:
      return 6;
    case Kind.DECL_TAG:
      return 7;
    case Kind.INT:
      return 8;
    case Kind.FLOAT:
      return 9;
    default:
      return -1;
  }
}

/** The string offset a type is matched by: its name, or an anonymous enum's first enumerator. */
function keyNameOff(btf: Btf, id: number, cat: number): number {
  return cat === ANON_ENUM ? btf.elemWord(id, 0, 0) : btf.nameOff(id);
}

function reportName(s: DiffSide, id: number, cat: number): string {
  if (cat === ANON_ENUM) return `(anonymous: ${s.str(s.btf.elemWord(id, 0, 0))})`;
  if (cat === DECL_TAG) return declTagName(s, id);
  return s.name(id);
}

/** `bpf_kfunc on func bpf_foo`, `user on struct foo.member`, `tag on func f(arg)`. */
function declTagName(s: DiffSide, id: number): string {
  const btf = s.btf;
  const target = btf.sizeOrType(id);
  const comp = btf.word(id, 3) | 0;
  let where = target === 0 ? 'void' : `${kindName(btf.kind(target)).toLowerCase()} ${s.name(target) || `[${target}]`}`;
  if (comp >= 0 && target !== 0) {
    const k = btf.kind(target);
    if (isComposite(k) && comp < btf.vlen(target)) where += `.${s.str(btf.elemWord(target, comp, 0))}`;
    else if (k === Kind.FUNC) {
      const proto = btf.sizeOrType(target);
      where += comp < btf.vlen(proto) ? `(${s.str(btf.elemWord(proto, comp, 0))})` : `(#${comp})`;
    } else where += `#${comp}`;
  }
  return `${s.name(id)} on ${where}`;
}

/** Types of both sides sharing a report kind and name. */
interface Group {
  readonly cat: number;
  readonly idsA: readonly number[];
  readonly idsB: readonly number[];
}

/**
 * Group the own types of both sides by (kind, name) without decoding names: a hash table over
 * the name bytes, in flat arrays (one group per name; nearly all hold one type per side).
 * DECL_TAGs are keyed by decoded text (tag, target and component). Each group goes to
 * `visitPair` (one type on each side) or `visit`.
 */
function groupTypes(A: DiffSide, B: DiffSide, visitPair: (cat: number, ia: number, ib: number) => void, visit: (g: Group) => void): void {
  const sides = [A.btf, B.btf] as const;
  const total = A.btf.typeCount + B.btf.typeCount;
  let cap = 16;
  while (cap < total) cap *= 2;
  const head = new Int32Array(cap).fill(-1);
  const next = new Int32Array(total);
  const cat = new Int8Array(total);
  const repSide = new Uint8Array(total);
  const repOff = new Uint32Array(total);
  const first = [new Int32Array(total), new Int32Array(total)] as const;
  const count = [new Int32Array(total), new Int32Array(total)] as const;
  /** Group of each own type (index id - startId), -1 when not matched by name. */
  const groupOf = [new Int32Array(A.btf.typeCount).fill(-1), new Int32Array(B.btf.typeCount).fill(-1)] as const;
  let nGroups = 0;
  const tags = new Map<string, { idsA: number[]; idsB: number[] }>();
  for (let side = 0; side < 2; side++) {
    const btf = sides[side]!;
    const firstOf = first[side]!;
    const countOf = count[side]!;
    for (let id = btf.startId; id < btf.nextId; id++) {
      const c = categoryOf(btf, id);
      if (c < 0) continue;
      if (c === DECL_TAG) {
        const key = declTagName(side === 0 ? A : B, id);
        let t = tags.get(key);
        if (!t) tags.set(key, (t = { idsA: [], idsB: [] }));
        (side === 0 ? t.idsA : t.idsB).push(id);
        continue;
      }
      const off = keyNameOff(btf, id, c);
      const owner = strOwner(btf, off);
      const h = (Math.imul(hashBytes(owner.strings, off - owner.startStrOff), 31) + c) & (cap - 1);
      let g = head[h]!;
      while (g >= 0 && !(cat[g] === c && sameName(btf, off, sides[repSide[g]!]!, repOff[g]!))) g = next[g]!;
      if (g < 0) {
        g = nGroups++;
        cat[g] = c;
        repSide[g] = side;
        repOff[g] = off;
        next[g] = head[h]!;
        head[h] = g;
      }
      if (countOf[g] === 0) firstOf[g] = id;
      countOf[g]!++;
      groupOf[side]![id - btf.startId] = g;
    }
  }
  // Lists only for names with several types on a side.
  const lists = new Map<number, [number[], number[]]>();
  for (let side = 0; side < 2; side++) {
    const btf = sides[side]!;
    const countOf = count[side]!;
    if (!countOf.some((n) => n > 1)) continue;
    const groups = groupOf[side]!;
    for (let id = btf.startId; id < btf.nextId; id++) {
      const g = groups[id - btf.startId]!;
      if (g < 0 || (count[0][g]! <= 1 && count[1][g]! <= 1)) continue;
      let l = lists.get(g);
      if (!l) lists.set(g, (l = [[], []]));
      l[side]!.push(id);
    }
  }
  // The common case (one type of the name on each side, and the same) allocates nothing.
  for (let g = 0; g < nGroups; g++) {
    const l = lists.get(g);
    if (l) visit({ cat: cat[g]!, idsA: l[0], idsB: l[1] });
    else if (count[0][g] && count[1][g]) visitPair(cat[g]!, first[0][g]!, first[1][g]!);
    else visit({ cat: cat[g]!, idsA: count[0][g] ? [first[0][g]!] : [], idsB: count[1][g] ? [first[1][g]!] : [] });
  }
  for (const t of tags.values()) visit({ cat: DECL_TAG, ...t });
}

/** Types in `other`'s base chain with the same kind and name as `id` of `s` (none when not split). */
function inBase(s: DiffSide, id: number, cat: number, other: Btf): number[] {
  if (!other.base) return [];
  if (cat === ANON_ENUM) return anonEnumsOf(other.base).get(s.str(s.btf.elemWord(id, 0, 0))) ?? [];
  const name = s.name(id);
  return other.base.findByName(name).filter((b) => categoryOf(other, b) === cat);
}

const anonEnumIndex = new WeakMap<Btf, Map<string, number[]>>();

/** Anonymous enums of a BTF chain by first enumerator (built once per base, on demand). */
function anonEnumsOf(btf: Btf): Map<string, number[]> {
  let m = anonEnumIndex.get(btf);
  if (m) return m;
  m = new Map();
  for (let id = 1; id < btf.nextId; id++) {
    if (categoryOf(btf, id) !== ANON_ENUM) continue;
    const first = btf.str(btf.elemWord(id, 0, 0));
    const l = m.get(first);
    if (l) l.push(id);
    else m.set(first, [id]);
  }
  anonEnumIndex.set(btf, m);
  return m;
}

/** Compare two BTFs type by type; see the module comment for how types are matched. */
export function diffBtf(a: Btf, b: Btf, opts: AbiDiffOptions = {}): AbiDiffReport {
  const A = new DiffSide(a);
  const B = new DiffSide(b);
  const changes: AbiTypeChange[] = [];
  const removed: AbiTypeChange[] = [];
  const added: AbiTypeChange[] = [];
  const pair = (cat: number, ia: number, ib: number): void => {
    // The common case: one type of this name on each side, usually unchanged.
    if (samePair(A, ia, B, ib)) return;
    const c = diffPair(A, ia, B, ib, KINDS[cat] ?? 'enum', cat);
    if (c) changes.push(c);
  };
  groupTypes(A, B, pair, (g) => {
    const kind = KINDS[g.cat] ?? 'enum';
    // A type own on one side only may sit in the other side's base (moved between a module
    // and vmlinux, or standalone module BTF against split): compare with that one.
    const lookUp = opts.matchBase !== false && g.cat !== DECL_TAG;
    const idsA = g.idsA.length === 0 && lookUp ? inBase(B, g.idsB[0]!, g.cat, A.btf) : g.idsA;
    const idsB = g.idsB.length === 0 && lookUp ? inBase(A, g.idsA[0]!, g.cat, B.btf) : g.idsB;
    if (idsA.length === 1 && idsB.length === 1) return pair(g.cat, idsA[0]!, idsB[0]!);
    for (const [ia, ib] of pairByShape(A, idsA, B, idsB)) {
      if (ia === undefined) added.push(addedOrRemoved(B, ib!, kind, g.cat, 'added'));
      else if (ib === undefined) removed.push(addedOrRemoved(A, ia, kind, g.cat, 'removed'));
      else {
        const c = diffPair(A, ia, B, ib, kind, g.cat);
        if (c) changes.push(c);
      }
    }
  });
  // struct ↔ union under one name: a kind change, not a removal and an addition.
  const addedByName = new Map<string, AbiTypeChange>();
  for (const c of added) if (c.kind === 'struct' || c.kind === 'union') addedByName.set(c.name, c);
  const swapped = new Set<AbiTypeChange>();
  for (const r of removed) {
    const other = r.kind === 'struct' || r.kind === 'union' ? addedByName.get(r.name) : undefined;
    if (!other || other.kind === r.kind || swapped.has(other)) {
      changes.push(r);
      continue;
    }
    swapped.add(other);
    changes.push(diffPair(A, r.id_a!, B, other.id_b!, other.kind, KINDS.indexOf(other.kind)) ?? other);
  }
  for (const c of added) if (!swapped.has(c)) changes.push(c);

  if (opts.impact !== false) addCausesAndImpact(B, changes);
  changes.sort((p, q) => (p.kind < q.kind ? -1 : p.kind > q.kind ? 1 : p.name < q.name ? -1 : p.name > q.name ? 1 : (p.id_b ?? p.id_a ?? 0) - (q.id_b ?? q.id_a ?? 0)));
  return { a: opts.labelA ?? 'a', b: opts.labelB ?? 'b', changes, summary: summarize(changes, a, b) };
}

function summarize(changes: readonly AbiTypeChange[], a?: Btf, b?: Btf, prev?: AbiDiffReport['summary']): AbiDiffReport['summary'] {
  return {
    added: changes.filter((c) => c.status === 'added').length,
    removed: changes.filter((c) => c.status === 'removed').length,
    changed: changes.filter((c) => c.status === 'changed').length,
    leaves: changes.filter((c) => c.status === 'changed' && !c.cause).length,
    incompatible: changes.filter((c) => c.incompatible).length,
    types_a: prev?.types_a ?? (a ? a.typeCount : 0),
    types_b: prev?.types_b ?? (b ? b.typeCount : 0),
  };
}

/** Keep the changes the filter selects (kind, name pattern, suppressions). */
export function filterAbiDiff(report: AbiDiffReport, filter: AbiDiffFilter): AbiDiffReport {
  const kinds = filter.kinds && filter.kinds.length > 0 ? new Set(filter.kinds.map((k) => k.toLowerCase())) : undefined;
  let keys = filter.keys;
  if (keys) {
    const withLeaves = new Set(keys);
    for (const c of report.changes) if (c.cause && keys.has(`${c.kind} ${c.name}`)) withLeaves.add(`${c.cause.kind} ${c.cause.name}`);
    keys = withLeaves;
  }
  const changes = report.changes.filter(
    (c) => (!kinds || kinds.has(c.kind)) && (!filter.name || filter.name.test(c.name)) && !(filter.suppress ?? []).some((re) => re.test(c.name)) && (!keys || keys.has(`${c.kind} ${c.name}`)),
  );
  return { ...report, changes, summary: summarize(changes, undefined, undefined, report.summary) };
}

/**
 * Pairs of ids with one name (several on a side): [a, b] matched, [a, undefined] removed,
 * [undefined, b] added. Identical types pair first, then the closest by kind and size, then
 * by kind, in id order.
 */
function pairByShape(A: DiffSide, idsA: readonly number[], B: DiffSide, idsB: readonly number[]): Array<[number | undefined, number | undefined]> {
  const out: Array<[number | undefined, number | undefined]> = [];
  const restA = [...idsA];
  const restB = [...idsB];
  const take = (accept: (ia: number, ib: number) => boolean): void => {
    for (let i = 0; i < restA.length; i++) {
      const j = restB.findIndex((ib) => accept(restA[i]!, ib));
      if (j < 0) continue;
      out.push([restA[i], restB[j]]);
      restA.splice(i--, 1);
      restB.splice(j, 1);
    }
  };
  take((ia, ib) => samePair(A, ia, B, ib));
  take((ia, ib) => A.btf.kind(ia) === B.btf.kind(ib) && A.btf.sizeOrType(ia) === B.btf.sizeOrType(ib));
  take((ia, ib) => A.btf.kind(ia) === B.btf.kind(ib));
  take(() => true);
  for (const ia of restA) out.push([ia, undefined]);
  for (const ib of restB) out.push([undefined, ib]);
  return out;
}

function addedOrRemoved(s: DiffSide, id: number, kind: AbiKind, cat: number, status: 'added' | 'removed'): AbiTypeChange {
  const name = reportName(s, id, cat);
  const k = s.btf.kind(id);
  const size = hasSize(k) ? s.btf.sizeOrType(id) : undefined;
  return {
    kind,
    name,
    status,
    // Removing a type or function breaks whoever used it; adding one breaks nobody.
    incompatible: status === 'removed',
    ...(status === 'added' ? { id_b: id } : { id_a: id }),
    ...(k === Kind.FWD ? { fwd: true } : {}),
    ...(size !== undefined ? { size: status === 'added' ? ([0, size] as const) : ([size, 0] as const) } : {}),
  };
}

/**
 * Are two types matched by name the same? The fast path every pair takes (nearly all are):
 * no allocation, no name decoding.
 */
function samePair(A: DiffSide, ia: number, B: DiffSide, ib: number): boolean {
  const x = A.btf;
  const y = B.btf;
  const k = x.kind(ia);
  if (k !== y.kind(ib)) return false;
  switch (k) {
    case Kind.STRUCT:
    case Kind.UNION:
      return sameBody(A, ia, B, ib);
    case Kind.ENUM:
    case Kind.ENUM64:
      return sameEnum(x, ia, y, ib);
    case Kind.TYPEDEF:
      return sameRef(A, x.sizeOrType(ia), B, y.sizeOrType(ib)) && A.size(x.sizeOrType(ia)) === B.size(y.sizeOrType(ib));
    case Kind.FUNC:
      return x.vlen(ia) === y.vlen(ib) && sameRef(A, x.sizeOrType(ia), B, y.sizeOrType(ib)) && sameParamNames(x, x.sizeOrType(ia), y, y.sizeOrType(ib));
    case Kind.VAR:
      return x.word(ia, 3) === y.word(ib, 3) && sameRef(A, x.sizeOrType(ia), B, y.sizeOrType(ib));
    case Kind.INT:
      return x.sizeOrType(ia) === y.sizeOrType(ib) && x.word(ia, 3) === y.word(ib, 3);
    case Kind.FLOAT:
      return x.sizeOrType(ia) === y.sizeOrType(ib);
    case Kind.DATASEC: {
      const n = x.vlen(ia);
      if (n !== y.vlen(ib) || x.sizeOrType(ia) !== y.sizeOrType(ib)) return false;
      for (let i = 0; i < n; i++) {
        if (x.elemWord(ia, i, 1) !== y.elemWord(ib, i, 1) || x.elemWord(ia, i, 2) !== y.elemWord(ib, i, 2)) return false;
        if (!sameName(x, x.nameOff(x.elemWord(ia, i, 0)), y, y.nameOff(y.elemWord(ib, i, 0)))) return false;
      }
      return true;
    }
    default:
      // FWD (same namespace and name), DECL_TAG (keyed by everything it says).
      return true;
  }
}

/** The change between two types matched by name, or undefined when they are the same. */
function diffPair(A: DiffSide, ia: number, B: DiffSide, ib: number, kind: AbiKind, cat: number): AbiTypeChange | undefined {
  const x = A.btf;
  const y = B.btf;
  const kx = x.kind(ia);
  const ky = y.kind(ib);
  const head = { kind, name: reportName(B, ib, cat), status: 'changed' as const, id_a: ia, id_b: ib };
  const sizes = hasSize(kx) && hasSize(ky) ? ([x.sizeOrType(ia), y.sizeOrType(ib)] as const) : undefined;
  // Sizes are reported whenever both kinds have one (changed or not), for consumers' sake.
  const sizeField = sizes ? { size: sizes } : {};
  const resized = sizes !== undefined && sizes[0] !== sizes[1];
  if (kx !== ky && !((kx === Kind.ENUM && ky === Kind.ENUM64) || (kx === Kind.ENUM64 && ky === Kind.ENUM))) {
    // FWD → definition adds a layout; anything else (definition → FWD, struct ↔ union) breaks users.
    const incompatible = !(kx === Kind.FWD && isComposite(ky));
    return { ...head, incompatible, kind_change: [kindName(kx), kindName(ky)], ...(sizes ? { size: sizes } : {}) };
  }
  switch (kx) {
    case Kind.FWD:
      return undefined;
    case Kind.STRUCT:
    case Kind.UNION: {
      if (sizes![0] === sizes![1] && sameBody(A, ia, B, ib)) return undefined;
      const members = diffMembers(A, ia, B, ib);
      if (members.length === 0 && sizes![0] === sizes![1]) return undefined;
      const holes = diffHoles(A, ia, B, ib);
      const incompatible = sizes![0] !== sizes![1] || members.some(memberBreaks);
      return { ...head, incompatible, ...sizeField, members, ...(holes ? { holes } : {}) };
    }
    case Kind.ENUM:
    case Kind.ENUM64:
      if (sameEnum(x, ia, y, ib)) return undefined;
      return diffEnum(A, ia, B, ib, head, sizeField, resized);
    case Kind.TYPEDEF: {
      const ta = x.sizeOrType(ia);
      const tb = y.sizeOrType(ib);
      if (sameRef(A, ta, B, tb) && A.size(ta) === B.size(tb)) return undefined;
      const bodyA = ta !== 0 && isComposite(x.kind(ta)) && x.nameOff(ta) === 0 ? ta : 0;
      const bodyB = tb !== 0 && isComposite(y.kind(tb)) && y.nameOff(tb) === 0 ? tb : 0;
      const sz = A.size(ta) !== B.size(tb) ? { size: [A.size(ta), B.size(tb)] as const } : {};
      if (bodyA && bodyB && x.kind(bodyA) === y.kind(bodyB)) {
        const members = diffMembers(A, bodyA, B, bodyB);
        if (members.length === 0 && !('size' in sz)) return undefined;
        return { ...head, incompatible: true, ...sz, members };
      }
      return { ...head, incompatible: true, ...sz, type: [A.text(ta), B.text(tb)] };
    }
    case Kind.FUNC:
      if (x.vlen(ia) === y.vlen(ib) && sameRef(A, x.sizeOrType(ia), B, y.sizeOrType(ib)) && sameParamNames(x, x.sizeOrType(ia), y, y.sizeOrType(ib))) return undefined;
      return diffFunc(A, ia, B, ib, head);
    case Kind.VAR: {
      const sameType = sameRef(A, x.sizeOrType(ia), B, y.sizeOrType(ib));
      const la = x.word(ia, 3);
      const lb = y.word(ib, 3);
      if (sameType && la === lb) return undefined;
      return { ...head, incompatible: !sameType, ...(sameType ? {} : { type: [A.text(x.sizeOrType(ia)), B.text(y.sizeOrType(ib))] as const }), ...(la !== lb ? { linkage: [linkage(la), linkage(lb)] as const } : {}) };
    }
    case Kind.DATASEC:
      return diffDatasec(A, ia, B, ib, head, sizeField, resized);
    case Kind.INT: {
      const ea = x.word(ia, 3);
      const eb = y.word(ib, 3);
      if (ea === eb && sizes![0] === sizes![1]) return undefined;
      return { ...head, incompatible: true, ...sizeField, ...(ea !== eb ? { type: [intText(ea), intText(eb)] as const } : {}) };
    }
    case Kind.FLOAT:
      return sizes![0] === sizes![1] ? undefined : { ...head, incompatible: true, ...sizeField };
    default:
      return undefined;
  }
}

/** Parameter names of two prototypes with the same parameter count (C text leaves them out). */
function sameParamNames(x: Btf, pa: number, y: Btf, pb: number): boolean {
  const n = x.vlen(pa);
  for (let i = 0; i < n; i++) if (!sameName(x, x.elemWord(pa, i, 0), y, y.elemWord(pb, i, 0))) return false;
  return true;
}

function memberBreaks(m: AbiMemberChange): boolean {
  if (m.status === 'renamed' || m.status === 'added') return false;
  return true;
}

function linkage(l: number): string {
  return LINKAGE_NAMES[l] ?? `linkage ${l}`;
}

function intText(enc: number): string {
  const e = intEncoding(enc);
  return `${intBits(enc)} bits at ${intOffset(enc)}${e & 1 ? ' signed' : ''}${e & 2 ? ' char' : ''}${e & 4 ? ' bool' : ''}`;
}

type Head = { kind: AbiKind; name: string; status: 'changed'; id_a: number; id_b: number };

function diffEnum(A: DiffSide, ia: number, B: DiffSide, ib: number, head: Head, sizeField: object, resized: boolean): AbiTypeChange | undefined {
  const x = A.btf;
  const y = B.btf;
  const valuesB = new Map<string, bigint>();
  for (let j = 0; j < y.vlen(ib); j++) valuesB.set(B.str(y.elemWord(ib, j, 0)), enumValue(y, ib, j));
  const enumerators: AbiEnumeratorChange[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < x.vlen(ia); i++) {
    const n = A.str(x.elemWord(ia, i, 0));
    seen.add(n);
    const va = enumValue(x, ia, i);
    const vb = valuesB.get(n);
    if (vb === undefined) enumerators.push({ name: n, status: 'removed', a: String(va) });
    else if (vb !== va) enumerators.push({ name: n, status: 'changed', a: String(va), b: String(vb) });
  }
  for (const [n, vb] of valuesB) if (!seen.has(n)) enumerators.push({ name: n, status: 'added', b: String(vb) });
  const kinds = x.kind(ia) !== y.kind(ib) ? { kind_change: [kindName(x.kind(ia)), kindName(y.kind(ib))] as const } : {};
  const signed = x.kflag(ia) !== y.kflag(ib) ? { signed: [x.kflag(ia), y.kflag(ib)] as const } : {};
  if (enumerators.length === 0 && !resized && !('kind_change' in kinds) && !('signed' in signed)) return undefined;
  const incompatible = resized || enumerators.some((e) => e.status !== 'added');
  return { ...head, incompatible, ...sizeField, ...kinds, ...signed, enumerators };
}

function diffFunc(A: DiffSide, ia: number, B: DiffSide, ib: number, head: Head): AbiTypeChange | undefined {
  const x = A.btf;
  const y = B.btf;
  const pa = x.sizeOrType(ia);
  const pb = y.sizeOrType(ib);
  const la = x.vlen(ia);
  const lb = y.vlen(ib);
  const params: AbiParamChange[] = [];
  const na = x.vlen(pa);
  const nb = y.vlen(pb);
  for (let i = 0; i < Math.max(na, nb); i++) {
    const nameA = i < na ? A.str(x.elemWord(pa, i, 0)) : '';
    const nameB = i < nb ? B.str(y.elemWord(pb, i, 0)) : '';
    if (i >= nb) {
      params.push({ index: i, name: nameA, status: 'removed', a: { type: A.text(x.elemWord(pa, i, 1)) } });
      continue;
    }
    if (i >= na) {
      params.push({ index: i, name: nameB, status: 'added', b: { type: B.text(y.elemWord(pb, i, 1)) } });
      continue;
    }
    const same = sameRef(A, x.elemWord(pa, i, 1), B, y.elemWord(pb, i, 1));
    if (!same) params.push({ index: i, name: nameB, status: 'changed', ...(nameA !== nameB ? { old_name: nameA } : {}), a: { type: A.text(x.elemWord(pa, i, 1)) }, b: { type: B.text(y.elemWord(pb, i, 1)) } });
    else if (nameA !== nameB) params.push({ index: i, name: nameB, status: 'renamed', old_name: nameA });
  }
  const retSame = sameRef(A, x.sizeOrType(pa), B, y.sizeOrType(pb));
  if (params.length === 0 && retSame && la === lb) return undefined;
  const incompatible = !retSame || params.some((p) => p.status !== 'renamed');
  const protoChanged = !retSame || params.length > 0;
  return {
    ...head,
    incompatible,
    ...(protoChanged ? { type: [A.decl(pa, head.name), B.decl(pb, head.name)] as const } : {}),
    ...(la !== lb ? { linkage: [linkage(la), linkage(lb)] as const } : {}),
    ...(params.length > 0 ? { params } : {}),
  };
}

function diffDatasec(A: DiffSide, ia: number, B: DiffSide, ib: number, head: Head, sizeField: object, resized: boolean): AbiTypeChange | undefined {
  const x = A.btf;
  const y = B.btf;
  const entry = (s: DiffSide, id: number, i: number): { name: string; offset: number; size: number } => {
    const v = s.btf.elemWord(id, i, 0);
    return { name: s.name(v) || `[${v}]`, offset: s.btf.elemWord(id, i, 1), size: s.btf.elemWord(id, i, 2) };
  };
  const inB = new Map<string, { offset: number; size: number }>();
  for (let j = 0; j < y.vlen(ib); j++) {
    const e = entry(B, ib, j);
    inB.set(e.name, { offset: e.offset, size: e.size });
  }
  const entries: AbiDatasecEntryChange[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < x.vlen(ia); i++) {
    const e = entry(A, ia, i);
    seen.add(e.name);
    const o = inB.get(e.name);
    const a = { offset: e.offset, size: e.size };
    if (!o) entries.push({ name: e.name, status: 'removed', a });
    else if (o.offset !== e.offset || o.size !== e.size) entries.push({ name: e.name, status: 'changed', a, b: o });
  }
  for (const [n, o] of inB) if (!seen.has(n)) entries.push({ name: n, status: 'added', b: o });
  if (entries.length === 0 && !resized) return undefined;
  // Section layout is the linker's business; the variables' own changes are reported on them.
  return { ...head, incompatible: false, ...sizeField, entries };
}
