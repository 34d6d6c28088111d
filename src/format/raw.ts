/**
 * `format raw`: the text bpftool prints for `bpftool btf dump file F format raw`, byte for
 * byte. Written as bytes from the words and the string table (see byte-writer.ts): no
 * per-type objects and no JS strings for names, because vmlinux has ~100k types.
 */

import type { Btf } from '../wire/btf.js';
import { fail } from '../wire/errors.js';
import { infoKflag, infoKind, infoVlen, intBits, intEncoding, intOffset, Kind, kindName, memberWordBitfieldSize, memberWordBitOffset } from '../wire/kinds.js';
import { type ByteSink, ByteWriter, lit, putLit, putUint } from './byte-writer.js';
import { RAW_CORE_WASM } from './raw-core-wasm.js';
import { CoreLayout, instantiateCore, reserveInput } from '../wasm/core.js';
import { INT_ENCODING_NAMES, INT_ENCODING_UNKNOWN, LINKAGE_NAMES, LINKAGE_UNKNOWN as LINKAGE_UNKNOWN_NAME } from './names.js';

const INT_ENCODING: Record<number, Uint8Array> = Object.fromEntries(Object.entries(INT_ENCODING_NAMES).map(([k, v]) => [k, lit(v)]));
const UNKN = lit(INT_ENCODING_UNKNOWN);
const LINKAGE = LINKAGE_NAMES.map(lit);
const LINKAGE_UNKNOWN = lit(LINKAGE_UNKNOWN_NAME);
/** Kind names as bpftool prints them; kinds it does not know print as UNKNOWN (one array for all 108: every command that loads this module builds the table). */
const UNKNOWN_KIND = lit('UNKNOWN');
const KIND_TEXT: Uint8Array[] = Array.from({ length: 128 }, (_, k) => (k > 0 && k < 20 ? lit(kindName(k)) : UNKNOWN_KIND));

const L = {
  anon: lit("'(anon)'"),
  size: lit(' size='),
  bitsOffset: lit(' bits_offset='),
  nrBits: lit(' nr_bits='),
  encoding: lit(' encoding='),
  typeId: lit(' type_id='),
  varLinkage: lit(', linkage='),
  indexTypeId: lit(' index_type_id='),
  nrElems: lit(' nr_elems='),
  vlen: lit(' vlen='),
  nlTab: lit('\n\t'),
  memberTypeId: lit(' type_id='),
  bitfieldSize: lit(' bitfield_size='),
  signed: lit('SIGNED'),
  unsigned: lit('UNSIGNED'),
  val: lit(' val='),
  ll: lit('LL'),
  ull: lit('ULL'),
  fwdStruct: lit(' fwd_kind=struct'),
  fwdUnion: lit(' fwd_kind=union'),
  linkage: lit(' linkage='),
  retTypeId: lit(' ret_type_id='),
  secType: lit('\n\ttype_id='),
  offset: lit(' offset='),
  componentIdx: lit(' component_idx='),
  kind: lit(' kind='),
  sizeOrType: lit(' size_or_type='),
  kflag: lit(' kind_flag=1'),
};

/**
 * Room reserved before a record's fixed text and before each element's: every literal and
 * number of one line of output except the names, which putName bounds itself.
 */
const LINE_MAX = 192;

/**
 * bpftool's btf_str() in quotes at buf[p..] ("(anon)" for offset 0, else the string's
 * bytes); the new position. A name longer than the room left goes through the writer,
 * which flushes: callers re-read `w.buf` after this call.
 */
function putName(w: ByteWriter, buf: Uint8Array, p: number, btf: Btf, off: number): number {
  if (off === 0) return putLit(buf, p, L.anon);
  let table = btf.strings;
  let i = off - btf.startStrOff;
  if (i < 0 || i >= table.length) {
    const loc = btf.strLocation(off);
    if (!loc) fail('bad-string', `string offset ${off} is outside the string section(s)`, { section: btf.section, ...(btf.file !== undefined ? { file: btf.file } : {}) });
    table = loc.table;
    i = loc.index;
  }
  buf[p++] = 39;
  // Leave room for the closing quote and the line's fixed text after the name. String
  // tables end with a NUL (Btf.parse checks), so the scan stops inside the table.
  const stop = buf.length - LINE_MAX;
  for (;;) {
    const c = table[i]!;
    if (c === 0) break;
    if (p >= stop) {
      w.pos = p;
      w.cstr(table, i);
      w.reserve(LINE_MAX);
      p = w.pos;
      buf = w.buf;
      break;
    }
    buf[p++] = c;
    i++;
  }
  buf[p++] = 39;
  return p;
}

