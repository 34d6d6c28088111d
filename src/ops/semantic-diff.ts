/**
 * Semantic comparison of two BTFs: the same types by name, kind, size and shape, whatever
 * their ids and wherever they live (own part or base). A first version of `btfkit diff`.
 *
 * Every type gets a signature: its kind, name, size and shape, with references written as
 * `struct foo` / `typedef bar` for named types and spelled out in full for anonymous ones
 * (pointers, arrays, modifiers, anonymous structs, function prototypes). Two named types are
 * "the same" when their signatures are equal. Comparing split BTF, a named own type of one
 * side matches a type with the same signature among the other side's own types or its base.
 */

import type { Btf } from '../wire/btf.js';
import { Kind, kindName } from '../wire/kinds.js';

export interface TypeRef {
  readonly kind: string;
  readonly name: string;
  /** Id in the BTF it comes from. */
  readonly id: number;
}

export interface ChangedType {
  readonly kind: string;
  readonly name: string;
  readonly idA: number;
  readonly idB: number;
  /** Signatures on each side. */
  readonly a: string;
  readonly b: string;
}

export interface SemanticDiff {
  readonly equal: boolean;
  readonly onlyInA: readonly TypeRef[];
  readonly onlyInB: readonly TypeRef[];
  readonly changed: readonly ChangedType[];
  /** Named own types compared on each side. */
  readonly comparedA: number;
  readonly comparedB: number;
}

export interface SemanticDiffOptions {
  /**
   * Let a named own type match the other side's base types too (default true for split BTF:
   * a type may sit in the module on one side and in vmlinux on the other).
   */
  readonly matchBase?: boolean | undefined;
}

const sigCache = new WeakMap<Btf, Map<number, string>>();

const REF_BY_NAME = new Set<number>([Kind.STRUCT, Kind.UNION, Kind.ENUM, Kind.ENUM64, Kind.FWD, Kind.TYPEDEF]);

/** The signature of type `id` of `btf` (ids anywhere in its base chain). */
export function typeSignature(btf: Btf, id: number): string {
  const owner = id === 0 ? btf : btf.ownerOf(id);
  let cache = sigCache.get(owner);
  if (!cache) sigCache.set(owner, (cache = new Map()));
  const have = cache.get(id);
  if (have !== undefined) return have;
  cache.set(id, '<cycle>');
  const s = fullSig(owner, id);
  cache.set(id, s);
  return s;
}

function refSig(btf: Btf, id: number): string {
  if (id === 0) return 'void';
  if (!btf.hasType(id)) return `<bad id ${id}>`;
  const k = btf.kind(id);
  if (REF_BY_NAME.has(k) && btf.nameOff(id) !== 0) return `${keyword(btf, id)} ${btf.name(id)}`;
  return typeSignature(btf, id);
}

function keyword(btf: Btf, id: number): string {
  const k = btf.kind(id);
  switch (k) {
    case Kind.STRUCT:
      return 'struct';
    case Kind.UNION:
      return 'union';
    case Kind.ENUM:
    case Kind.ENUM64:
      return 'enum';
    case Kind.FWD:
      return btf.kflag(id) ? 'fwd union' : 'fwd struct';
    case Kind.TYPEDEF:
      return 'typedef';
    default:
      return kindName(k).toLowerCase();
  }
}

