/**
 * Relocation values (spec §6.4 "Value computation"): field offsets/sizes/signedness/shifts,
 * type existence/size/ids, enum values; poisoning when no target fits.
 */

import type { Endian } from '../../wire/header.js';
import { CoreReloKind } from '../../wire/ext.js';
import { intEncoding, isAnyEnum, Kind } from '../../wire/kinds.js';
import { type CoreSpec, isEnumvalKind, isFieldKind, isTypeKind } from './spec.js';
import { CoreError, memberBitSize, resolveSize, skipModsAndTypedefs } from './types.js';

/** The instruction libbpf writes over a poisoned one: `call 0xbad2310`. */
export const POISON_CALL_IMM = 0xbad2310;

/** Result of computing one side (local or target) of a relocation. */
export interface SideValue {
  /** undefined: poison (no target for a kind that needs one). */
  readonly value: bigint | undefined;
  /** Memory access size of the field (0 when not a plain field or not applicable). */
  readonly size: number;
  /** Type of the accessed field (skipped typedefs/modifiers), for size-adjustment checks. */
  readonly typeId: number;
  /** Whether the value in the instruction can be checked against the local value. */
  readonly validate: boolean;
}

export interface FieldLayout {
  readonly byteOffset: number;
  readonly byteSize: number;
  readonly bitOffset: number;
  readonly bitSize: number;
  readonly bitfield: boolean;
}

/**
 * Load unit of a bitfield: start from the underlying int size aligned down, double it until
 * the field fits (more than 8 bytes: E2BIG).
 */
export function bitfieldLoad(bitOff: number, bitSize: number, intSize: number): { byteOffset: number; byteSize: number } {
  let byteSize = intSize;
  if (byteSize === 0) throw new CoreError('EINVAL', 'bitfield of a zero-sized type');
  let byteOffset = Math.floor(bitOff / 8 / byteSize) * byteSize;
  while (bitOff + bitSize - byteOffset * 8 > byteSize * 8) {
    if (byteSize >= 8) throw new CoreError('E2BIG', `bitfield at bit ${bitOff} of ${bitSize} bits cannot be read with a 64-bit load`);
    byteSize *= 2;
    byteOffset = Math.floor(bitOff / 8 / byteSize) * byteSize;
  }
  return { byteOffset, byteSize };
}

/** Left shift that moves the field to the top of a u64 after a `byteSize` load. */
export function lshiftU64(l: { byteOffset: number; byteSize: number; bitOffset: number; bitSize: number }, endian: Endian): number {
  return endian === 'little' ? 64 - (l.bitOffset + l.bitSize - l.byteOffset * 8) : (8 - l.byteSize) * 8 + (l.bitOffset - l.byteOffset * 8);
}

/** Layout of the field a field spec ends at. */
export function fieldLayout(spec: CoreSpec): FieldLayout & { fieldTypeId: number; memberTypeId: number } {
  const acc = spec.access[spec.access.length - 1]!;
  const btf = spec.btf;
  if (acc.name === undefined) {
    const sz = resolveSize(btf, acc.typeId);
    return { byteOffset: Math.floor(spec.bitOffset / 8), byteSize: sz, bitOffset: spec.bitOffset, bitSize: sz * 8, bitfield: false, fieldTypeId: acc.typeId, memberTypeId: acc.typeId };
  }
  const mtype = btf.elemWord(acc.typeId, acc.idx, 1);
  const ft = skipModsAndTypedefs(btf, mtype);
  const bitOff = spec.bitOffset;
  const bitSize = memberBitSize(btf, acc.typeId, acc.idx);
  if (bitSize > 0) {
    const { byteOffset, byteSize } = bitfieldLoad(bitOff, bitSize, btf.sizeOrType(ft));
    return { byteOffset, byteSize, bitOffset: bitOff, bitSize, bitfield: true, fieldTypeId: ft, memberTypeId: mtype };
  }
  const sz = resolveSize(btf, ft);
  return { byteOffset: Math.floor(bitOff / 8), byteSize: sz, bitOffset: bitOff, bitSize: sz * 8, bitfield: false, fieldTypeId: ft, memberTypeId: mtype };
}

/** libbpf's bpf_core_calc_field_relo for one side; spec undefined = no target. */
export function calcField(kind: number, spec: CoreSpec | undefined, endian: Endian): SideValue {
  if (kind === CoreReloKind.FIELD_EXISTS) return { value: spec ? 1n : 0n, size: 0, typeId: 0, validate: true };
  if (!spec) return { value: undefined, size: 0, typeId: 0, validate: true };
  const acc = spec.access[spec.access.length - 1]!;
  if (acc.name === undefined) {
    const sz = resolveSize(spec.btf, acc.typeId);
    if (kind === CoreReloKind.FIELD_BYTE_OFFSET) return { value: BigInt(Math.floor(spec.bitOffset / 8)), size: sz, typeId: acc.typeId, validate: true };
    if (kind === CoreReloKind.FIELD_BYTE_SIZE) return { value: BigInt(sz), size: 0, typeId: 0, validate: true };
    throw new CoreError('EINVAL', 'this relocation kind cannot be applied to an array element access');
  }
  const l = fieldLayout(spec);
  const ft = l.fieldTypeId;
  switch (kind) {
    case CoreReloKind.FIELD_BYTE_OFFSET:
      return { value: BigInt(l.byteOffset), size: l.bitfield ? 0 : l.byteSize, typeId: l.bitfield ? 0 : ft, validate: !l.bitfield };
    case CoreReloKind.FIELD_BYTE_SIZE:
      return { value: BigInt(l.byteSize), size: 0, typeId: 0, validate: !l.bitfield };
    case CoreReloKind.FIELD_SIGNED: {
      const k = spec.btf.kind(ft);
      const signed = (isAnyEnum(k) && spec.btf.kflag(ft)) || (k === Kind.INT && (intEncoding(spec.btf.word(ft, 3)) & 1) === 1);
      return { value: signed ? 1n : 0n, size: 0, typeId: 0, validate: true };
    }
    case CoreReloKind.FIELD_LSHIFT_U64:
      return { value: BigInt(lshiftU64(l, endian)), size: 0, typeId: 0, validate: !l.bitfield };
    case CoreReloKind.FIELD_RSHIFT_U64:
      return { value: BigInt(64 - l.bitSize), size: 0, typeId: 0, validate: true };
    default:
      throw new CoreError('EOPNOTSUPP', `unknown field relocation kind ${kind}`);
  }
}

