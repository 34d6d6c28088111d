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

export const infoKind = (info: number): number => (info >>> 24) & 0x7f;
export const infoVlen = (info: number): number => info & 0xffffff;
export const infoKflag = (info: number): boolean => info >>> 31 === 1;
export const makeInfo = (kind: number, vlen: number, kflag: boolean): number =>
  ((kflag ? 0x80000000 : 0) | ((kind & 0x7f) << 24) | (vlen & 0xffffff)) >>> 0;

/** What the size_or_type word of a kind holds. */
export type SizeOrType = 'size' | 'type' | 'zero';

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
