/**
 * The kind table: everything the rest of btfkit needs to know about a BTF kind's record
 * shape lives here, so that parsing, byte-swapping, the field visitor, dedup, distill and
 * relocate never carry their own per-kind switch over "which words are type ids".
 *
 * Every BTF record is a 12-byte common part (name_off, info, size_or_type), then `infoSize`
 * bytes of single trailing data, then `vlen * elemSize` bytes of elements. All fields in the
 * type section are 32-bit words, which is what lets the reader work on a Uint32Array.
 */

export const Kind = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;
/** A kind number (`Kind.*`, or a newer kind the layout section describes). */
export type KindNumber = number;

/** Number of kinds this version of btfkit understands (0..NR_KINDS-1). */
export const NR_KINDS = 20;
/** 7-bit kind field since the 2026 UAPI extension. */
export const MAX_KIND = 0x7f;
/** 24-bit vlen field since the 2026 UAPI extension. */
export const MAX_VLEN = 0xffffff;
/** The kernel's type-id limit (BTF_MAX_TYPE). */
export const KERNEL_MAX_TYPE = 0x000fffff;
/** The kernel's string-offset limit (BTF_MAX_NAME_OFFSET). */
export const KERNEL_MAX_NAME_OFFSET = 0x00ffffff;

// The info word: kind in bits 24..30, vlen in bits 0..23, kflag in bit 31 (BTF_INFO_KIND,
// BTF_INFO_VLEN, BTF_INFO_KFLAG in include/uapi/linux/btf.h). Every reader of an info word
// goes through these, so a change of the field widths is made here and nowhere else.
export const infoKind = (info: number): number => (info >>> 24) & 0x7f;
export const infoVlen = (info: number): number => info & 0xffffff;
/** vlen as kernels before 7.1 read it (16-bit BTF_INFO_VLEN). */
export const infoVlen16 = (info: number): number => info & 0xffff;
export const infoKflag = (info: number): boolean => info >>> 31 === 1;
export const makeInfo = (kind: number, vlen: number, kflag: boolean): number =>
  ((kflag ? 0x80000000 : 0) | ((kind & 0x7f) << 24) | (vlen & 0xffffff)) >>> 0;

// Member offset word of a STRUCT/UNION whose kflag is set: bitfield size in the top 8 bits,
// bit offset in the low 24 (BTF_MEMBER_BITFIELD_SIZE, BTF_MEMBER_BIT_OFFSET); without kflag
// the whole word is the bit offset.
export const memberWordBitOffset = (offsetWord: number, kflag: boolean): number => (kflag ? offsetWord & 0xffffff : offsetWord);
export const memberWordBitfieldSize = (offsetWord: number, kflag: boolean): number => (kflag ? offsetWord >>> 24 : 0);

// The INT kind's trailing word: encoding in bits 24..27, bit offset in 16..23, bits in 0..7
// (BTF_INT_ENCODING, BTF_INT_OFFSET, BTF_INT_BITS).
export const intEncoding = (intWord: number): number => (intWord >>> 24) & 0x0f;
export const intOffset = (intWord: number): number => (intWord >>> 16) & 0xff;
export const intBits = (intWord: number): number => intWord & 0xff;

// Kind predicates. Where the kernel and libbpf disagree on a set, both exist, named for whose
// rule they are; callers pick the one whose behaviour they reproduce.

/** STRUCT or UNION (libbpf btf_is_composite; the kernel's btf_type_is_struct). */
export const isComposite = (k: number): boolean => k === Kind.STRUCT || k === Kind.UNION;
/** ENUM or ENUM64 (libbpf btf_is_any_enum). */
export const isAnyEnum = (k: number): boolean => k === Kind.ENUM || k === Kind.ENUM64;
/** The kernel's btf_type_is_modifier: TYPEDEF counts (the verifier skips typedefs with the qualifiers). */
export const isModifierKernel = (k: number): boolean =>
  k === Kind.TYPEDEF || k === Kind.VOLATILE || k === Kind.CONST || k === Kind.RESTRICT || k === Kind.TYPE_TAG;
/** libbpf's btf_is_mod: qualifiers and TYPE_TAG only; a TYPEDEF is a type of its own to CO-RE. */
export const isModifierLibbpf = (k: number): boolean => k === Kind.VOLATILE || k === Kind.CONST || k === Kind.RESTRICT || k === Kind.TYPE_TAG;
/** Kinds whose size_or_type word is a byte size (the kernel's btf_type_has_size). */
export const hasSize = (k: number): boolean =>
  k === Kind.INT || isComposite(k) || k === Kind.ENUM || k === Kind.DATASEC || k === Kind.FLOAT || k === Kind.ENUM64;