function fullSig(btf: Btf, id: number): string {
  if (id === 0) return 'void';
  const k = btf.kind(id);
  const name = btf.name(id);
  const vlen = btf.vlen(id);
  const so = btf.sizeOrType(id);
  switch (k) {
    case Kind.INT: {
      const e = btf.word(id, 3);
      return `int ${name} ${so} enc=${(e >>> 24) & 0xf} off=${(e >>> 16) & 0xff} bits=${e & 0xff}`;
    }
    case Kind.FLOAT:
      return `float ${name} ${so}`;
    case Kind.PTR:
      return `*(${refSig(btf, so)})`;
    case Kind.CONST:
      return `const(${refSig(btf, so)})`;
    case Kind.VOLATILE:
      return `volatile(${refSig(btf, so)})`;
    case Kind.RESTRICT:
      return `restrict(${refSig(btf, so)})`;
    case Kind.TYPE_TAG:
      return `tag${btf.kflag(id) ? '!' : ''}[${name}](${refSig(btf, so)})`;
    case Kind.TYPEDEF:
      return `typedef ${name} = ${refSig(btf, so)}`;
    case Kind.ARRAY:
      return `(${refSig(btf, btf.word(id, 3))})[${btf.word(id, 5)}] idx ${refSig(btf, btf.word(id, 4))}`;
    case Kind.FWD:
      return `${keyword(btf, id)} ${name}`;
    case Kind.STRUCT:
    case Kind.UNION: {
      const kf = btf.kflag(id);
      const parts: string[] = [];
      for (let i = 0; i < vlen; i++) {
        const off = btf.elemWord(id, i, 2);
        const bitOff = kf ? off & 0xffffff : off;
        const bits = kf ? off >>> 24 : 0;
        parts.push(`${btf.str(btf.elemWord(id, i, 0))}:${refSig(btf, btf.elemWord(id, i, 1))}@${bitOff}${bits ? `:${bits}` : ''}`);
      }
      return `${keyword(btf, id)} ${name} ${so} {${parts.join('; ')}}`;
    }
    case Kind.ENUM: {
      const parts: string[] = [];
      for (let i = 0; i < vlen; i++) parts.push(`${btf.str(btf.elemWord(id, i, 0))}=${btf.kflag(id) ? btf.elemWord(id, i, 1) | 0 : btf.elemWord(id, i, 1)}`);
      return `enum ${name} ${so} ${btf.kflag(id) ? 's' : 'u'} {${parts.join(', ')}}`;
    }
    case Kind.ENUM64: {
      const parts: string[] = [];
      for (let i = 0; i < vlen; i++) {
        const v = (BigInt(btf.elemWord(id, i, 2)) << 32n) | BigInt(btf.elemWord(id, i, 1));
        parts.push(`${btf.str(btf.elemWord(id, i, 0))}=${btf.kflag(id) ? BigInt.asIntN(64, v) : v}`);
      }
      return `enum64 ${name} ${so} ${btf.kflag(id) ? 's' : 'u'} {${parts.join(', ')}}`;
    }
    case Kind.FUNC_PROTO: {
      const ps: string[] = [];
      for (let i = 0; i < vlen; i++) ps.push(`${btf.str(btf.elemWord(id, i, 0))}:${refSig(btf, btf.elemWord(id, i, 1))}`);
      return `fn(${ps.join(', ')}) -> ${refSig(btf, so)}`;
    }
    case Kind.FUNC:
      return `func ${name} linkage=${vlen} ${refSig(btf, so)}`;
    case Kind.VAR:
      return `var ${name} linkage=${btf.word(id, 3)} ${refSig(btf, so)}`;
    case Kind.DATASEC: {
      const parts: string[] = [];
      for (let i = 0; i < vlen; i++) {
        const v = btf.elemWord(id, i, 0);
        parts.push(`${btf.hasType(v) && btf.nameOff(v) ? btf.name(v) : refSig(btf, v)}@${btf.elemWord(id, i, 1)}:${btf.elemWord(id, i, 2)}`);
      }
      return `datasec ${name} ${so} {${parts.join(', ')}}`;
    }
    case Kind.DECL_TAG: {
      const t = so;
      const target = btf.hasType(t) && btf.nameOff(t) ? `${kindName(btf.kind(t)).toLowerCase()} ${btf.name(t)}` : refSig(btf, t);
      return `decl_tag${btf.kflag(id) ? '!' : ''} ${name} ${btf.word(id, 3) | 0} on ${target}`;
    }
    default:
      return `kind${k} ${name} ${so} vlen=${vlen}`;
  }
}

