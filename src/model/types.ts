/**
 * The type model: plain objects for one type at a time, made only when asked for
 * (`typeAt(btf, id)`). Bulk operations read words through the Btf accessors instead.
 */

import type { Btf } from '../wire/btf.js';
import { intBits, intEncoding, intOffset, Kind, kindName, memberWordBitfieldSize, memberWordBitOffset, type NR_KINDS } from '../wire/kinds.js';

/**
 * The kind numbers btfkit has no record layout of its own for (20..127: kinds newer than this
 * version, sized through the BTF's layout section). A union of literals rather than `number`,
 * so that `t.kind === Kind.INT` narrows a `BtfType` to `IntType`, and the `default` of a
 * switch over every known kind is left with `UnknownType`.
 */
export type UnknownKindNumber = Exclude<KindsBelow<128>, KindsBelow<typeof NR_KINDS>>;
/** 0..N-1 as a union of literals. */
export type KindsBelow<N extends number, Acc extends number[] = []> = Acc['length'] extends N ? Acc[number] : KindsBelow<N, [...Acc, Acc['length']]>;

/** What every type has. */
export interface BaseType {
  /** Type id. */
  readonly id: number;
  /** Kind number (`Kind.*`); narrows the `BtfType` union. */
  readonly kind: number;
  /** Kind name as bpftool prints it. */
  readonly kindName: string;
  /** Name (empty for anonymous types). */
  readonly name: string;
  /** The info word's kind flag. */
  readonly kflag: boolean;
}

/** INT: an integer of `size` bytes, `bits` of which are used from `bitOffset`. */
export interface IntType extends BaseType {
  readonly kind: typeof Kind.INT;
  readonly size: number;
  readonly bitOffset: number;
  readonly bits: number;
  /** Raw encoding bits: 1 signed, 2 char, 4 bool (`IntEncoding`). */
  readonly encoding: number;
}
/** The kinds whose record is only a reference to another type. */
export interface RefTypeOf<K extends number> extends BaseType {
  readonly kind: K;
  /** The type referred to. */
  readonly type: number;
}
/** PTR: a pointer to `type`. */
export interface PtrType extends RefTypeOf<typeof Kind.PTR> {}
/** TYPEDEF: `name` for `type`. */
export interface TypedefType extends RefTypeOf<typeof Kind.TYPEDEF> {}
/** VOLATILE qualifier on `type`. */
export interface VolatileType extends RefTypeOf<typeof Kind.VOLATILE> {}
/** CONST qualifier on `type`. */
export interface ConstType extends RefTypeOf<typeof Kind.CONST> {}
/** RESTRICT qualifier on `type`. */
export interface RestrictType extends RefTypeOf<typeof Kind.RESTRICT> {}
/** TYPE_TAG: the attribute `name` on `type`. */
export interface TypeTagType extends RefTypeOf<typeof Kind.TYPE_TAG> {}
/** Every kind that is a reference and nothing else (PTR, TYPEDEF, the qualifiers, TYPE_TAG). */
export type RefType = PtrType | TypedefType | VolatileType | ConstType | RestrictType | TypeTagType;

/** ARRAY: `nelems` elements of `type`, indexed by `indexType`. */
export interface ArrayType extends BaseType {
  readonly kind: typeof Kind.ARRAY;
  readonly type: number;
  readonly indexType: number;
  readonly nelems: number;
}
/** One member of a STRUCT or UNION. */
export interface Member {
  readonly name: string;
  readonly type: number;
  /** Offset from the start of the struct, in bits. */
  readonly bitOffset: number;
  /** Bitfield size in bits; 0 for a plain member. */
  readonly bitSize: number;
}
/** What STRUCT and UNION have in common. */
export interface CompositeTypeOf<K extends number> extends BaseType {
  readonly kind: K;
  readonly size: number;
  readonly members: readonly Member[];
}
/** STRUCT of `size` bytes. */
export interface StructType extends CompositeTypeOf<typeof Kind.STRUCT> {}
/** UNION of `size` bytes. */
export interface UnionType extends CompositeTypeOf<typeof Kind.UNION> {}
/** STRUCT or UNION (libbpf's btf_is_composite). */
export type CompositeType = StructType | UnionType;