/** Room for one more line at `p` (flushing a nearly full chunk): where to go on; re-read `w.buf`. */
function lineRoom(w: ByteWriter, p: number): number {
  if (p <= w.buf.length - LINE_MAX) return p;
  w.pos = p;
  w.reserve(LINE_MAX);
  return w.pos;
}

/** `\n\t'name' type_id=N` of a member or parameter, on a new line; re-read `w.buf`. */
function putElemHead(w: ByteWriter, p: number, btf: Btf, nameOff: number, typeId: number): number {
  p = lineRoom(w, p);
  let buf = w.buf;
  p = putLit(buf, p, L.nlTab);
  p = putName(w, buf, p, btf, nameOff);
  buf = w.buf;
  p = putLit(buf, p, L.memberTypeId);
  return putUint(buf, p, typeId);
}

/*
 * The element lists, each in its own function: compiled apart, each is small enough for
 * the JIT to optimise quickly (all of them inlined in one function took V8 70 ms to compile),
 * and a list kind met late does not throw away the code for the others.
 */

/** STRUCT/UNION members from word `e`; the new position (re-read `w.buf`). */
function putMembers(w: ByteWriter, p: number, btf: Btf, words: Uint32Array, e: number, vlen: number, kflag: boolean): number {
  for (let i = 0; i < vlen; i++, e += 3) {
    const m = words[e + 2]!;
    p = putElemHead(w, p, btf, words[e]!, words[e + 1]!);
    const buf = w.buf;
    p = putLit(buf, p, L.bitsOffset);
    p = putUint(buf, p, memberWordBitOffset(m, kflag));
    if (memberWordBitfieldSize(m, kflag) !== 0) {
      p = putLit(buf, p, L.bitfieldSize);
      p = putUint(buf, p, memberWordBitfieldSize(m, kflag));
    }
  }
  return p;
}

/** FUNC_PROTO parameters from word `e`. */
function putParams(w: ByteWriter, p: number, btf: Btf, words: Uint32Array, e: number, vlen: number): number {
  for (let i = 0; i < vlen; i++, e += 2) p = putElemHead(w, p, btf, words[e]!, words[e + 1]!);
  return p;
}

/** ENUM/ENUM64 enumerators from word `e`. */
function putEnumerators(w: ByteWriter, p: number, btf: Btf, words: Uint32Array, e: number, vlen: number, signed: boolean, is64: boolean): number {
  const stride = is64 ? 3 : 2;
  for (let i = 0; i < vlen; i++, e += stride) {
    p = lineRoom(w, p);
    let buf = w.buf;
    p = putLit(buf, p, L.nlTab);
    p = putName(w, buf, p, btf, words[e]!);
    buf = w.buf;
    p = putLit(buf, p, L.val);
    const lo = words[e + 1]!;
    if (!is64) {
      if (signed && lo >= 0x80000000) {
        buf[p++] = 45; // -
        p = putUint(buf, p, 0x100000000 - lo);
      } else {
        p = putUint(buf, p, lo);
      }
    } else {
      const hi = words[e + 2]!;
      if (!signed && hi < 0x200000) {
        p = putUint(buf, p, hi * 0x100000000 + lo); // exact below 2^53
      } else {
        const v = (BigInt(hi) << 32n) | BigInt(lo);
        p = putLit(buf, p, lit((signed ? BigInt.asIntN(64, v) : v).toString()));
      }
      p = putLit(buf, p, signed ? L.ll : L.ull);
    }
  }
  return p;
}

/** DATASEC variables from word `e`, each with its kind and name as bpftool adds them. */
function putSecinfos(w: ByteWriter, p: number, btf: Btf, words: Uint32Array, e: number, vlen: number): number {
  for (let i = 0; i < vlen; i++, e += 3) {
    const t = words[e]!;
    p = lineRoom(w, p);
    let buf = w.buf;
    p = putLit(buf, p, L.secType);
    p = putUint(buf, p, t);
    p = putLit(buf, p, L.offset);
    p = putUint(buf, p, words[e + 1]!);
    p = putLit(buf, p, L.size);
    p = putUint(buf, p, words[e + 2]!);
    if (t !== 0 && btf.hasType(t)) {
      buf[p++] = 32;
      buf[p++] = 40; // (
      p = putLit(buf, p, KIND_TEXT[btf.kind(t)]!);
      buf[p++] = 32;
      p = putName(w, buf, p, btf, btf.nameOff(t));
      buf = w.buf;
      buf[p++] = 41; // )
    }
  }
  return p;
}