/** Kinds that have no size at all (the kernel's btf_type_nosize: void, FWD, FUNC, FUNC_PROTO, DECL_TAG). */
export const isNoSize = (k: number): boolean => k === 0 || k === Kind.FWD || k === Kind.FUNC || k === Kind.FUNC_PROTO || k === Kind.DECL_TAG;
/** Kinds that describe the program's variables and annotations rather than C types (VAR, DECL_TAG, DATASEC). */
export const isSourceOnly = (k: number): boolean => k === Kind.VAR || k === Kind.DECL_TAG || k === Kind.DATASEC;
/** Kinds the kernel's pass 2 resolves (btf_type_needs_resolve). */
export const needsResolve = (k: number): boolean =>
  isModifierKernel(k) || k === Kind.PTR || isComposite(k) || k === Kind.ARRAY || k === Kind.VAR || k === Kind.FUNC || k === Kind.DECL_TAG || k === Kind.DATASEC;
/**
 * Kinds bpftool's btf_type_rank follows through to the type they refer to when ordering
 * `format c` output (the kernel's modifiers, PTR and DECL_TAG).
 */
export const isRankedByTarget = (k: number): boolean => isModifierKernel(k) || k === Kind.PTR || k === Kind.DECL_TAG;

/** What the size_or_type word of a kind holds. */
export type SizeOrType = 'size' | 'type' | 'zero';

/** A kind's record shape: sizes and which words are type ids and string offsets. */
export interface KindShape {
  readonly kind: number;
  /** Name as bpftool prints it ("INT", "FUNC_PROTO", ...). */
  readonly name: string;
  readonly sizeOrType: SizeOrType;
  /** Bytes of single trailing data after the 12-byte common part. */
  readonly infoSize: number;
  /** Bytes per vlen element. */
  readonly elemSize: number;
  /** Word indices (within the single trailing data) that hold type ids. */
  readonly infoTypeWords: readonly number[];
  /** Word indices (within each element) that hold type ids. */
  readonly elemTypeWords: readonly number[];
  /** Word indices (within each element) that hold string offsets. */
  readonly elemStrWords: readonly number[];
  /** True when this shape came from a layout section, not from btfkit's own knowledge. */
  readonly fromLayout: boolean;
}

function shape(
  kind: number,
  name: string,
  sizeOrType: SizeOrType,
  infoSize: number,
  elemSize: number,
  infoTypeWords: number[] = [],
  elemTypeWords: number[] = [],
  elemStrWords: number[] = [],
): KindShape {
  return { kind, name, sizeOrType, infoSize, elemSize, infoTypeWords, elemTypeWords, elemStrWords, fromLayout: false };
}

/** The table for kinds 0..19, indexed by kind number. */
export const KIND_SHAPES: readonly KindShape[] = [
  shape(Kind.UNKN, 'UNKN', 'zero', 0, 0),
  shape(Kind.INT, 'INT', 'size', 4, 0),
  shape(Kind.PTR, 'PTR', 'type', 0, 0),
  // btf_array { type; index_type; nelems; }
  shape(Kind.ARRAY, 'ARRAY', 'zero', 12, 0, [0, 1]),
  // btf_member { name_off; type; offset; }
  shape(Kind.STRUCT, 'STRUCT', 'size', 0, 12, [], [1], [0]),
  shape(Kind.UNION, 'UNION', 'size', 0, 12, [], [1], [0]),
  // btf_enum { name_off; val; }
  shape(Kind.ENUM, 'ENUM', 'size', 0, 8, [], [], [0]),
  shape(Kind.FWD, 'FWD', 'zero', 0, 0),
  shape(Kind.TYPEDEF, 'TYPEDEF', 'type', 0, 0),
  shape(Kind.VOLATILE, 'VOLATILE', 'type', 0, 0),
  shape(Kind.CONST, 'CONST', 'type', 0, 0),
  shape(Kind.RESTRICT, 'RESTRICT', 'type', 0, 0),
  shape(Kind.FUNC, 'FUNC', 'type', 0, 0),
  // btf_param { name_off; type; }
  shape(Kind.FUNC_PROTO, 'FUNC_PROTO', 'type', 0, 8, [], [1], [0]),
  // btf_var { linkage; }
  shape(Kind.VAR, 'VAR', 'type', 4, 0),
  // btf_var_secinfo { type; offset; size; }
  shape(Kind.DATASEC, 'DATASEC', 'size', 0, 12, [], [0], []),
  shape(Kind.FLOAT, 'FLOAT', 'size', 0, 0),
  // btf_decl_tag { component_idx; }
  shape(Kind.DECL_TAG, 'DECL_TAG', 'type', 4, 0),
  shape(Kind.TYPE_TAG, 'TYPE_TAG', 'type', 0, 0),
  // btf_enum64 { name_off; val_lo32; val_hi32; }
  shape(Kind.ENUM64, 'ENUM64', 'size', 0, 12, [], [], [0]),
];