/** libbpf's bpf_core_calc_type_relo. */
export function calcType(kind: number, spec: CoreSpec | undefined): SideValue {
  if (!spec) return { value: 0n, size: 0, typeId: 0, validate: true };
  switch (kind) {
    case CoreReloKind.TYPE_ID_TARGET:
    case CoreReloKind.TYPE_ID_LOCAL:
      return { value: BigInt(spec.rootTypeId), size: 0, typeId: 0, validate: false };
    case CoreReloKind.TYPE_EXISTS:
    case CoreReloKind.TYPE_MATCHES:
      return { value: 1n, size: 0, typeId: 0, validate: true };
    case CoreReloKind.TYPE_SIZE:
      return { value: BigInt(resolveSize(spec.btf, spec.rootTypeId)), size: 0, typeId: 0, validate: true };
    default:
      throw new CoreError('EOPNOTSUPP', `unknown type relocation kind ${kind}`);
  }
}

/** libbpf's bpf_core_calc_enumval_relo: 32-bit enum values are sign-extended like libbpf does. */
export function calcEnumval(kind: number, spec: CoreSpec | undefined): SideValue {
  if (kind === CoreReloKind.ENUMVAL_EXISTS) return { value: spec ? 1n : 0n, size: 0, typeId: 0, validate: true };
  if (kind !== CoreReloKind.ENUMVAL_VALUE) throw new CoreError('EOPNOTSUPP', `unknown enum relocation kind ${kind}`);
  if (!spec) return { value: undefined, size: 0, typeId: 0, validate: true };
  const acc = spec.access[0]!;
  const btf = spec.btf;
  if (btf.kind(acc.typeId) === Kind.ENUM) {
    return { value: BigInt.asUintN(64, BigInt(btf.elemWord(acc.typeId, acc.idx, 1) | 0)), size: 0, typeId: 0, validate: true };
  }
  const lo = BigInt(btf.elemWord(acc.typeId, acc.idx, 1));
  const hi = BigInt(btf.elemWord(acc.typeId, acc.idx, 2));
  return { value: (hi << 32n) | lo, size: 0, typeId: 0, validate: true };
}

/** A relocation's value: what the object holds and what the target gives (libbpf's bpf_core_relo_res). */
export interface ReloValue {
  readonly origValue: bigint | undefined;
  /** Target value; undefined when the instruction is poisoned. */
  readonly newValue: bigint | undefined;
  readonly poison: boolean;
  readonly validate: boolean;
  /** Load/store size would change in a way that is not safe (libbpf fails LDX/ST/STX). */
  readonly failMemszAdjust: boolean;
  readonly origSize: number;
  readonly newSize: number;
}

/** libbpf's bpf_core_calc_relo: both sides; target spec undefined = no candidate fits. */
export function calcRelo(kind: number, local: CoreSpec, targ: CoreSpec | undefined, endian: Endian): ReloValue {
  if (isFieldKind(kind)) {
    const o = calcField(kind, local, endian);
    const n = calcField(kind, targ, endian);
    let failMemszAdjust = false;
    if (n.value !== undefined && o.size !== n.size && targ) {
      const ok =
        (local.btf.kind(o.typeId) === Kind.PTR && targ.btf.kind(n.typeId) === Kind.PTR) ||
        (local.btf.kind(o.typeId) === Kind.INT &&
          targ.btf.kind(n.typeId) === Kind.INT &&
          intEncoding(local.btf.word(o.typeId, 3)) !== 1 &&
          intEncoding(targ.btf.word(n.typeId, 3)) !== 1);
      failMemszAdjust = !ok;
    }
    return { origValue: o.value, newValue: n.value, poison: n.value === undefined, validate: o.validate, failMemszAdjust, origSize: o.size, newSize: n.size };
  }
  if (isTypeKind(kind)) {
    const o = calcType(kind, local);
    const n = calcType(kind, targ);
    return { origValue: o.value, newValue: n.value, poison: false, validate: o.validate, failMemszAdjust: false, origSize: 0, newSize: 0 };
  }
  if (isEnumvalKind(kind)) {
    const o = calcEnumval(kind, local);
    const n = calcEnumval(kind, targ);
    return { origValue: o.value, newValue: n.value, poison: n.value === undefined, validate: true, failMemszAdjust: false, origSize: 0, newSize: 0 };
  }
  throw new CoreError('EOPNOTSUPP', `unknown relocation kind ${kind}`);
}
