/**
 * Generators of hostile BTF (issue 15), shared by the unit tests (small sizes) and the
 * stress suite (scripts/stress.mjs, full sizes): a huge struct, deep chains of every
 * reference kind, reference loops, lying counts, name offsets at the end of the string
 * section. Each is built with the library's builder, or patched after it where the
 * builder rightly refuses.
 */

import { BtfBuilder } from '../../src/wire/builder.js';
import { IntEncoding, Kind, makeInfo } from '../../src/wire/kinds.js';

/** The reference kinds a chain can be made of. */
export const CHAIN_KINDS = ['ptr', 'const', 'volatile', 'restrict', 'typedef', 'type_tag', 'array', 'func_proto', 'struct', 'union', 'anon_struct'] as const;
export type ChainKind = (typeof CHAIN_KINDS)[number];

/** One struct of `size` bytes (the kernel accepts 2 GiB) with an int at its start: 68-ish bytes of BTF. */
export function hugeStruct(size = 0x80000000): Uint8Array {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, IntEncoding.SIGNED);
  b.addStruct('huge', size, [{ name: 'first', type: int, bitOffset: 0 }]);
  return b.toBytes();
}

/** An array of `count` copies of a struct that is mostly padding, inside a struct. */
export function hugeArrayOfPadding(count = 0x4000000): Uint8Array {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, IntEncoding.SIGNED);
  const padded = b.addStruct('padded', 4096, [{ name: 'x', type: int, bitOffset: 0 }]);
  const arr = b.addArray(padded, int, count);
  b.addStruct('outer', 0x7fffffff, [{ name: 'a', type: arr, bitOffset: 0 }]);
  return b.toBytes();
}

/**
 * `depth` links of one kind on top of `int`, under a typedef `top` (so that a C dump has a
 * named type to write), e.g. `typedef const const ... int top;`.
 */
export function chain(kind: ChainKind, depth: number): Uint8Array {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, IntEncoding.SIGNED);
  let t = int;
  for (let i = 0; i < depth; i++) {
    switch (kind) {
      case 'ptr':
        t = b.addPtr(t);
        break;
      case 'const':
        t = b.addConst(t);
        break;
      case 'volatile':
        t = b.addVolatile(t);
        break;
      case 'restrict':
        t = b.addRestrict(b.addPtr(t));
        break;
      case 'typedef':
        t = b.addTypedef(`t${i}`, t);
        break;
      case 'type_tag':
        t = b.addTypeTag('tag', t);
        break;
      case 'array':
        t = b.addArray(t, int, 1);
        break;
      case 'func_proto':
        t = b.addPtr(b.addFuncProto(t, [{ name: 'a', type: int }]));
        break;
      case 'struct':
        t = b.addStruct(`s${i}`, 4, [{ name: 'm', type: t, bitOffset: 0 }]);
        break;
      case 'union':
        t = b.addUnion(`u${i}`, 4, [{ name: 'm', type: t, bitOffset: 0 }]);
        break;
      case 'anon_struct':
        t = b.addStruct('', 4, [{ name: i === 0 ? 'm' : '', type: t, bitOffset: 0 }]);
        break;
    }
  }
  b.addTypedef('top', t);
  return b.toBytes();
}

/** Two-type reference loops the kernel rejects but a parser must survive. */
export const LOOP_KINDS = ['const-volatile', 'typedef-typedef', 'ptr-ptr', 'array-self', 'struct-self', 'typedef-struct-embed'] as const;
export type LoopKind = (typeof LOOP_KINDS)[number];

export function loop(kind: LoopKind): Uint8Array {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, IntEncoding.SIGNED); // [1]
  // Ids 2 and 3 point at each other (or 2 at itself); fixed up after adding.
  switch (kind) {
    case 'const-volatile':
      b.addConst(3);
      b.addVolatile(2);
      break;
    case 'typedef-typedef':
      b.addTypedef('a', 3);
      b.addTypedef('b', 2);
      break;
    case 'ptr-ptr':
      b.addPtr(3);
      b.addPtr(2);
      break;
    case 'array-self':
      b.addArray(2, int, 2);
      b.addTypedef('arr', 2);
      break;
    case 'struct-self':
      b.addStruct('s', 8, [{ name: 'self', type: 2, bitOffset: 0 }]);
      b.addTypedef('st', 2);
      break;
    case 'typedef-struct-embed':
      b.addStruct('s', 8, [{ name: 'm', type: 3, bitOffset: 0 }]);
      b.addTypedef('t', 2);
      break;
  }
  b.addTypedef('top', 2);
  return b.toBytes();
}

