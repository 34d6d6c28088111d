/**
 * `format raw`: the text bpftool prints for `bpftool btf dump file F format raw`, byte for
 * byte. Written as bytes from the words and the string table (see byte-writer.ts): no
 * per-type objects and no JS strings for names, because vmlinux has ~100k types.
 */

import type { Btf } from '../wire/btf.js';
import { fail } from '../wire/errors.js';
import { Kind, kindName } from '../wire/kinds.js';
import { ByteWriter, lit } from './byte-writer.js';
import { INT_ENCODING_NAMES, INT_ENCODING_UNKNOWN, LINKAGE_NAMES, LINKAGE_UNKNOWN as LINKAGE_UNKNOWN_NAME } from './names.js';

const INT_ENCODING: Record<number, Uint8Array> = Object.fromEntries(Object.entries(INT_ENCODING_NAMES).map(([k, v]) => [k, lit(v)]));
const UNKN = lit(INT_ENCODING_UNKNOWN);
const LINKAGE = LINKAGE_NAMES.map(lit);
const LINKAGE_UNKNOWN = lit(LINKAGE_UNKNOWN_NAME);
/** Kind names as bpftool prints them; kinds it does not know print as UNKNOWN. */
const KIND_TEXT: Uint8Array[] = Array.from({ length: 128 }, (_, k) => lit(k > 0 && k < 20 ? kindName(k) : 'UNKNOWN'));

const L = {
  anon: lit("'(anon)'"),
  size: lit(' size='),
  bitsOffset: lit(' bits_offset='),
  nrBits: lit(' nr_bits='),
  encoding: lit(' encoding='),
  typeId: lit(' type_id='),
  typeIdComma: lit(', linkage='),
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

/** bpftool's btf_str() in quotes: "(anon)" for offset 0, else the bytes of the string. */
function name(w: ByteWriter, btf: Btf, off: number): void {
  if (off === 0) return w.lit(L.anon);
  const local = off - btf.startStrOff;
  if (local >= 0 && local < btf.strings.length) {
    // Own strings: the common case, without the lookup object.
    w.byte(39);
    w.cstr(btf.strings, local);
    w.byte(39);
    return;
  }
  const loc = btf.strLocation(off);
  if (!loc) fail('bad-string', `string offset ${off} is outside the string section(s)`, { section: btf.section, ...(btf.file !== undefined ? { file: btf.file } : {}) });
  w.byte(39);
  w.cstr(loc.table, loc.index);
  w.byte(39);
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
  const kind = (info >>> 24) & 0x7f;
  const vlen = info & 0xffffff;
  const kflag = info >>> 31 === 1;
  const st = words[o + 2]!;
  w.byte(91); // [
  w.uint(id);
  w.byte(93); // ]
  w.byte(32);
  w.lit(KIND_TEXT[kind]!);
  w.byte(32);
  name(w, btf, words[o]!);
  switch (kind) {
    case Kind.INT: {
      const enc = words[o + 3]!;
      w.lit(L.size);
      w.uint(st);
      w.lit(L.bitsOffset);
      w.uint((enc >>> 16) & 0xff);
      w.lit(L.nrBits);
      w.uint(enc & 0xff);
      w.lit(L.encoding);
      w.lit(INT_ENCODING[(enc >>> 24) & 0xf] ?? UNKN);
      break;
    }
    case Kind.PTR:
    case Kind.CONST:
    case Kind.VOLATILE:
    case Kind.RESTRICT:
    case Kind.TYPEDEF:
    case Kind.TYPE_TAG:
      w.lit(L.typeId);
      w.uint(st);
      break;
    case Kind.ARRAY:
      w.lit(L.typeId);
      w.uint(words[o + 3]!);
      w.lit(L.indexTypeId);
      w.uint(words[o + 4]!);
      w.lit(L.nrElems);
      w.uint(words[o + 5]!);
      break;
    case Kind.STRUCT:
    case Kind.UNION:
      w.lit(L.size);
      w.uint(st);
      w.lit(L.vlen);
      w.uint(vlen);
      for (let i = 0, e = o + 3; i < vlen; i++, e += 3) {
        const m = words[e + 2]!;
        w.lit(L.nlTab);
        name(w, btf, words[e]!);
        w.lit(L.memberTypeId);
        w.uint(words[e + 1]!);
        w.lit(L.bitsOffset);
        w.uint(kflag ? m & 0xffffff : m);
        if (kflag && m >>> 24 !== 0) {
          w.lit(L.bitfieldSize);
          w.uint(m >>> 24);
        }
      }
      break;
    case Kind.ENUM:
    case Kind.ENUM64: {
      w.lit(L.encoding);
      w.lit(kflag ? L.signed : L.unsigned);
      w.lit(L.size);
      w.uint(st);
      w.lit(L.vlen);
      w.uint(vlen);
      const is64 = kind === Kind.ENUM64;
      const stride = is64 ? 3 : 2;
      for (let i = 0, e = o + 3; i < vlen; i++, e += stride) {
        w.lit(L.nlTab);
        name(w, btf, words[e]!);
        w.lit(L.val);
        const lo = words[e + 1]!;
        if (!is64) {
          if (kflag) w.int(lo | 0);
          else w.uint(lo);
        } else {
          const hi = words[e + 2]!;
          if (kflag) {
            w.bigint(BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)));
            w.lit(L.ll);
          } else {
            if (hi < 0x200000) w.uint(hi * 0x100000000 + lo); // exact below 2^53
            else w.bigint((BigInt(hi) << 32n) | BigInt(lo));
            w.lit(L.ull);
          }
        }
      }
      break;
    }
    case Kind.FWD:
      w.lit(kflag ? L.fwdUnion : L.fwdStruct);
      break;
    case Kind.FUNC:
      w.lit(L.typeId);
      w.uint(st);
      w.lit(L.linkage);
      w.lit(LINKAGE[vlen] ?? LINKAGE_UNKNOWN);
      break;
    case Kind.FUNC_PROTO:
      w.lit(L.retTypeId);
      w.uint(st);
      w.lit(L.vlen);
      w.uint(vlen);
      for (let i = 0, e = o + 3; i < vlen; i++, e += 2) {
        w.lit(L.nlTab);
        name(w, btf, words[e]!);
        w.lit(L.memberTypeId);
        w.uint(words[e + 1]!);
      }
      break;
    case Kind.VAR:
      w.lit(L.typeId);
      w.uint(st);
      w.lit(L.typeIdComma);
      w.lit(LINKAGE[words[o + 3]!] ?? LINKAGE_UNKNOWN);
      break;
    case Kind.DATASEC:
      w.lit(L.size);
      w.uint(st);
      w.lit(L.vlen);
      w.uint(vlen);
      for (let i = 0, e = o + 3; i < vlen; i++, e += 3) {
        const t = words[e]!;
        w.lit(L.secType);
        w.uint(t);
        w.lit(L.offset);
        w.uint(words[e + 1]!);
        w.lit(L.size);
        w.uint(words[e + 2]!);
        if (t !== 0 && btf.hasType(t)) {
          w.byte(32);
          w.byte(40); // (
          w.lit(KIND_TEXT[btf.kind(t)]!);
          w.byte(32);
          name(w, btf, btf.nameOff(t));
          w.byte(41); // )
        }
      }
      break;
    case Kind.FLOAT:
      w.lit(L.size);
      w.uint(st);
      break;
    case Kind.DECL_TAG:
      w.lit(L.typeId);
      w.uint(st);
      w.lit(L.componentIdx);
      w.int(words[o + 3]! | 0);
      break;
    default:
      // A kind only the layout section describes: show what is known of it.
      w.lit(L.kind);
      w.uint(kind);
      w.lit(L.sizeOrType);
      w.uint(st);
      w.lit(L.vlen);
      w.uint(vlen);
      if (kflag) w.lit(L.kflag);
      break;
  }
}

