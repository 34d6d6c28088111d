/**
 * Byte sizes and the pointer size, by libbpf's rules (btf__resolve_size, determine_ptr_size
 * in tools/lib/bpf/btf.c). The C dumper, CO-RE relocation, the ABI diff and the layout model
 * all ask these questions; this is the one place that answers them, so a rule changes once.
 * (Alignment is not here: the dumper follows libbpf's btf__align_of and the layout model
 * follows pahole, and the two differ on purpose.)
 */

import { Kind } from '../wire/kinds.js';

/**
 * What the size rules read of a type. `Btf` provides it, and so does the C dumper's flat
 * `TypeTable` (which the dumper reads instead of `Btf` for speed).
 */
export interface SizedTypes {
  /** One past the last type id (libbpf's btf__type_cnt). */
  readonly nextId: number;
  hasType(id: number): boolean;
  kind(id: number): number;
  sizeOrType(id: number): number;
  name(id: number): string;
  /** Word `w` of the record of `id` (ARRAY: 3 = element type, 5 = nelems). */
  word(id: number, w: number): number;
}

/** resolveSize's answer for a type without a size (void, FWD, FUNC, FUNC_PROTO, a chain too deep). */
export const NO_SIZE = -1;
/** resolveSize's answer when the size does not fit in 32 bits (libbpf: -E2BIG). */
export const SIZE_OVERFLOW = -2;

/** libbpf's MAX_RESOLVE_DEPTH. */
const MAX_RESOLVE_DEPTH = 32;

/** Names libbpf accepts for `long` when guessing the pointer size (long_aliases in determine_ptr_size). */
const LONG_ALIASES: ReadonlySet<string> = new Set([
  'long',
  'long int',
  'int long',
  'unsigned long',
  'long unsigned',
  'unsigned long int',
  'unsigned int long',
  'long unsigned int',
  'long int unsigned',
  'int unsigned long',
  'int long unsigned',
]);

/** determine_ptr_size's answer per object (0: none), so batch checks against one kernel scan it once. */
const ptrSizes = new WeakMap<SizedTypes, number>();

/**
 * libbpf's determine_ptr_size: the size of the first INT of 4 or 8 bytes named like `long`,
 * base types first (so a base's answer wins, as in libbpf); undefined when there is none.
 */
export function determinePtrSize(types: SizedTypes): number | undefined {
  let size = ptrSizes.get(types);
  if (size === undefined) {
    size = 0;
    for (let id = 1; id < types.nextId; id++) {
      if (types.kind(id) !== Kind.INT) continue;
      const sz = types.sizeOrType(id);
      if ((sz === 4 || sz === 8) && LONG_ALIASES.has(types.name(id))) {
        size = sz;
        break;
      }
    }
    ptrSizes.set(types, size);
  }
  return size === 0 ? undefined : size;
}

/**
 * The pointer size libbpf assumes for these types (btf__pointer_size): determine_ptr_size's
 * answer, else 8 (sizeof(void *) on the 64-bit hosts libbpf's default assumes).
 */
export function pointerSize(types: SizedTypes): number {
  return determinePtrSize(types) ?? 8;
}

/**
 * Byte size of type `id` (libbpf's btf__resolve_size): through typedefs, modifiers, VAR and
 * DECL_TAG, times array lengths; `ptrSize` for a pointer. NO_SIZE when the type has none,
 * SIZE_OVERFLOW when it does not fit in 32 bits.
 */
export function resolveSize(types: SizedTypes, id: number, ptrSize: number = pointerSize(types)): number {
  let nelems = 1;
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    if (id === 0 || !types.hasType(id)) return NO_SIZE;
    switch (types.kind(id)) {
      case Kind.INT:
      case Kind.STRUCT:
      case Kind.UNION:
      case Kind.ENUM:
      case Kind.ENUM64:
      case Kind.DATASEC:
      case Kind.FLOAT: {
        const size = types.sizeOrType(id);
        if (nelems !== 0 && size > 0xffffffff / nelems) return SIZE_OVERFLOW;
        return nelems * size;
      }
      case Kind.PTR:
        return nelems * ptrSize;
      case Kind.TYPEDEF:
      case Kind.VOLATILE:
      case Kind.CONST:
      case Kind.RESTRICT:
      case Kind.VAR:
      case Kind.DECL_TAG:
      case Kind.TYPE_TAG:
        id = types.sizeOrType(id);
        break;
      case Kind.ARRAY: {
        const n = types.word(id, 5);
        if (nelems !== 0 && n > Math.floor(0xffffffff / nelems)) return SIZE_OVERFLOW;
        nelems *= n;
        id = types.word(id, 3);
        break;
      }
      default:
        return NO_SIZE;
    }
  }
  return NO_SIZE;
}
