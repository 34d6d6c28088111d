/**
 * The type model: plain objects for one type at a time, made only when asked for
 * (`typeAt(btf, id)`). Bulk operations read words through the Btf accessors instead.
 */

import type { Btf } from '../wire/btf.js';
import { intBits, intEncoding, intOffset, Kind, kindName, memberWordBitfieldSize, memberWordBitOffset } from '../wire/kinds.js';

export interface BaseType {
  readonly id: number;
  readonly kind: number;
  /** Kind name as bpftool prints it. */
  readonly kindName: string;
  readonly name: string;
  readonly kflag: boolean;
}

export interface IntType extends BaseType {
  readonly kind: typeof Kind.INT;
  readonly size: number;
  readonly bitOffset: number;
  readonly bits: number;
  /** Raw encoding bits: 1 signed, 2 char, 4 bool. */
  readonly encoding: number;
}
export interface RefType extends BaseType {
  readonly kind: typeof Kind.PTR | typeof Kind.TYPEDEF | typeof Kind.VOLATILE | typeof Kind.CONST | typeof Kind.RESTRICT | typeof Kind.TYPE_TAG;
  readonly type: number;
}
export interface ArrayType extends BaseType {
  readonly kind: typeof Kind.ARRAY;
  readonly type: number;
  readonly indexType: number;
  readonly nelems: number;
}
export interface Member {
  readonly name: string;
  readonly type: number;
  readonly bitOffset: number;
  readonly bitSize: number;
}
export interface CompositeType extends BaseType {
  readonly kind: typeof Kind.STRUCT | typeof Kind.UNION;
  readonly size: number;
  readonly members: readonly Member[];
}
export interface EnumValue {
  readonly name: string;
  /** Value as the kind flag says to read it (signed or unsigned). */
  readonly value: bigint;
}
export interface EnumType extends BaseType {
  readonly kind: typeof Kind.ENUM | typeof Kind.ENUM64;
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly EnumValue[];
}
export interface FwdType extends BaseType {
  readonly kind: typeof Kind.FWD;
  readonly isUnion: boolean;
}
export interface FuncType extends BaseType {
  readonly kind: typeof Kind.FUNC;
  readonly type: number;
  readonly linkage: number;
}
export interface Param {
  readonly name: string;
  readonly type: number;
}
export interface FuncProtoType extends BaseType {
  readonly kind: typeof Kind.FUNC_PROTO;
  readonly returnType: number;
  readonly params: readonly Param[];
}
export interface VarType extends BaseType {
  readonly kind: typeof Kind.VAR;
  readonly type: number;
  readonly linkage: number;
}
export interface VarSecinfo {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}
export interface DatasecType extends BaseType {
  readonly kind: typeof Kind.DATASEC;
  readonly size: number;
  readonly vars: readonly VarSecinfo[];
}
export interface FloatType extends BaseType {
  readonly kind: typeof Kind.FLOAT;
  readonly size: number;
}
export interface DeclTagType extends BaseType {
  readonly kind: typeof Kind.DECL_TAG;
  readonly type: number;
  readonly componentIdx: number;
}
export interface VoidType extends BaseType {
  readonly kind: typeof Kind.UNKN;
}
/** A kind btfkit does not know, sized through the layout section. */
export interface UnknownType extends BaseType {
  readonly sizeOrType: number;
  readonly vlen: number;
  /** The trailing words, undecoded. */
  readonly data: readonly number[];
}

export type BtfType =
  | VoidType
  | IntType
  | RefType
  | ArrayType
  | CompositeType
  | EnumType
  | FwdType
  | FuncType
  | FuncProtoType
  | VarType
  | DatasecType
  | FloatType
  | DeclTagType
  | UnknownType;

/** Bit offset and bitfield size of member `i`, honouring the parent's kind flag. */
export function memberBits(btf: Btf, id: number, i: number): { bitOffset: number; bitSize: number } {
  const raw = btf.elemWord(id, i, 2);
  const kflag = btf.kflag(id);
  return { bitOffset: memberWordBitOffset(raw, kflag), bitSize: memberWordBitfieldSize(raw, kflag) };
}

