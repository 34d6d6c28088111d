/**
 * `.BTF.ext`: func_info, line_info and CO-RE relocation records of a BPF object, in either
 * byte order. Each record is decoded into one small object: a BPF object has few of them, and
 * they are read once per relocation or dump, not on a per-type path.
 */

import { fail } from './errors.js';
import { detectEndian, type Endian } from './header.js';

export const FUNC_INFO_MIN = 8;
export const LINE_INFO_MIN = 16;
export const CORE_RELO_MIN = 16;

export const CoreReloKind = {
  FIELD_BYTE_OFFSET: 0,
  FIELD_BYTE_SIZE: 1,
  FIELD_EXISTS: 2,
  FIELD_SIGNED: 3,
  FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5,
  TYPE_ID_LOCAL: 6,
  TYPE_ID_TARGET: 7,
  TYPE_EXISTS: 8,
  TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10,
  ENUMVAL_VALUE: 11,
  TYPE_MATCHES: 12,
} as const;

export const CORE_RELO_KIND_NAMES = [
  'byte_off',
  'byte_sz',
  'field_exists',
  'signed',
  'lshift_u64',
  'rshift_u64',
  'local_type_id',
  'target_type_id',
  'type_exists',
  'type_size',
  'enumval_exists',
  'enumval_value',
  'type_matches',
];

/** One function info record (struct bpf_func_info). */
export interface FuncInfo {
  /** Byte offset of the instruction within the ELF section. */
  readonly insnOff: number;
  readonly typeId: number;
}
/** One line info record (struct bpf_line_info). */
export interface LineInfo {
  readonly insnOff: number;
  readonly fileNameOff: number;
  readonly lineOff: number;
  readonly line: number;
  readonly column: number;
}
/** One CO-RE relocation record (struct bpf_core_relo). */
export interface CoreRelo {
  readonly insnOff: number;
  readonly typeId: number;
  readonly accessStrOff: number;
  readonly kind: number;
}

/** The records of one ELF section. */
export interface ExtSection<T> {
  /** String offset of the ELF section name (in the .BTF string table). */
  readonly secNameOff: number;
  readonly records: readonly T[];
}

/** A parsed `.BTF.ext`: function info, line info and CO-RE relocations per ELF section. */
export interface BtfExt {
  readonly endian: Endian;
  readonly hdrLen: number;
  readonly funcInfoRecSize: number;
  readonly lineInfoRecSize: number;
  readonly coreReloRecSize: number;
  readonly funcInfo: readonly ExtSection<FuncInfo>[];
  readonly lineInfo: readonly ExtSection<LineInfo>[];
  readonly coreRelos: readonly ExtSection<CoreRelo>[];
}

const SECTION = '.BTF.ext';

