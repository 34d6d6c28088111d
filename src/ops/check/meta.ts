/**
 * Pass 1 (btf_check_all_metas): walk the type section record by record and run the kind's
 * check_meta on each, as the kernel's btf_kind_operations table does. A kind's check returns
 * the byte size of its trailing data, so the walk goes on after a bad record whose size is
 * still known (one run lists every malformed record); -1 means the size is unknown and the
 * walk stops.
 */

import { infoKflag, infoKind, intBits, intEncoding, intOffset, KERNEL_MAX_TYPE, Kind, memberWordBitfieldSize, memberWordBitOffset } from '../../wire/kinds.js';
import type { FindingCode } from '../check.js';
import { type CheckContext, isPow2, roundupBytes } from './context.js';
import { E2BIG, EINVAL, ENOTSUPP, Stop } from './errno.js';
import { nameOffsetValid, nonEmpty, strAt, validIdentifier, validSection } from './strings.js';

const BTF_INFO_MASK = 0x9f00ffff;
const BTF_INT_MASK = 0x0fffffff;
const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The record being checked, with the kernel's common meta checks as methods. One instance is
 * reused for every record of the walk.
 */
class MetaRecord {
  id = 0;
  kind = 0;
  /** Word offset of the record in the type section. */
  w = 0;
  /** Bytes left after the 12-byte common part. */
  metaLeft = 0;
  /** Byte offset of the record in the blob. */
  at = 0;
  vlen = 0;
  kflag = false;
  nameOff = 0;
  sizeType = 0;

  constructor(readonly c: CheckContext) {}

  load(id: number, kind: number, w: number, metaLeft: number, at: number): void {
    const words = this.c.words;
    const info = words[w + 1]!;
    this.id = id;
    this.kind = kind;
    this.w = w;
    this.metaLeft = metaLeft;
    this.at = at;
    this.vlen = this.c.vlenOfInfo(info);
    this.kflag = infoKflag(info);
    this.nameOff = words[w]!;
    this.sizeType = words[w + 2]!;
  }

  /** Word `k` of the record. */
  word(k: number): number {
    return this.c.words[this.w + k]!;
  }

  error(code: FindingCode, rule: string, offset = this.at, detail?: string): void {
    this.c.add('meta', code, rule, EINVAL, detail === undefined ? { typeId: this.id, offset } : { typeId: this.id, offset, detail });
  }

  /** The record's trailing data fits in what is left of the section. */
  needed(n: number): boolean {
    if (this.metaLeft < n) {
      this.c.add('meta', 'meta-left-meta-needed', `meta_left:${this.metaLeft} meta_needed:${n}`, EINVAL, { typeId: this.id, offset: this.at });
      return false;
    }
    return true;
  }

  vlenZero(): boolean {
    if (this.vlen !== 0) {
      this.error('vlen-not-zero', 'vlen != 0', this.at + 4);
      return false;
    }
    return true;
  }

  kflagZero(): boolean {
    if (this.kflag) {
      this.error('invalid-btf-info-kind-flag', 'Invalid btf_info kind_flag', this.at + 4);
      return false;
    }
    return true;
  }

  identifier(off: number): boolean {
    return validIdentifier(this.c, off);
  }

  memberDesc(nameOff: number, type: number, off: number): string {
    return memberDesc(this.c, nameOff, type, off, this.kflag);
  }
}

/** "name type_id=N bits_offset=M" for a member's three words, as the kernel logs it. */
export function memberDesc(c: CheckContext, nameOff: number, type: number, off: number, kflag: boolean): string {
  const name = nameOff === 0 ? '(anon)' : (strAt(c, nameOff) ?? '(invalid-name-offset)');
  return kflag ? `${name} type_id=${type} bitfield_size=${memberWordBitfieldSize(off, true)} bits_offset=${memberWordBitOffset(off, true)}` : `${name} type_id=${type} bits_offset=${off}`;
}

/** A kind's check_meta: the trailing data size in bytes, or -1 when it does not fit. */
type CheckMeta = (r: MetaRecord) => number;

/** btf_int_check_meta. */
const intMeta: CheckMeta = (r) => {
  if (!r.needed(4)) return -1;
  if (!r.vlenZero() || !r.kflagZero()) return 4;
  const data = r.word(3);
  if ((data & ~BTF_INT_MASK) !== 0) {
    r.error('invalid-int-data', `Invalid int_data:${data.toString(16)}`, r.at + 12);
    return 4;
  }
  const nrBits = intBits(data) + intOffset(data);
  if (nrBits > 128) r.error('nr-bits-exceeds-128', 'nr_bits exceeds 128', r.at + 12);
  else if (roundupBytes(nrBits) > r.sizeType) r.error('nr-bits-exceeds-type-size', 'nr_bits exceeds type_size', r.at + 8);
  else {
    const enc = intEncoding(data);
    if (enc !== 0 && enc !== 1 && enc !== 2 && enc !== 4) r.c.add('meta', 'unsupported-encoding', 'Unsupported encoding', ENOTSUPP, { typeId: r.id, offset: r.at + 12 });
  }
  return 4;
};