/** Write the raw text of type `id` (without the trailing newline). */
export function writeRawType(w: ByteWriter, btf: Btf, id: number): void {
  let words: Uint32Array;
  let o: number;
  if (id >= btf.startId && id < btf.nextId) {
    words = btf.words;
    o = btf.offsets[id - btf.startId]!;
  } else {
    ({ words, offset: o } = btf.record(id));
  }
  const info = words[o + 1]!;
  const kind = infoKind(info);
  const vlen = infoVlen(info);
  const kflag = infoKflag(info);
  const st = words[o + 2]!;
  w.reserve(LINE_MAX);
  let buf = w.buf;
  let p = w.pos;
  buf[p++] = 91; // [
  p = putUint(buf, p, id);
  buf[p++] = 93; // ]
  buf[p++] = 32;
  p = putLit(buf, p, KIND_TEXT[kind]!);
  buf[p++] = 32;
  p = putName(w, buf, p, btf, words[o]!);
  buf = w.buf;
  switch (kind) {
    case Kind.INT: {
      const enc = words[o + 3]!;
      p = putLit(buf, p, L.size);
      p = putUint(buf, p, st);
      p = putLit(buf, p, L.bitsOffset);
      p = putUint(buf, p, intOffset(enc));
      p = putLit(buf, p, L.nrBits);
      p = putUint(buf, p, intBits(enc));
      p = putLit(buf, p, L.encoding);
      p = putLit(buf, p, INT_ENCODING[intEncoding(enc)] ?? UNKN);
      break;
    }
    case Kind.PTR:
    case Kind.CONST:
    case Kind.VOLATILE:
    case Kind.RESTRICT:
    case Kind.TYPEDEF:
    case Kind.TYPE_TAG:
      p = putLit(buf, p, L.typeId);
      p = putUint(buf, p, st);
      break;
    case Kind.ARRAY:
      p = putLit(buf, p, L.typeId);
      p = putUint(buf, p, words[o + 3]!);
      p = putLit(buf, p, L.indexTypeId);
      p = putUint(buf, p, words[o + 4]!);
      p = putLit(buf, p, L.nrElems);
      p = putUint(buf, p, words[o + 5]!);
      break;
    case Kind.STRUCT:
    case Kind.UNION:
      p = putLit(buf, p, L.size);
      p = putUint(buf, p, st);
      p = putLit(buf, p, L.vlen);
      p = putUint(buf, p, vlen);
      p = putMembers(w, p, btf, words, o + 3, vlen, kflag);
      break;
    case Kind.ENUM:
    case Kind.ENUM64: {
      p = putLit(buf, p, L.encoding);
      p = putLit(buf, p, kflag ? L.signed : L.unsigned);
      p = putLit(buf, p, L.size);
      p = putUint(buf, p, st);
      p = putLit(buf, p, L.vlen);
      p = putUint(buf, p, vlen);
      p = putEnumerators(w, p, btf, words, o + 3, vlen, kflag, kind === Kind.ENUM64);
      break;
    }
    case Kind.FWD:
      p = putLit(buf, p, kflag ? L.fwdUnion : L.fwdStruct);
      break;
    case Kind.FUNC:
      p = putLit(buf, p, L.typeId);
      p = putUint(buf, p, st);
      p = putLit(buf, p, L.linkage);
      p = putLit(buf, p, LINKAGE[vlen] ?? LINKAGE_UNKNOWN);
      break;
    case Kind.FUNC_PROTO:
      p = putLit(buf, p, L.retTypeId);
      p = putUint(buf, p, st);
      p = putLit(buf, p, L.vlen);
      p = putUint(buf, p, vlen);
      p = putParams(w, p, btf, words, o + 3, vlen);
      break;
    case Kind.VAR:
      p = putLit(buf, p, L.typeId);
      p = putUint(buf, p, st);
      p = putLit(buf, p, L.varLinkage);
      p = putLit(buf, p, LINKAGE[words[o + 3]!] ?? LINKAGE_UNKNOWN);
      break;
    case Kind.DATASEC:
      p = putLit(buf, p, L.size);
      p = putUint(buf, p, st);
      p = putLit(buf, p, L.vlen);
      p = putUint(buf, p, vlen);
      p = putSecinfos(w, p, btf, words, o + 3, vlen);
      break;
    case Kind.FLOAT:
      p = putLit(buf, p, L.size);
      p = putUint(buf, p, st);
      break;
    case Kind.DECL_TAG: {
      const idx = words[o + 3]!;
      p = putLit(buf, p, L.typeId);
      p = putUint(buf, p, st);
      p = putLit(buf, p, L.componentIdx);
      if (idx >= 0x80000000) {
        buf[p++] = 45; // -
        p = putUint(buf, p, 0x100000000 - idx);
      } else {
        p = putUint(buf, p, idx);
      }
      break;
    }
    default:
      // A kind only the layout section describes: show what is known of it.
      p = putLit(buf, p, L.kind);
      p = putUint(buf, p, kind);
      p = putLit(buf, p, L.sizeOrType);
      p = putUint(buf, p, st);
      p = putLit(buf, p, L.vlen);
      p = putUint(buf, p, vlen);
      if (kflag) p = putLit(buf, p, L.kflag);
      break;
  }
  w.pos = p;
}