/**
 * Raw text of the given ids (default: this blob's own types, as bpftool does for split
 * BTF), handed to `sink` in reused byte chunks.
 */
export function writeRaw(btf: Btf, sink: (chunk: Uint8Array) => void, ids?: Iterable<number>): void {
  const w = new ByteWriter(sink);
  if (ids) {
    for (const id of ids) {
      writeRawType(w, btf, id);
      w.byte(10);
    }
  } else {
    for (let id = btf.startId; id < btf.nextId; id++) {
      writeRawType(w, btf, id);
      w.byte(10);
    }
  }
  w.flush();
}

const decoder = new TextDecoder();

/** The raw text of one type, without the trailing newline. */
export function formatRawType(btf: Btf, id: number): string {
  return formatRawString(btf, [id]).slice(0, -1);
}

/** Raw text of a whole BTF (or the given ids) as one string. */
export function formatRawString(btf: Btf, ids?: Iterable<number>): string {
  let s = '';
  writeRaw(btf, (c) => (s += decoder.decode(c, { stream: true })), ids);
  return s + decoder.decode();
}

/** Raw text handed to `write` as strings (chunked). */
export function formatRaw(btf: Btf, write: (chunk: string) => void, ids?: Iterable<number>): void {
  const d = new TextDecoder();
  writeRaw(btf, (c) => write(d.decode(c, { stream: true })), ids);
  const tail = d.decode();
  if (tail) write(tail);
}