/** Named own types, grouped by "KIND name". */
function namedOwn(btf: Btf): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (let id = btf.startId; id < btf.nextId; id++) {
    if (btf.nameOff(id) === 0) continue;
    const key = `${kindName(btf.kind(id))} ${btf.name(id)}`;
    const l = m.get(key);
    if (l) l.push(id);
    else m.set(key, [id]);
  }
  return m;
}

/** Ids with this key in the base chain of `btf` (not its own part). */
function baseIds(btf: Btf, kind: string, name: string): number[] {
  if (!btf.base) return [];
  return btf.base.findByName(name).filter((id) => kindName(btf.kind(id)) === kind);
}

/** Compare two BTFs' named own types by signature. */
export function semanticDiff(a: Btf, b: Btf, opts: SemanticDiffOptions = {}): SemanticDiff {
  const matchBase = opts.matchBase ?? true;
  const ownA = namedOwn(a);
  const ownB = namedOwn(b);
  const onlyInA: TypeRef[] = [];
  const onlyInB: TypeRef[] = [];
  const changed: ChangedType[] = [];
  let comparedA = 0;
  let comparedB = 0;

  const side = (x: Btf, ownX: Map<string, number[]>, y: Btf, ownY: Map<string, number[]>, only: TypeRef[], isA: boolean): number => {
    let n = 0;
    for (const [key, ids] of ownX) {
      const sp = key.indexOf(' ');
      const kind = key.slice(0, sp);
      const name = key.slice(sp + 1);
      const others = [...(ownY.get(key) ?? []), ...(matchBase ? baseIds(y, kind, name) : [])];
      const otherSigs = new Map<string, number>();
      for (const o of others) if (!otherSigs.has(typeSignature(y, o))) otherSigs.set(typeSignature(y, o), o);
      for (const id of ids) {
        n++;
        const s = typeSignature(x, id);
        if (otherSigs.has(s)) continue;
        if (others.length === 0) {
          only.push({ kind, name, id });
        } else if (isA) {
          const o = others[0]!;
          changed.push({ kind, name, idA: id, idB: o, a: s, b: typeSignature(y, o) });
        } else if (!changed.some((c) => c.kind === kind && c.name === name)) {
          const o = others[0]!;
          changed.push({ kind, name, idA: o, idB: id, a: typeSignature(y, o), b: s });
        }
      }
    }
    return n;
  };
  comparedA = side(a, ownA, b, ownB, onlyInA, true);
  comparedB = side(b, ownB, a, ownA, onlyInB, false);
  return { equal: onlyInA.length === 0 && onlyInB.length === 0 && changed.length === 0, onlyInA, onlyInB, changed, comparedA, comparedB };
}

/** Text report of a semantic diff. */
export function formatSemanticDiff(d: SemanticDiff, labelA = 'A', labelB = 'B'): string {
  if (d.equal) return `semantically equal (${d.comparedA} / ${d.comparedB} named types)\n`;
  const lines: string[] = [];
  for (const t of d.onlyInA) lines.push(`- ${t.kind} '${t.name}' [${t.id}] only in ${labelA}`);
  for (const t of d.onlyInB) lines.push(`+ ${t.kind} '${t.name}' [${t.id}] only in ${labelB}`);
  for (const c of d.changed) {
    lines.push(`~ ${c.kind} '${c.name}' differs ([${c.idA}] in ${labelA}, [${c.idB}] in ${labelB})`);
    lines.push(`    ${labelA}: ${c.a}`);
    lines.push(`    ${labelB}: ${c.b}`);
  }
  lines.push(`${d.onlyInA.length} only in ${labelA}, ${d.onlyInB.length} only in ${labelB}, ${d.changed.length} changed (of ${d.comparedA} / ${d.comparedB} named types)`);
  return lines.join('\n') + '\n';
}