/**
 * Raw text of the given ids (default: this blob's own types, as bpftool does for split
 * BTF), handed to `sink` in reused byte chunks (see ByteWriter for a sink that keeps one).
 */
export function writeRaw(btf: Btf, sink: ByteSink, ids?: Iterable<number>): void {
  if (!ids && btf.base === undefined && writeRawWasm(btf, sink)) return;
  writeRawJs(btf, sink, ids);
}

/** writeRaw in JavaScript (every input; the reference raw-core.c is tested against). */
export function writeRawJs(btf: Btf, sink: ByteSink, ids?: Iterable<number>): void {
  const w = new ByteWriter(sink);
  if (ids) {
    for (const id of ids) {
      writeRawType(w, btf, id);
      w.byte(10);
    }
  } else {
    if (btf.nextId - btf.startId >= WARM_UP_FROM) warmUp(btf);
    for (let id = btf.startId; id < btf.nextId; id++) {
      writeRawType(w, btf, id);
      w.byte(10);
    }
  }
  w.flush();
}

interface RawCoreExports {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  format_raw(words: number, offsets: number, n: number, strs: number, strLen: number, out: number, cap: number): number;
}

/** Chunks of the WebAssembly formatter's text (as ByteWriter's). */
const RAW_CHUNK = 1 << 18;

/** A raw core and where its flushes go (set per call). */
interface RawCore {
  readonly exports: RawCoreExports;
  /** Takes each full chunk of text (`length` bytes at the text address). */
  onFlush: (length: number) => void;
}

function newRawCore(): RawCore | undefined {
  const core: { exports?: RawCoreExports; onFlush: (length: number) => void } = { onFlush: () => undefined };
  const exports = instantiateCore(RAW_CORE_WASM, { env: { flush: (length: number) => core.onFlush(length) } }) as RawCoreExports | undefined;
  if (!exports) return undefined;
  core.exports = exports;
  return core as RawCore;
}

/** Cores whose memory holds an input read in place (rawCoreInput), by that memory's buffer, with the first free address after the input. */
const coresByMemory = new WeakMap<ArrayBufferLike, { core: RawCore; freeAt: number }>();

/**
 * Room for an input of `byteLength` bytes in the memory of a fresh raw core (reserveInput),
 * with room after it for everything writeRaw places there (the offsets, at most a third of
 * the input as records are 12 bytes or more, and the text chunk). BTF read there (loadBtf's
 * `allocate`) and parsed in place is formatted without being copied into the core.
 * Undefined where no core runs.
 */
export function rawCoreInput(byteLength: number): Uint8Array | undefined {
  const core = newRawCore();
  if (!core) return undefined;
  const room = reserveInput(core.exports.memory, core.exports.heap_base(), byteLength, Math.ceil(byteLength / 3) + RAW_CHUNK + 64);
  if (!room) return undefined;
  coresByMemory.set(core.exports.memory.buffer, { core, freeAt: room.freeAt });
  return room.input;
}