/** A valid BTF whose counts then lie: vlen, type_len or str_len larger than the data. */
export const LIE_KINDS = ['vlen', 'type-len', 'str-len', 'hdr-len', 'str-off'] as const;
export type LieKind = (typeof LIE_KINDS)[number];

export function lyingCounts(kind: LieKind): Uint8Array {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, IntEncoding.SIGNED);
  b.addStruct('s', 8, [
    { name: 'a', type: int, bitOffset: 0 },
    { name: 'b', type: int, bitOffset: 32 },
  ]);
  const bytes = b.toBytes();
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hdr = v.getUint32(4, true);
  switch (kind) {
    case 'vlen': // struct record at hdr + 16 (after the 16-byte INT): info word claims 0xffffff members
      v.setUint32(hdr + 16 + 4, makeInfo(Kind.STRUCT, 0xffffff, false), true);
      break;
    case 'type-len':
      v.setUint32(12, 0x7ffffff0, true);
      break;
    case 'str-len':
      v.setUint32(20, 0x7ffffff0, true);
      break;
    case 'hdr-len':
      v.setUint32(4, 0xfffffff0, true);
      break;
    case 'str-off':
      v.setUint32(16, 0xfffffff0, true);
      break;
  }
  return bytes;
}

/**
 * Name offsets at the edge of the string section: the last byte (its NUL: an empty name),
 * one past it, and 0xfffffff0 (issue 15 item 6).
 */
export const NAME_EDGES = ['last-nul', 'one-past', 'huge'] as const;
export type NameEdge = (typeof NAME_EDGES)[number];

export function nameAtEnd(edge: NameEdge): Uint8Array {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, IntEncoding.SIGNED);
  b.addStruct('task_struct', 4, [{ name: 'pid', type: int, bitOffset: 0 }]);
  const bytes = b.toBytes();
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hdr = v.getUint32(4, true);
  const strLen = v.getUint32(20, true);
  const off = edge === 'last-nul' ? strLen - 1 : edge === 'one-past' ? strLen : 0xfffffff0;
  v.setUint32(hdr + 16, off, true); // name of the struct (record after the 16-byte INT)
  return bytes;
}

/**
 * A chain whose links point to higher ids (top link first, `int` last): walks that rely on
 * referenced types being processed first (dedup's reference pass) recurse all the way down.
 */
export const DOWN_KINDS = ['ptr', 'const', 'typedef', 'array', 'struct'] as const;
export type DownKind = (typeof DOWN_KINDS)[number];

export function chainDown(kind: DownKind, depth: number): Uint8Array {
  const b = new BtfBuilder();
  const first = 1;
  const int = first + depth; // the last id
  for (let i = 0; i < depth; i++) {
    const next = first + i + 1;
    switch (kind) {
      case 'ptr':
        b.addPtr(next);
        break;
      case 'const':
        b.addConst(next);
        break;
      case 'typedef':
        b.addTypedef(`t${i}`, next);
        break;
      case 'array':
        b.addArray(next, int, 1);
        break;
      case 'struct':
        b.addStruct(`s${i}`, 4, [{ name: 'm', type: next, bitOffset: 0 }]);
        break;
    }
  }
  b.addInt('int', 4, IntEncoding.SIGNED);
  b.addTypedef('top', first);
  return b.toBytes();
}

/**
 * `depth` typedefs or structs all named alike (`t` / `s`), each on the one before, on `int`:
 * every link meets every earlier one in dedup's hash table, and the links are pairwise
 * different (issue 15 item 3; libbpf 1.1 takes 16 s on 2,000 structs).
 */
export function sameNameChain(kind: 'typedef' | 'struct', depth: number, copies = 1): Uint8Array {
  const b = new BtfBuilder();
  for (let c = 0; c < copies; c++) {
    let t = b.addInt('int', 4, IntEncoding.SIGNED);
    for (let i = 0; i < depth; i++) t = kind === 'typedef' ? b.addTypedef('t', t) : b.addStruct('s', 4, [{ name: 'm', type: t, bitOffset: 0 }]);
  }
  return b.toBytes();
}
