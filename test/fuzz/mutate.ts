/**
 * Field-level mutation of real BTF blobs, shared by the fuzz harness and the differential
 * test against the kernel. Mutations know the record structure of the seed (which word is a
 * name, a type id, a size, a member offset, ...) and pick values that hit rule boundaries:
 * 0/1/powers of two, limits (0xfffff, 0xffffff), neighbouring ids, valid and invalid string
 * offsets, kinds and flags.
 */

import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { forEachTypeIdWord } from '../../src/wire/fields.js';
import { Kind } from '../../src/wire/kinds.js';

/** Small deterministic PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }
}

export interface SeedInfo {
  readonly bytes: Uint8Array;
  readonly btf: Btf;
  /** Byte offset of the type section and of each record. */
  readonly typeStart: number;
  readonly recordAt: number[];
  readonly strStart: number;
  /** Offsets at which a string starts. */
  readonly strStarts: number[];
}

/** Describe a standalone, little-endian seed. */
export function seedInfo(bytes: Uint8Array): SeedInfo {
  const btf = Btf.parse(bytes);
  const typeStart = btf.header.hdrLen + btf.header.typeOff;
  const recordAt = Array.from(btf.offsets, (w) => typeStart + w * 4);
  const strStart = btf.header.hdrLen + btf.header.strOff;
  const strStarts: number[] = [];
  const s = btf.strings;
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i - 1] === 0) strStarts.push(i);
  return { bytes, btf, typeStart, recordAt, strStart, strStarts };
}