/**
 * A whole base BTF by raw-core.c (see src/wasm/core.ts): in a one-shot dump of vmlinux the
 * JavaScript formatter ran mostly as cold code, three times as long as it takes warm. BTF
 * whose words and strings are in a core's memory already (rawCoreInput) is read there;
 * anything else is copied into a fresh core. The core reuses its buffer, so each chunk is
 * copied to one of ours, reused as ByteWriter reuses its chunks (unless the sink keeps it).
 * False when it cannot run or gives the input back (a name outside the string table),
 * before writing anything.
 */
function writeRawWasm(btf: Btf, sink: ByteSink): boolean {
  const host = coresByMemory.get(btf.words.buffer);
  const inPlace = host !== undefined && btf.strings.buffer === btf.words.buffer;
  const core = inPlace ? host.core : newRawCore();
  if (!core) return false;
  const memory = core.exports.memory;
  const layout = new CoreLayout(memory, inPlace ? host.freeAt : core.exports.heap_base());
  const wordsAt = inPlace ? btf.words.byteOffset : layout.copy(btf.words);
  const stringsAt = inPlace ? btf.strings.byteOffset : layout.copy(btf.strings);
  const offsetsAt = layout.copy(btf.offsets);
  const textAt = layout.place(RAW_CHUNK);
  // Growing would detach the memory the input is read from: rawCoreInput left room enough.
  if (inPlace && textAt + RAW_CHUNK > memory.buffer.byteLength) return false;
  if (!layout.commit()) return false;
  const text = new Uint8Array(memory.buffer, textAt, RAW_CHUNK);
  let chunk = new Uint8Array(RAW_CHUNK);
  core.onFlush = (length) => {
    chunk.set(text.subarray(0, length));
    if (sink(chunk.subarray(0, length)) === true) chunk = new Uint8Array(RAW_CHUNK);
  };
  return core.exports.format_raw(wordsAt, offsetsAt, btf.offsets.length, stringsAt, btf.strings.length, textAt, RAW_CHUNK) === 0;
}

/** Below this many types the formatter is done before the JIT would optimise it anyway. */
const WARM_UP_FROM = 10000;

/**
 * Run every path the dump will take once, into a discarded writer, before the main loop. A
 * dump is one pass in a fresh process, so the formatter is compiled while it runs; a kind
 * first met late in id order (vmlinux's first FUNC comes after thousands of structs), or the
 * first number past 2^31, used to throw the optimised code back to the interpreter four
 * times. With the type feedback of every kind and flag present from the start, it is
 * optimised once.
 */
function warmUp(btf: Btf): void {
  const words = btf.words;
  const offsets = btf.offsets;
  const seen = new Uint8Array(256);
  const sample: number[] = [];
  for (let i = 0; i < offsets.length; i++) {
    const kindAndFlag = words[offsets[i]! + 1]! >>> 24;
    if (seen[kindAndFlag] === 0) {
      seen[kindAndFlag] = 1;
      sample.push(btf.startId + i);
    }
  }
  // Chunks of two lines, so every path that makes room or flushes runs too. V8 records type
  // feedback only once a function has run a while, so the sample goes through a few times.
  const w = new ByteWriter(() => undefined, 2 * LINE_MAX);
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    for (const id of sample) {
      writeRawType(w, btf, id);
      w.byte(10);
    }
    for (const n of [0, 7, 42, 65535, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 53 - 1]) w.uint(n);
    for (const n of [-1, -2147483648, 5]) w.int(n);
  }
  w.flush();
}

const WARM_UP_ROUNDS = 6;

const decoder = new TextDecoder();

/** The raw text of one type, without the trailing newline. */
export function formatRawType(btf: Btf, id: number): string {
  return formatRawString(btf, [id]).slice(0, -1);
}

/** Raw text of a whole BTF (or the given ids) as one string. */
export function formatRawString(btf: Btf, ids?: Iterable<number>): string {
  let s = '';
  writeRaw(btf, (c) => {
    s += decoder.decode(c, { stream: true });
  }, ids);
  return s + decoder.decode();
}

/** Raw text handed to `write` as strings (chunked). */
export function formatRaw(btf: Btf, write: (chunk: string) => void, ids?: Iterable<number>): void {
  const d = new TextDecoder();
  writeRaw(btf, (c) => {
    write(d.decode(c, { stream: true }));
  }, ids);
  const tail = d.decode();
  if (tail) write(tail);
}