/** btf_ref_type_check_meta: PTR, TYPEDEF, the modifiers and TYPE_TAG. */
const refMeta: CheckMeta = (r) => {
  if (!r.vlenZero()) return 0;
  if (r.kflag && !(r.kind === Kind.TYPE_TAG && r.c.rules.tagKflag)) {
    r.error('invalid-btf-info-kind-flag', 'Invalid btf_info kind_flag', r.at + 4);
    return 0;
  }
  if (r.sizeType > KERNEL_MAX_TYPE) {
    r.error('invalid-type-id', 'Invalid type_id', r.at + 8);
    return 0;
  }
  if (r.kind === Kind.TYPEDEF) {
    if (r.nameOff === 0 || !r.identifier(r.nameOff)) r.error('invalid-name', 'Invalid name');
  } else if (r.kind === Kind.TYPE_TAG) {
    if (!nonEmpty(r.c, r.nameOff)) r.error('invalid-name', 'Invalid name');
  } else if (r.nameOff !== 0) r.error('invalid-name', 'Invalid name');
  return 0;
};

/** btf_fwd_check_meta. */
const fwdMeta: CheckMeta = (r) => {
  if (!r.vlenZero()) return 0;
  if (r.sizeType !== 0) r.error('type-not-zero', 'type != 0', r.at + 8);
  else if (r.nameOff === 0 || !r.identifier(r.nameOff)) r.error('invalid-name', 'Invalid name');
  return 0;
};

/** btf_array_check_meta. */
const arrayMeta: CheckMeta = (r) => {
  if (!r.needed(12)) return -1;
  if (r.nameOff !== 0) r.error('invalid-name', 'Invalid name');
  else if (!r.vlenZero() || !r.kflagZero()) return 12;
  else if (r.sizeType !== 0) r.error('size-not-zero', 'size != 0', r.at + 8);
  else if (r.word(3) === 0 || r.word(3) > KERNEL_MAX_TYPE) r.error('invalid-elem', 'Invalid elem', r.at + 12);
  else if (r.word(4) === 0 || r.word(4) > KERNEL_MAX_TYPE) r.error('invalid-index', 'Invalid index', r.at + 16);
  return 12;
};

/** btf_struct_check_meta (STRUCT and UNION). */
const structMeta: CheckMeta = (r) => {
  const need = r.vlen * 12;
  if (!r.needed(need)) return -1;
  if (r.nameOff !== 0 && !r.identifier(r.nameOff)) {
    r.error('invalid-name', 'Invalid name');
    return need;
  }
  let last = 0;
  for (let i = 0; i < r.vlen; i++) {
    const m = 3 + i * 3;
    const mAt = r.at + 12 + i * 12;
    const mName = r.word(m);
    const mType = r.word(m + 1);
    const mOff = r.word(m + 2);
    const detail = (): string => `member #${i} ${r.memberDesc(mName, mType, mOff)}`;
    if (!nameOffsetValid(r.c, mName)) {
      r.error('invalid-member-name-offset', `Invalid member name_offset:${mName}`, mAt, detail());
      return need;
    }
    if (mName !== 0 && !r.identifier(mName)) {
      r.error('invalid-name', 'Invalid name', mAt, detail());
      return need;
    }
    if (mType === 0 || mType > KERNEL_MAX_TYPE) {
      r.error('invalid-type-id', 'Invalid type_id', mAt + 4, detail());
      return need;
    }
    const bitOff = memberWordBitOffset(mOff, r.kflag);
    if ((r.kind === Kind.UNION && bitOff !== 0) || last > bitOff) {
      r.error('invalid-member-bits-offset', 'Invalid member bits_offset', mAt + 8, detail());
      return need;
    }
    if (roundupBytes(bitOff) > r.sizeType) {
      r.error('member-bits-offset-exceeds-its-struct-size', 'Member bits_offset exceeds its struct size', mAt + 8, detail());
      return need;
    }
    last = bitOff;
  }
  return need;
};