const INTERESTING = [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 0xffff, 0x10000, 0xffffe, 0xfffff, 0x100000, 0xfffffe, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** Which role a word plays, to pick values for it. */
type Role = 'name' | 'info' | 'size' | 'type' | 'intword' | 'offset' | 'value' | 'linkage' | 'component';

function roleValue(rng: Rng, role: Role, old: number, info: SeedInfo): number {
  const nextId = info.btf.nextId;
  const strLen = info.btf.strings.length;
  const r = rng.int(10);
  if (r === 0) return rng.pick(INTERESTING);
  if (r === 1) return (old + rng.pick([1, -1, 2, -2, 8, -8])) >>> 0;
  if (r === 2) return (old ^ (1 << rng.int(32))) >>> 0;
  switch (role) {
    case 'name': {
      const c = rng.int(6);
      if (c === 0) return 0;
      if (c === 1) return rng.int(strLen + 2);
      if (c === 2) return strLen - 1 + rng.int(3);
      return rng.pick(info.strStarts);
    }
    case 'type': {
      const c = rng.int(5);
      if (c === 0) return 0;
      if (c === 1) return nextId - 1 + rng.int(3);
      return 1 + rng.int(nextId - 1);
    }
    case 'info': {
      const kind = (old >>> 24) & 0x7f;
      const vlen = old & 0xffff;
      const c = rng.int(6);
      if (c === 0) return ((old & ~0x7f000000) | (rng.int(24) << 24)) >>> 0; // kind
      if (c === 1) return (old ^ 0x80000000) >>> 0; // kflag
      if (c === 2) return ((old & 0xffff0000) | ((vlen + rng.pick([1, -1, 2])) & 0xffff)) >>> 0;
      if (c === 3) return (old | (1 << (16 + rng.int(8)))) >>> 0; // unused bits
      if (c === 4) return (old | (1 << (29 + rng.int(2)))) >>> 0;
      return ((kind << 24) | rng.int(4)) >>> 0;
    }
    case 'size':
      return rng.pick([0, 1, 2, 3, 4, 6, 8, 12, 16, 32, old * 2, old >>> 1, 0xffffffff]) >>> 0;
    case 'intword': {
      const enc = rng.pick([0, 1, 2, 3, 4, 5, 8]);
      const off = rng.pick([0, 0, 0, 1, 7, 64, 127]);
      const bits = rng.pick([0, 1, 7, 8, 16, 24, 32, 64, 65, 120, 128, 129, 255]);
      return ((enc << 24) | (off << 16) | bits) >>> 0;
    }
    case 'offset':
      return rng.pick([0, 1, 4, 7, 8, 16, 32, 64, 0x1000000 | 8, 0x3000000, 0x20000000 | 32, old + 8, old - 8, old * 2]) >>> 0;
    case 'linkage':
      return rng.int(4);
    case 'component':
      return rng.pick([0xffffffff, 0xfffffffe, 0, 1, 2, 3, 100]);
    default:
      return rng.next();
  }
}

/** The words of record `i` with their roles (byte offset, role). */
function fields(info: SeedInfo, i: number): Array<[number, Role]> {
  const at = info.recordAt[i]!;
  const id = info.btf.startId + i;
  const kind = info.btf.kind(id);
  const vlen = info.btf.vlen(id);
  const out: Array<[number, Role]> = [
    [at, 'name'],
    [at + 4, 'info'],
    [at + 8, info.btf.shapeOf(id).sizeOrType === 'type' ? 'type' : 'size'],
  ];
  const t = at + 12;
  switch (kind) {
    case Kind.INT:
      out.push([t, 'intword']);
      break;
    case Kind.ARRAY:
      out.push([t, 'type'], [t + 4, 'type'], [t + 8, 'value']);
      break;
    case Kind.STRUCT:
    case Kind.UNION:
      for (let j = 0; j < vlen; j++) out.push([t + j * 12, 'name'], [t + j * 12 + 4, 'type'], [t + j * 12 + 8, 'offset']);
      break;
    case Kind.ENUM:
      for (let j = 0; j < vlen; j++) out.push([t + j * 8, 'name'], [t + j * 8 + 4, 'value']);
      break;
    case Kind.ENUM64:
      for (let j = 0; j < vlen; j++) out.push([t + j * 12, 'name'], [t + j * 12 + 4, 'value'], [t + j * 12 + 8, 'value']);
      break;
    case Kind.FUNC_PROTO:
      for (let j = 0; j < vlen; j++) out.push([t + j * 8, 'name'], [t + j * 8 + 4, 'type']);
      break;
    case Kind.VAR:
      out.push([t, 'linkage']);
      break;
    case Kind.DATASEC:
      for (let j = 0; j < vlen; j++) out.push([t + j * 12, 'type'], [t + j * 12 + 4, 'offset'], [t + j * 12 + 8, 'size']);
      break;
    case Kind.DECL_TAG:
      out.push([t, 'component']);
      break;
    default:
      break;
  }
  return out;
}

const STRING_BYTES = [0x2d, 0x31, 0x20, 0x7e, 0x3f, 0x2e, 0x5f, 0x41, 0x7f, 0x80, 0x9f, 0xa0, 0xc0, 0xd7, 0xdf, 0xf7, 0xff, 0x00, 0x61, 0x09];

/**
 * One mutant of a seed: 1-3 field mutations (mostly record fields, sometimes a string byte,
 * a header field, or the length of the blob).
 */
export function mutate(info: SeedInfo, rng: Rng): Uint8Array {
  let out = info.bytes.slice();
  const view = () => new DataView(out.buffer, out.byteOffset, out.byteLength);
  const n = 1 + (rng.chance(0.3) ? rng.int(3) : 0);
  for (let k = 0; k < n; k++) {
    const what = rng.int(100);
    if (what < 78 && info.recordAt.length > 0) {
      const i = rng.int(info.recordAt.length);
      const fs = fields(info, i);
      const [at, role] = rng.pick(fs);
      if (at + 4 > out.length) continue;
      const old = view().getUint32(at, true);
      view().setUint32(at, roleValue(rng, role, old, info), true);
    } else if (what < 90) {
      const s = info.strStart + rng.int(info.btf.strings.length);
      if (s < out.length) out[s] = rng.pick(STRING_BYTES);
    } else if (what < 97) {
      const field = rng.pick([4, 8, 12, 16, 20]);
      const old = view().getUint32(field, true);
      const v = rng.chance(0.5) ? (old + rng.pick([1, -1, 4, -4, 8, 12, -12])) >>> 0 : rng.pick(INTERESTING);
      view().setUint32(field, v, true);
      if (rng.chance(0.1)) out[rng.int(4)] = rng.int(256);
    } else {
      const delta = rng.pick([-12, -4, -1, 1, 4, 12]);
      const len = Math.max(0, out.length + delta);
      const grown = new Uint8Array(len);
      grown.set(out.subarray(0, Math.min(len, out.length)));
      out = grown;
    }
  }
  return out;
}

/**
 * A standalone BTF holding the closure of `roots` in `src` (types keep their relative order):
 * small valid seeds cut out of a big BTF.
 */
export function closureBtf(src: Btf, roots: number[], maxTypes = 400): Uint8Array | undefined {
  const keep = new Set<number>();
  const queue = [...roots];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (id === 0 || keep.has(id)) continue;
    keep.add(id);
    if (keep.size > maxTypes) return undefined;
    const { words, offset } = src.record(id);
    forEachTypeIdWord(words, offset, src.shapeOf(id), (w) => queue.push(words[w]!));
  }
  const ids = [...keep].sort((a, b) => a - b);
  const map = new Map<number, number>();
  ids.forEach((id, i) => map.set(id, i + 1));
  const b = new BtfBuilder({ endian: 'little' });
  for (const id of ids) b.copyType(src, id, (x) => (x === 0 ? 0 : map.get(x) ?? 0));
  return b.toBytes();
}