/** Value of enumerator `i` of an ENUM or ENUM64, read as the kind flag says. */
export function enumValue(btf: Btf, id: number, i: number): bigint {
  const signed = btf.kflag(id);
  if (btf.kind(id) === Kind.ENUM64) {
    const v = (BigInt(btf.elemWord(id, i, 2)) << 32n) | BigInt(btf.elemWord(id, i, 1));
    return signed ? BigInt.asIntN(64, v) : v;
  }
  const raw = btf.elemWord(id, i, 1);
  return BigInt(signed ? raw | 0 : raw);
}

/** Inflate type `id` into a plain object. */
export function typeAt(btf: Btf, id: number): BtfType {
  const common = (kind: number) => ({ id, kind, kindName: kindName(kind), name: btf.name(id), kflag: btf.kflag(id) });
  if (id === 0) return { id: 0, kind: Kind.UNKN, kindName: 'VOID', name: 'void', kflag: false } as VoidType;
  const kind = btf.kind(id);
  const vlen = btf.vlen(id);
  const st = btf.sizeOrType(id);
  switch (kind) {
    case Kind.INT: {
      const w = btf.word(id, 3);
      return { ...common(kind), kind, size: st, encoding: intEncoding(w), bitOffset: intOffset(w), bits: intBits(w) };
    }
    case Kind.PTR:
    case Kind.TYPEDEF:
    case Kind.VOLATILE:
    case Kind.CONST:
    case Kind.RESTRICT:
    case Kind.TYPE_TAG:
      return { ...common(kind), kind, type: st };
    case Kind.ARRAY:
      return { ...common(kind), kind, type: btf.word(id, 3), indexType: btf.word(id, 4), nelems: btf.word(id, 5) };
    case Kind.STRUCT:
    case Kind.UNION: {
      const members: Member[] = [];
      for (let i = 0; i < vlen; i++) {
        members.push({ name: btf.str(btf.elemWord(id, i, 0)), type: btf.elemWord(id, i, 1), ...memberBits(btf, id, i) });
      }
      return { ...common(kind), kind, size: st, members };
    }
    case Kind.ENUM:
    case Kind.ENUM64: {
      const values: EnumValue[] = [];
      for (let i = 0; i < vlen; i++) values.push({ name: btf.str(btf.elemWord(id, i, 0)), value: enumValue(btf, id, i) });
      return { ...common(kind), kind, size: st, signed: btf.kflag(id), values };
    }
    case Kind.FWD:
      return { ...common(kind), kind, isUnion: btf.kflag(id) };
    case Kind.FUNC:
      return { ...common(kind), kind, type: st, linkage: vlen };
    case Kind.FUNC_PROTO: {
      const params: Param[] = [];
      for (let i = 0; i < vlen; i++) params.push({ name: btf.str(btf.elemWord(id, i, 0)), type: btf.elemWord(id, i, 1) });
      return { ...common(kind), kind, returnType: st, params };
    }
    case Kind.VAR:
      return { ...common(kind), kind, type: st, linkage: btf.word(id, 3) };
    case Kind.DATASEC: {
      const vars: VarSecinfo[] = [];
      for (let i = 0; i < vlen; i++) vars.push({ type: btf.elemWord(id, i, 0), offset: btf.elemWord(id, i, 1), size: btf.elemWord(id, i, 2) });
      return { ...common(kind), kind, size: st, vars };
    }
    case Kind.FLOAT:
      return { ...common(kind), kind, size: st };
    case Kind.DECL_TAG:
      return { ...common(kind), kind, type: st, componentIdx: btf.word(id, 3) | 0 };
    default: {
      const nWords = (btf.recordSize(id) >>> 2) - 3;
      const data: number[] = [];
      for (let i = 0; i < nWords; i++) data.push(btf.word(id, 3 + i));
      return { ...common(kind), sizeOrType: st, vlen, data };
    }
  }
}