/** btf_enum_check_meta / btf_enum64_check_meta. */
const enumMeta: CheckMeta = (r) => {
  const stride = r.kind === Kind.ENUM ? 2 : 3;
  const need = r.vlen * stride * 4;
  if (!r.needed(need)) return -1;
  if (r.kind === Kind.ENUM && r.kflag && !r.c.rules.enum64) {
    r.error('invalid-btf-info-kind-flag', 'Invalid btf_info kind_flag', r.at + 4);
    return need;
  }
  if (r.sizeType > 8 || !isPow2(r.sizeType)) {
    r.error('unexpected-size', 'Unexpected size', r.at + 8);
    return need;
  }
  if (r.nameOff !== 0 && !r.identifier(r.nameOff)) {
    r.error('invalid-name', 'Invalid name');
    return need;
  }
  for (let i = 0; i < r.vlen; i++) {
    const vName = r.word(3 + i * stride);
    const vAt = r.at + 12 + i * stride * 4;
    if (!nameOffsetValid(r.c, vName)) {
      r.error('invalid-name-offset', `Invalid name_offset:${vName}`, vAt, `enumerator #${i}`);
      return need;
    }
    if (vName === 0 || !r.identifier(vName)) {
      r.error('invalid-name', 'Invalid name', vAt, `enumerator #${i}`);
      return need;
    }
  }
  return need;
};

/** btf_func_proto_check_meta. */
const funcProtoMeta: CheckMeta = (r) => {
  const need = r.vlen * 8;
  if (!r.needed(need)) return -1;
  if (r.nameOff !== 0) r.error('invalid-name', 'Invalid name');
  else r.kflagZero();
  return need;
};

/** btf_func_check_meta (vlen holds the linkage). */
const funcMeta: CheckMeta = (r) => {
  if (r.nameOff === 0 || !r.identifier(r.nameOff)) r.error('invalid-name', 'Invalid name');
  else if (!r.c.rules.globalFunc && r.vlen !== 0) r.error('vlen-not-zero', 'vlen != 0', r.at + 4);
  else if (r.vlen > 1) r.error('invalid-func-linkage', 'Invalid func linkage', r.at + 4, `linkage ${r.vlen}${r.vlen === 2 ? ' (extern)' : ''}`);
  else r.kflagZero();
  return 0;
};

/** btf_var_check_meta. */
const varMeta: CheckMeta = (r) => {
  if (!r.needed(4)) return -1;
  if (!r.vlenZero() || !r.kflagZero()) return 4;
  const linkage = r.word(3);
  if (r.nameOff === 0 || !r.identifier(r.nameOff)) r.error('invalid-name', 'Invalid name');
  else if (r.sizeType === 0 || r.sizeType > KERNEL_MAX_TYPE) r.error('invalid-type-id', 'Invalid type_id', r.at + 8);
  else if (linkage > 1) r.error('linkage-not-supported', 'Linkage not supported', r.at + 12, `linkage ${linkage}${linkage === 2 ? ' (extern)' : ''}`);
  return 4;
};

/** btf_datasec_check_meta. */
const datasecMeta: CheckMeta = (r) => {
  const need = r.vlen * 12;
  if (!r.needed(need)) return -1;
  const size = r.sizeType;
  if (size === 0) {
    r.error('size-zero', 'size == 0', r.at + 8);
    return need;
  }
  if (!r.kflagZero()) return need;
  if (r.nameOff === 0 || !(r.c.rules.datasecPrintable ? validSection(r.c, r.nameOff) : r.identifier(r.nameOff))) {
    r.error('invalid-name', 'Invalid name');
    return need;
  }
  let lastEnd = 0;
  let sum = 0;
  for (let i = 0; i < r.vlen; i++) {
    const v = 3 + i * 3;
    const vAt = r.at + 12 + i * 12;
    const vType = r.word(v);
    const vOff = r.word(v + 1);
    const vSize = r.word(v + 2);
    const detail = (): string => `secinfo #${i} type_id=${vType} offset=${vOff} size=${vSize}`;
    if (vType === 0 || vType > KERNEL_MAX_TYPE) {
      r.error('invalid-type-id', 'Invalid type_id', vAt, detail());
      return need;
    }
    if (vOff < lastEnd || vOff >= size) {
      r.error('invalid-offset', 'Invalid offset', vAt + 4, detail());
      return need;
    }
    if (vSize === 0 || vSize > size) {
      r.error('invalid-size', 'Invalid size', vAt + 8, detail());
      return need;
    }
    lastEnd = vOff + vSize;
    if (lastEnd > size) {
      r.error('invalid-offset-size', 'Invalid offset+size', vAt + 4, detail());
      return need;
    }
    sum += vSize;
  }
  if (size < sum) r.error('invalid-btf-info-size', 'Invalid btf_info size', r.at + 8, `sizes add up to ${sum}`);
  return need;
};

/** btf_float_check_meta. */
const floatMeta: CheckMeta = (r) => {
  if (!r.vlenZero() || !r.kflagZero()) return 0;
  const s = r.sizeType;
  if (s !== 2 && s !== 4 && s !== 8 && s !== 12 && s !== 16) r.error('invalid-type-size', 'Invalid type_size', r.at + 8, `size ${s}`);
  return 0;
};