/**
 * Hand-built valid seeds for what real vmlinux closures lack: DATASEC with VARs, FLOAT and
 * ENUM64 members, kflag bitfields, DECL_TAG on members and arguments, TYPE_TAG chains, a
 * modifier chain just under the kernel's limit, varargs.
 */
export function syntheticSeeds(): Uint8Array[] {
  const seeds: Uint8Array[] = [];
  {
    const b = new BtfBuilder({ endian: 'little' });
    const int = b.addInt('int', 4, 1);
    const u8 = b.addInt('unsigned char', 1, 0);
    const long = b.addInt('long', 8, 1);
    const f = b.addFloat('double', 8);
    const e64 = b.addEnum64('big', 8, [{ name: 'B0', value: 0 }, { name: 'B1', value: -1n }]);
    const e = b.addEnum('small', 4, [{ name: 'S0', value: 1 }, { name: 'S1', value: 2 }]);
    const s = b.addStruct('s', 24, [
      { name: 'a', type: int, bitOffset: 0, bitSize: 3 },
      { name: 'b', type: u8, bitOffset: 8 },
      { name: 'c', type: e, bitOffset: 16, bitSize: 4 },
      { name: 'd', type: f, bitOffset: 64 },
      { name: 'x', type: e64, bitOffset: 128 },
    ]);
    const ptr = b.addPtr(s);
    const tag = b.addTypeTag('user', int);
    const tptr = b.addPtr(tag);
    const proto = b.addFuncProto(int, [{ name: 'p', type: ptr }, { name: 'q', type: tptr }, { type: 0 }]);
    const fn = b.addFunc('fn', proto, 1);
    b.addDeclTag('arg_tag', fn, 1);
    b.addDeclTag('member_tag', s, 2);
    const v1 = b.addVar('counter', long, 1);
    const v2 = b.addVar('flag', u8, 0);
    const arr = b.addArray(u8, int, 7);
    const v3 = b.addVar('buf', arr, 1);
    b.addDatasec('.data', 32, [
      { type: v1, offset: 0, size: 8 },
      { type: v2, offset: 8, size: 1 },
      { type: v3, offset: 16, size: 7 },
    ]);
    b.addTypedef('s_t', s);
    seeds.push(b.toBytes());
  }
  {
    // A chain of 31 modifiers over an int, and a pointer cycle through a struct.
    const b = new BtfBuilder({ endian: 'little' });
    const int = b.addInt('int', 4, 1);
    let t = int;
    for (let i = 0; i < 31; i++) t = i % 2 === 0 ? b.addConst(t) : b.addTypedef(`t${i}`, t);
    const node = b.nextId;
    b.addStruct('node', 16, [
      { name: 'next', type: node + 1, bitOffset: 0 },
      { name: 'v', type: t, bitOffset: 64 },
    ]);
    b.addPtr(node);
    seeds.push(b.toBytes());
  }
  return seeds;
}

