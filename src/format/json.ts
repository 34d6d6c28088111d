/**
 * `format json`: what `bpftool -j btf dump file F` carries, in the same field names and
 * order, so scripts written against bpftool's JSON work unchanged. Written by hand (not
 * JSON.stringify) because 64-bit enum values must stay exact.
 */

import type { Btf } from '../wire/btf.js';
import { infoKflag, infoKind, infoVlen, intBits, intEncoding, intOffset, Kind, kindName, memberWordBitfieldSize, memberWordBitOffset } from '../wire/kinds.js';
import { INT_ENCODING_NAMES, INT_ENCODING_UNKNOWN, LINKAGE_NAMES, LINKAGE_UNKNOWN } from './names.js';


const q = (s: string): string => JSON.stringify(s);
const nameOf = (btf: Btf, off: number): string => q(off === 0 ? '(anon)' : btf.str(off));

/** One type as the JSON object `bpftool btf dump -j` prints for it (id, kind, name and the kind's fields). */
export function formatJsonType(btf: Btf, id: number): string {
  const { words, offset: o } = btf.record(id);
  const info = words[o + 1]!;
  const kind = infoKind(info);
  const vlen = infoVlen(info);
  const kflag = infoKflag(info);
  const st = words[o + 2]!;
  const kn = kind < 20 && kind > 0 ? kindName(kind) : 'UNKNOWN';
  let s = `{"id":${id},"kind":"${kn}","name":${nameOf(btf, words[o]!)}`;
  const list = (key: string, stride: number, item: (e: number) => string): void => {
    const items: string[] = [];
    for (let i = 0, e = o + 3; i < vlen; i++, e += stride) items.push(item(e));
    s += `,"${key}":[${items.join(',')}]`;
  };
  switch (kind) {
    case Kind.INT: {
      const w = words[o + 3]!;
      s += `,"size":${st},"bits_offset":${intOffset(w)},"nr_bits":${intBits(w)},"encoding":"${INT_ENCODING_NAMES[intEncoding(w)] ?? INT_ENCODING_UNKNOWN}"`;
      break;
    }
    case Kind.PTR:
    case Kind.CONST:
    case Kind.VOLATILE:
    case Kind.RESTRICT:
    case Kind.TYPEDEF:
    case Kind.TYPE_TAG:
      s += `,"type_id":${st}`;
      break;
    case Kind.ARRAY:
      s += `,"type_id":${words[o + 3]},"index_type_id":${words[o + 4]},"nr_elems":${words[o + 5]}`;
      break;
    case Kind.STRUCT:
    case Kind.UNION:
      s += `,"size":${st},"vlen":${vlen}`;
      list('members', 3, (e) => {
        const m = words[e + 2]!;
        const bitSize = memberWordBitfieldSize(m, kflag);
        return `{"name":${nameOf(btf, words[e]!)},"type_id":${words[e + 1]},"bits_offset":${memberWordBitOffset(m, kflag)}${bitSize ? `,"bitfield_size":${bitSize}` : ''}}`;
      });
      break;
    case Kind.ENUM:
      s += `,"encoding":"${kflag ? 'SIGNED' : 'UNSIGNED'}","size":${st},"vlen":${vlen}`;
      // bpftool passes the 32-bit value to a 64-bit printer after sign extension, so an
      // unsigned enumerator 0xfffffffd prints as 18446744073709551613; scripts see that.
      list('values', 2, (e) => `{"name":${nameOf(btf, words[e]!)},"val":${kflag ? words[e + 1]! | 0 : BigInt.asUintN(64, BigInt(words[e + 1]! | 0))}}`);
      break;
    case Kind.ENUM64:
      s += `,"encoding":"${kflag ? 'SIGNED' : 'UNSIGNED'}","size":${st},"vlen":${vlen}`;
      list('values', 3, (e) => {
        const u = (BigInt(words[e + 2]!) << 32n) | BigInt(words[e + 1]!);
        return `{"name":${nameOf(btf, words[e]!)},"val":${kflag ? BigInt.asIntN(64, u) : u}}`;
      });
      break;
    case Kind.FWD:
      s += `,"fwd_kind":"${kflag ? 'union' : 'struct'}"`;
      break;
    case Kind.FUNC:
      s += `,"type_id":${st},"linkage":"${LINKAGE_NAMES[vlen] ?? LINKAGE_UNKNOWN}"`;
      break;
    case Kind.FUNC_PROTO:
      s += `,"ret_type_id":${st},"vlen":${vlen}`;
      list('params', 2, (e) => `{"name":${nameOf(btf, words[e]!)},"type_id":${words[e + 1]}}`);
      break;
    case Kind.VAR:
      s += `,"type_id":${st},"linkage":"${LINKAGE_NAMES[words[o + 3]!] ?? LINKAGE_UNKNOWN}"`;
      break;
    case Kind.DATASEC:
      s += `,"size":${st},"vlen":${vlen}`;
      list('vars', 3, (e) => `{"type_id":${words[e]},"offset":${words[e + 1]},"size":${words[e + 2]}}`);
      break;
    case Kind.FLOAT:
      s += `,"size":${st}`;
      break;
    case Kind.DECL_TAG:
      s += `,"type_id":${st},"component_idx":${words[o + 3]! | 0}`;
      break;
    default:
      s += `,"kind_number":${kind},"size_or_type":${st},"vlen":${vlen},"kind_flag":${kflag ? 1 : 0}`;
      break;
  }
  return s + '}';
}

/** `{"types":[...]}` for the given ids (default: own types), written in chunks. */
export function formatJson(btf: Btf, write: (chunk: string) => void, ids?: Iterable<number>): void {
  let buf = '{"types":[';
  let first = true;
  const emit = (id: number): void => {
    buf += (first ? '' : ',') + formatJsonType(btf, id);
    first = false;
    if (buf.length > 1 << 16) {
      write(buf);
      buf = '';
    }
  };
  if (ids) for (const id of ids) emit(id);
  else for (let id = btf.startId; id < btf.nextId; id++) emit(id);
  write(buf + ']}\n');
}
