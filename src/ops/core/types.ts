/**
 * Type helpers shared by CO-RE matching and min-core marking: skipping modifiers and
 * typedefs, member bit offsets, size resolution. They read words through the Btf accessors.
 */

import { resolveSize as resolveTypeSize, SIZE_OVERFLOW } from '../../model/sizes.js';
import type { Btf } from '../../wire/btf.js';
import { BtfError } from '../../wire/errors.js';
import { isAnyEnum, isModifierLibbpf, Kind, memberWordBitfieldSize, memberWordBitOffset } from '../../wire/kinds.js';

/** The errno libbpf fails a relocation with. */
export type CoreErrno = 'EINVAL' | 'E2BIG' | 'EOPNOTSUPP';

/**
 * Raised when a relocation cannot be computed at all (libbpf fails the load): a `BtfError`
 * with code 'core-relocation', `rule` the reason, `errno` libbpf's.
 */
export class CoreError extends BtfError {
  override readonly name: string = 'CoreError';
  readonly errno: CoreErrno;
  constructor(errno: CoreErrno, rule: string) {
    super('core-relocation', rule);
    this.errno = errno;
  }
}


/** Same kind, or ENUM and ENUM64 (libbpf's btf_kind_core_compat). */
export function kindsCoreCompat(a: number, b: number): boolean {
  return a === b || (isAnyEnum(a) && isAnyEnum(b));
}

/** Follow typedefs and modifiers (const, volatile, restrict, type tags) to the real type. */
export function skipModsAndTypedefs(btf: Btf, id: number): number {
  for (let depth = 0; id !== 0; depth++) {
    if (!btf.hasType(id)) throw new CoreError('EINVAL', `type id ${id} does not exist`);
    const k = btf.kind(id);
    if (!(isModifierLibbpf(k) || k === Kind.TYPEDEF)) return id;
    if (depth > 256) throw new CoreError('EINVAL', `modifier/typedef chain at [${id}] is too long`);
    id = btf.sizeOrType(id);
  }
  return 0;
}

/**
 * Follow typedefs, modifiers, type tags, arrays and (when `throughPtr`) pointers to the type a
 * reference ends at; `viaPtr` says whether a pointer was crossed (without `throughPtr`, a
 * pointer ends the walk at id 0). What embeds what by value, and who points to what.
 */
export function terminalType(btf: Btf, start: number, throughPtr = true): { id: number; viaPtr: boolean } {
  let id = start;
  let viaPtr = false;
  for (let depth = 0; depth < 64 && id !== 0 && btf.hasType(id); depth++) {
    const k = btf.kind(id);
    if (isModifierLibbpf(k) || k === Kind.TYPEDEF) id = btf.sizeOrType(id);
    else if (k === Kind.ARRAY) id = btf.word(id, 3);
    else if (k === Kind.PTR) {
      if (!throughPtr) return { id: 0, viaPtr: true };
      viaPtr = true;
      id = btf.sizeOrType(id);
    } else return { id, viaPtr };
  }
  return { id: 0, viaPtr };
}

/** Bit offset of member `i` of struct/union `id`. */
export function memberBitOffset(btf: Btf, id: number, i: number): number {
  const off = btf.elemWord(id, i, 2);
  return memberWordBitOffset(off, btf.kflag(id));
}

/** Bitfield size of member `i` (0 for a normal member). */
export function memberBitSize(btf: Btf, id: number, i: number): number {
  return memberWordBitfieldSize(btf.elemWord(id, i, 2), btf.kflag(id));
}

/** Byte size of a type (libbpf's btf__resolve_size); throws CoreError when it has none. */
export function resolveSize(btf: Btf, id: number): number {
  const size = resolveTypeSize(btf, id);
  if (size === SIZE_OVERFLOW) throw new CoreError('E2BIG', `size of [${id}] overflows`);
  if (size < 0) throw new CoreError('EINVAL', `type [${id}] has no size`);
  return size;
}

/** Name of an enumerator (ENUM or ENUM64). */
export function enumeratorNameOff(btf: Btf, id: number, i: number): number {
  return btf.elemWord(id, i, 0);
}