/** Blobs right at the kernel's limits (valid and invalid), named. */
export function edgeCases(): Array<{ name: string; bytes: Uint8Array }> {
  const out: Array<{ name: string; bytes: Uint8Array }> = [];
  const chain = (n: number, kind: 'const' | 'ptr' | 'struct'): Uint8Array => {
    const b = new BtfBuilder({ endian: 'little' });
    let t = b.addInt('int', 4, 1);
    for (let i = 0; i < n; i++) {
      if (kind === 'const') t = b.addConst(t);
      else if (kind === 'ptr') t = i % 2 ? b.addPtr(t) : b.addConst(t);
      else t = b.addStruct(`s${i}`, 4, [{ name: 'm', type: t, bitOffset: 0 }]);
    }
    return b.toBytes();
  };
  const reversed = (n: number, ptrs: boolean): Uint8Array => {
    // ids 1..n point forward (k -> k+1), the int comes last: resolving id 1 goes n deep.
    const b = new BtfBuilder({ endian: 'little' });
    for (let k = 1; k <= n; k++) {
      if (ptrs && k % 2 === 0) b.addPtr(k + 1);
      else b.addConst(k + 1);
    }
    b.addInt('int', 4, 1);
    return b.toBytes();
  };
  for (const n of [31, 32, 33, 40]) {
    out.push({ name: `${n} CONSTs pointing forward`, bytes: reversed(n, false) });
    out.push({ name: `${n} CONST/PTR pointing forward`, bytes: reversed(n, true) });
    out.push({ name: `${n} CONSTs`, bytes: chain(n, 'const') });
    out.push({ name: `${n} nested structs`, bytes: chain(n, 'struct') });
    out.push({ name: `${n} CONST/PTR`, bytes: chain(n, 'ptr') });
  }
  const named = (name: string, kind: 'struct' | 'datasec' | 'typedef'): Uint8Array => {
    const b = new BtfBuilder({ endian: 'little' });
    const int = b.addInt('int', 4, 1);
    if (kind === 'struct') b.addStruct(name, 4, [{ name: 'a', type: int, bitOffset: 0 }]);
    else if (kind === 'typedef') b.addTypedef(name, int);
    else {
      const v = b.addVar('v', int, 1);
      b.addDatasec(name, 4, [{ type: v, offset: 0, size: 4 }]);
    }
    return b.toBytes();
  };
  for (const [label, name] of [
    ['512 chars', 'a'.repeat(512)],
    ['513 chars', 'a'.repeat(513)],
    ['leading digit', '1abc'],
    ['dash', 'a-b'],
    ['dot', '.data'],
    ['space', 'a b'],
  ] as const) {
    for (const k of ['struct', 'datasec', 'typedef'] as const) out.push({ name: `${k} named ${label}`, bytes: named(name, k) });
  }
  // Latin-1 bytes in names: the kernel's ctype classes them (the builder writes UTF-8, so patch bytes).
  for (const c of [0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xd7, 0xdf, 0xf7, 0xff]) {
    for (const k of ['struct', 'datasec'] as const) {
      const bytes = named('xxAxx', k);
      const s = Buffer.from(bytes).indexOf('xxAxx');
      bytes[s + 2] = c;
      out.push({ name: `${k} name with byte 0x${c.toString(16)} inside`, bytes });
      const first = named('Axx', k);
      first[Buffer.from(first).indexOf('Axx')] = c;
      out.push({ name: `${k} name starting with byte 0x${c.toString(16)}`, bytes: first });
    }
  }
  {
    // Type tag after a modifier: PTR -> CONST -> TYPE_TAG -> int.
    const b = new BtfBuilder({ endian: 'little' });
    const int = b.addInt('int', 4, 1);
    const tag = b.addTypeTag('user', int);
    const c = b.addConst(tag);
    b.addPtr(c);
    out.push({ name: 'type tag after const', bytes: b.toBytes() });
    const b2 = new BtfBuilder({ endian: 'little' });
    const i2 = b2.addInt('int', 4, 1);
    b2.addTypeTag('attr(1)', i2, true);
    out.push({ name: 'type tag with kind_flag', bytes: b2.toBytes() });
  }
  return out;
}