/** Bytes per kind of coreKindTable (SHAPE_BYTES in src/wasm/core.h). */
const CORE_SHAPE_BYTES = 8;
const CORE_NO_WORD = 0xff;

/**
 * Bytes of coreKindTable's table (kinds 0..127), for room left in a core's memory before it is made.
 * @internal
 */
export const CORE_KIND_TABLE_BYTES = 128 * CORE_SHAPE_BYTES;

/**
 * The kind table as the WebAssembly cores read it (src/wasm/core.h, SHAPE_*): per kind 0..127,
 * flags (1 type-id and string words known, 2 size_or_type is a type id, 4 record size known),
 * trailing-data words, element words, the type-id words of the trailing data (count, two),
 * the type-id word and the string word of an element; undefined when a shape does not fit.
 * @internal
 */
export function coreKindTable(shapes: readonly (KindShape | undefined)[]): Uint8Array | undefined {
  const table = new Uint8Array(CORE_KIND_TABLE_BYTES);
  for (let k = 0; k < 128; k++) {
    const shape = shapes[k];
    if (!shape) continue;
    if (shape.infoTypeWords.length > 2 || shape.elemTypeWords.length > 1 || shape.elemStrWords.length > 1 || shape.infoSize > 1020 || shape.elemSize > 1020) return undefined;
    const at = k * CORE_SHAPE_BYTES;
    table[at] = (shape.fromLayout ? 0 : 1) | (shape.sizeOrType === 'type' ? 2 : 0) | 4;
    table[at + 1] = shape.infoSize >>> 2;
    table[at + 2] = shape.elemSize >>> 2;
    table[at + 3] = shape.infoTypeWords.length;
    table[at + 4] = shape.infoTypeWords[0] ?? 0;
    table[at + 5] = shape.infoTypeWords[1] ?? 0;
    table[at + 6] = shape.elemTypeWords[0] ?? CORE_NO_WORD;
    table[at + 7] = shape.elemStrWords[0] ?? CORE_NO_WORD;
  }
  return table;
}

/** The layout table libbpf writes for kinds 0..19: {info_sz, elem_sz, flags} per kind. */
export function defaultLayoutEntries(): Array<{ infoSize: number; elemSize: number; flags: number }> {
  return KIND_SHAPES.map((s) => ({ infoSize: s.infoSize, elemSize: s.elemSize, flags: 0 }));
}

/** A shape for a kind this version does not know, sized by a layout entry. */
export function layoutShape(kind: number, infoSize: number, elemSize: number): KindShape {
  return {
    kind,
    name: `UNKNOWN(${kind})`,
    sizeOrType: 'size',
    infoSize,
    elemSize,
    infoTypeWords: [],
    elemTypeWords: [],
    elemStrWords: [],
    fromLayout: true,
  };
}

/** Kind name (`INT`, `STRUCT`, ...; `UNKNOWN(n)` for kinds btfkit does not know). */
export function kindName(kind: number): string {
  return KIND_SHAPES[kind]?.name ?? `UNKNOWN(${kind})`;
}

const KIND_BY_NAME = new Map<string, number>(KIND_SHAPES.map((s) => [s.name, s.kind]));
/** Parse a kind name as users type it: "struct", "STRUCT", "func_proto", or a number. */
export function parseKindName(text: string): number | undefined {
  const upper = text.toUpperCase().replace(/-/g, '_');
  const known = KIND_BY_NAME.get(upper);
  if (known !== undefined) return known;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n <= MAX_KIND) return n;
  }
  return undefined;
}

/** INT encoding bits. */
export const IntEncoding = { SIGNED: 1, CHAR: 2, BOOL: 4 } as const;

/** FUNC linkage (in vlen) and VAR linkage (in btf_var). */
export const Linkage = { STATIC: 0, GLOBAL: 1, EXTERN: 2 } as const;
