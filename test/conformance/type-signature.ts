/**
 * A type's kind, name, size and shape as one string, whatever its id and wherever it lives
 * (own part or base): references are written `struct foo` / `typedef bar` for named types and
 * spelled out in full for anonymous ones (pointers, arrays, modifiers, anonymous structs,
 * function prototypes). The encoder's conformance compares sets of these between btfkit's
 * encoding and a reference (the BTF Debian ships, `pahole -J -j1`). Kept from the first
 * `btfkit diff` (semantic-diff.ts), which the ABI diff replaced; only these tests need it.
 */

import type { Btf } from '../../src/wire/btf.js';
import { Kind, kindName } from '../../src/wire/kinds.js';

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