/** btf_decl_tag_check_meta. */
const declTagMeta: CheckMeta = (r) => {
  if (!r.needed(4)) return -1;
  const componentIdx = r.word(3) | 0;
  if (!nonEmpty(r.c, r.nameOff)) r.error('invalid-value', 'Invalid value');
  else if (!r.vlenZero()) return 4;
  else if (r.kflag && !r.c.rules.tagKflag) r.error('invalid-btf-info-kind-flag', 'Invalid btf_info kind_flag', r.at + 4);
  else if (componentIdx < -1) r.error('invalid-component-idx', 'Invalid component_idx', r.at + 12, `component_idx ${componentIdx}`);
  return 4;
};

/** check_meta by kind (kind_ops[].check_meta). Kinds past the rules' maxKind never get here. */
const CHECK_META: ReadonlyArray<CheckMeta | undefined> = (() => {
  const t: Array<CheckMeta | undefined> = [];
  const set = (kinds: readonly number[], check: CheckMeta): void => {
    for (const k of kinds) t[k] = check;
  };
  set([Kind.INT], intMeta);
  set([Kind.PTR, Kind.TYPEDEF, Kind.VOLATILE, Kind.CONST, Kind.RESTRICT, Kind.TYPE_TAG], refMeta);
  set([Kind.FWD], fwdMeta);
  set([Kind.ARRAY], arrayMeta);
  set([Kind.STRUCT, Kind.UNION], structMeta);
  set([Kind.ENUM, Kind.ENUM64], enumMeta);
  set([Kind.FUNC_PROTO], funcProtoMeta);
  set([Kind.FUNC], funcMeta);
  set([Kind.VAR], varMeta);
  set([Kind.DATASEC], datasecMeta);
  set([Kind.FLOAT], floatMeta);
  set([Kind.DECL_TAG], declTagMeta);
  return t;
})();

/** btf_parse_type_sec + btf_check_all_metas: index every own record and check its meta. */
export function checkAllMetas(c: CheckContext): void {
  if (c.typeOff % 4 !== 0) c.stop('meta', 'unaligned-type-off', 'Unaligned type_off', EINVAL, { offset: 8 });
  if (!c.base && c.typeLen === 0) c.stop('meta', 'no-type-found', 'No type found', EINVAL, { offset: 12 });
  const start = c.hdrLen + c.typeOff;
  const nWords = Math.floor(c.typeLen / 4);
  let words: Uint32Array;
  const abs = c.bytes.byteOffset + start;
  if (c.le === HOST_LITTLE && abs % 4 === 0) {
    // Same byte order as the host and aligned: read the words in place.
    words = new Uint32Array(c.bytes.buffer, abs, nWords);
  } else {
    words = new Uint32Array(nWords);
    for (let i = 0; i < nWords; i++) words[i] = c.u32(start + i * 4);
  }
  c.words = words;
  // Every record is at least 12 bytes: this bounds the index by the real byte count.
  const offs = new Uint32Array(Math.floor(c.typeLen / 12) + 1);
  c.offs = offs;
  const rec = new MetaRecord(c);
  let cur = 0; // byte offset in the type section
  while (cur < c.typeLen) {
    const id = c.startId + c.count;
    const left = c.typeLen - cur;
    const at = start + cur;
    if (left < 12) c.stop('meta', 'meta-left-meta-needed', `[${id}] meta_left:${left} meta_needed:12`, EINVAL, { typeId: id, offset: at });
    const w = cur >>> 2;
    const info = words[w + 1]!;
    if (c.rules.infoMask && (info & ~BTF_INFO_MASK) !== 0) c.stop('meta', 'invalid-btf-info', `[${id}] Invalid btf_info:${info.toString(16)}`, EINVAL, { typeId: id, offset: at + 4 });
    const kind = infoKind(info);
    const check = kind <= c.rules.maxKind ? CHECK_META[kind] : undefined;
    if (check === undefined) c.stop('meta', 'invalid-kind', `[${id}] Invalid kind:${kind}`, EINVAL, { typeId: id, offset: at + 4 });
    const nameOff = words[w]!;
    if (!nameOffsetValid(c, nameOff)) c.stop('meta', 'invalid-name-offset', `[${id}] Invalid name_offset:${nameOff}`, EINVAL, { typeId: id, offset: at });
    // The type is now addressable for messages (kind, name).
    offs[c.count] = w;
    c.count++;
    if (id >= KERNEL_MAX_TYPE) c.stop('meta', 'exceeded-max-num-of-types', 'Exceeded max num of types', E2BIG, { typeId: id, offset: at });
    rec.load(id, kind, w, left - 12, at);
    const extra = check(rec);
    // Size unknown (trailing data does not fit): nothing after this can be parsed.
    if (extra < 0) throw new Stop(EINVAL);
    cur += 12 + extra;
  }
  c.offs = offs.subarray(0, c.count);
}