/** Parse a `.BTF.ext` section. Every length is checked against the bytes before use. */
export function parseBtfExt(bytes: Uint8Array): BtfExt {
  if (bytes.length < 8) fail('truncated', `.BTF.ext needs at least 8 bytes, has ${bytes.length}`, { offset: 0, section: SECTION });
  const endian = detectEndian(bytes);
  if (!endian) fail('bad-magic', '.BTF.ext magic must be 0xeb9f', { offset: 0, section: SECTION });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = endian === 'little';
  const u32 = (o: number): number => view.getUint32(o, le);
  if (bytes[2] !== 1) fail('bad-version', `.BTF.ext version must be 1, is ${bytes[2]}`, { offset: 2, section: SECTION });
  if (bytes[3] !== 0) fail('bad-flags', `.BTF.ext flags must be 0, are ${bytes[3]}`, { offset: 3, section: SECTION });
  const hdrLen = u32(4);
  if (hdrLen < 24) fail('bad-header', `.BTF.ext hdr_len ${hdrLen} is shorter than 24`, { offset: 4, section: SECTION });
  if (hdrLen > bytes.length) fail('truncated', `.BTF.ext hdr_len ${hdrLen} exceeds the ${bytes.length} bytes`, { offset: 4, section: SECTION });
  if (hdrLen === bytes.length) fail('bad-header', '.BTF.ext has no data', { offset: 4, section: SECTION });
  const hasCore = hdrLen >= 32;

  const sub = <T>(name: string, offField: number, minRec: number, decode: (p: number) => T): { recSize: number; secs: ExtSection<T>[] } => {
    const off = u32(offField);
    const len = u32(offField + 4);
    if (len === 0) return { recSize: 0, secs: [] };
    const start = hdrLen + off;
    if (off % 4 !== 0) fail('bad-ext', `${name} offset ${off} is not 4-byte aligned`, { offset: offField, section: SECTION });
    if (start + len > bytes.length) fail('truncated', `${name} [${start}, ${start + len}) ends past the ${bytes.length} bytes`, { offset: offField, section: SECTION });
    if (len < 4) fail('bad-ext', `${name} is too short for its record size`, { offset: start, section: SECTION });
    const recSize = u32(start);
    if (recSize < minRec || recSize % 4 !== 0) fail('bad-ext', `${name} record size ${recSize} must be a multiple of 4 and at least ${minRec}`, { offset: start, section: SECTION });
    // Records are read field by field in their own byte order, so a record size larger than
    // the known fields (future extensions) is fine in either order.
    const end = start + len;
    let p = start + 4;
    if (p >= end) fail('bad-ext', `${name} has no records`, { offset: start, section: SECTION });
    const secs: ExtSection<T>[] = [];
    while (p < end) {
      if (p + 8 > end) fail('truncated', `${name} section header at ${p} is cut off`, { offset: p, section: SECTION });
      const secNameOff = u32(p);
      const num = u32(p + 4);
      p += 8;
      if (num === 0) fail('bad-ext', `${name} section has zero records`, { offset: p - 4, section: SECTION });
      if (num > (end - p) / recSize) fail('truncated', `${name} section claims ${num} records of ${recSize} bytes, only ${end - p} bytes left`, { offset: p - 4, section: SECTION });
      const records: T[] = new Array<T>(num);
      for (let i = 0; i < num; i++, p += recSize) records[i] = decode(p);
      secs.push({ secNameOff, records });
    }
    return { recSize, secs };
  };

  const fi = sub<FuncInfo>('func_info', 8, FUNC_INFO_MIN, (p) => ({ insnOff: u32(p), typeId: u32(p + 4) }));
  const li = sub<LineInfo>('line_info', 16, LINE_INFO_MIN, (p) => {
    const lc = u32(p + 12);
    return { insnOff: u32(p), fileNameOff: u32(p + 4), lineOff: u32(p + 8), line: lc >>> 10, column: lc & 0x3ff };
  });
  const cr = hasCore
    ? sub<CoreRelo>('core_relo', 24, CORE_RELO_MIN, (p) => ({ insnOff: u32(p), typeId: u32(p + 4), accessStrOff: u32(p + 8), kind: u32(p + 12) }))
    : { recSize: 0, secs: [] as ExtSection<CoreRelo>[] };
  return {
    endian,
    hdrLen,
    funcInfoRecSize: fi.recSize,
    lineInfoRecSize: li.recSize,
    coreReloRecSize: cr.recSize,
    funcInfo: fi.secs,
    lineInfo: li.secs,
    coreRelos: cr.secs,
  };
}

/** Serialize a `.BTF.ext` with minimum record sizes (what the records carry). */
export function serializeBtfExt(ext: Pick<BtfExt, 'funcInfo' | 'lineInfo' | 'coreRelos'>, endian: Endian): Uint8Array {
  const subLen = (secs: readonly ExtSection<unknown>[], rec: number): number => (secs.length === 0 ? 0 : 4 + secs.reduce((a, s) => a + 8 + s.records.length * rec, 0));
  const fl = subLen(ext.funcInfo, FUNC_INFO_MIN);
  const ll = subLen(ext.lineInfo, LINE_INFO_MIN);
  const cl = subLen(ext.coreRelos, CORE_RELO_MIN);
  const hdrLen = 32;
  const out = new Uint8Array(hdrLen + fl + ll + cl);
  const view = new DataView(out.buffer);
  const le = endian === 'little';
  view.setUint16(0, 0xeb9f, le);
  out[2] = 1;
  out[3] = 0;
  view.setUint32(4, hdrLen, le);
  view.setUint32(8, 0, le);
  view.setUint32(12, fl, le);
  view.setUint32(16, fl, le);
  view.setUint32(20, ll, le);
  view.setUint32(24, fl + ll, le);
  view.setUint32(28, cl, le);
  let p = hdrLen;
  const put = (v: number): void => {
    view.setUint32(p, v >>> 0, le);
    p += 4;
  };
  const writeSub = <T>(secs: readonly ExtSection<T>[], rec: number, enc: (r: T) => void): void => {
    if (secs.length === 0) return;
    put(rec);
    for (const s of secs) {
      put(s.secNameOff);
      put(s.records.length);
      for (const r of s.records) enc(r);
    }
  };
  writeSub(ext.funcInfo, FUNC_INFO_MIN, (r) => {
    put(r.insnOff);
    put(r.typeId);
  });
  writeSub(ext.lineInfo, LINE_INFO_MIN, (r) => {
    put(r.insnOff);
    put(r.fileNameOff);
    put(r.lineOff);
    put((r.line << 10) | (r.column & 0x3ff));
  });
  writeSub(ext.coreRelos, CORE_RELO_MIN, (r) => {
    put(r.insnOff);
    put(r.typeId);
    put(r.accessStrOff);
    put(r.kind);
  });
  return out;
}