/** One enumerator of an ENUM or ENUM64. */
export interface EnumValue {
  readonly name: string;
  /** Value as the kind flag says to read it (signed or unsigned). */
  readonly value: bigint;
}
/** What ENUM and ENUM64 have in common. */
export interface EnumTypeOf<K extends number> extends BaseType {
  readonly kind: K;
  readonly size: number;
  /** The kind flag: values are signed. */
  readonly signed: boolean;
  readonly values: readonly EnumValue[];
}
/** ENUM: 32-bit enumerators. */
export interface EnumType extends EnumTypeOf<typeof Kind.ENUM> {}
/** ENUM64: 64-bit enumerators. */
export interface Enum64Type extends EnumTypeOf<typeof Kind.ENUM64> {}
/** ENUM or ENUM64 (libbpf's btf_is_any_enum). */
export type AnyEnumType = EnumType | Enum64Type;

/** FWD: a declared struct or union. */
export interface FwdType extends BaseType {
  readonly kind: typeof Kind.FWD;
  readonly isUnion: boolean;
}
/** FUNC: the function `name`, its prototype `type`. */
export interface FuncType extends BaseType {
  readonly kind: typeof Kind.FUNC;
  readonly type: number;
  /** `Linkage` (static, global, extern). */
  readonly linkage: number;
}
/** One parameter of a FUNC_PROTO. */
export interface Param {
  readonly name: string;
  readonly type: number;
}
/** FUNC_PROTO: return type and parameters (a last param of type 0 is `...`). */
export interface FuncProtoType extends BaseType {
  readonly kind: typeof Kind.FUNC_PROTO;
  readonly returnType: number;
  readonly params: readonly Param[];
}
/** VAR: a variable of `type`. */
export interface VarType extends BaseType {
  readonly kind: typeof Kind.VAR;
  readonly type: number;
  /** `Linkage` (static, global, extern). */
  readonly linkage: number;
}
/** One variable of a DATASEC. */
export interface VarSecinfo {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}
/** DATASEC: an ELF section's variables. */
export interface DatasecType extends BaseType {
  readonly kind: typeof Kind.DATASEC;
  readonly size: number;
  readonly vars: readonly VarSecinfo[];
}
/** FLOAT of `size` bytes. */
export interface FloatType extends BaseType {
  readonly kind: typeof Kind.FLOAT;
  readonly size: number;
}
/** DECL_TAG: the attribute `name` on `type` (or on its member/param `componentIdx`; -1 for the type itself). */
export interface DeclTagType extends BaseType {
  readonly kind: typeof Kind.DECL_TAG;
  readonly type: number;
  readonly componentIdx: number;
}
/** Type id 0, `void`. */
export interface VoidType extends BaseType {
  readonly kind: typeof Kind.UNKN;
}
/** A kind btfkit does not know, sized through the layout section. */
export interface UnknownType extends BaseType {
  readonly kind: UnknownKindNumber;
  readonly sizeOrType: number;
  readonly vlen: number;
  /** The trailing words, undecoded. */
  readonly data: readonly number[];
}

/**
 * One type as an object, discriminated by `kind`: `if (t.kind === Kind.INT) t.bits` compiles,
 * and a switch over the known kinds leaves `UnknownType` in its `default`.
 */
export type BtfType =
  | VoidType
  | IntType
  | RefType
  | ArrayType
  | CompositeType
  | AnyEnumType
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
  if (id === 0) return { id: 0, kind: Kind.UNKN, kindName: 'VOID', name: 'void', kflag: false };
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
      return { ...common(kind), kind: kind as UnknownKindNumber, sizeOrType: st, vlen, data };
    }
  }
}
