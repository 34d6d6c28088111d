/**
 * Kernel-grade BTF validation: the checks the kernel's BTF verifier (kernel/bpf/btf.c) runs on
 * BPF_BTF_LOAD, in the same order and with the same log texts, so that "valid" here means
 * "the kernel accepts it" and an invalid blob is explained by type id, kind, name, byte
 * offset and rule.
 *
 * It works on the raw bytes (not on a parsed Btf): the kernel accepts things btfkit's reader
 * refuses (and the other way round), and every rule has to be applied to exactly the bytes
 * the kernel would see.
 *
 * Phases, as in the kernel: header and section tiling → string section → pass 1 (per-type
 * meta checks) → pass 2 (resolve every type that refers to others: DFS with a depth limit of
 * 32 and loop detection, struct member / array / datasec checks, func and func_proto
 * checks) → modifier chain check. Standalone (user) BTF runs every phase; split BTF is
 * checked like module BTF (pass 1 and the chain check only, as btf_parse_module does).
 *
 * Pass 1 keeps going after an error when the record size is still known, so one run lists
 * every malformed record; pass 2 stops at its first error like the kernel (its state after
 * an error is not meaningful). Not emulated: the "special fields" stage (bpf_spin_lock,
 * kptr, graph roots), which depends on the running kernel's own BTF.
 */

import type { Btf } from '../wire/btf.js';
import type { Endian } from '../wire/header.js';
import { hasSize, infoKflag, infoKind, infoVlen, infoVlen16, intBits, intEncoding, intOffset, isComposite, isModifierKernel, isNoSize, isSourceOnly, Kind, kindName, memberWordBitfieldSize, memberWordBitOffset, needsResolve } from '../wire/kinds.js';
import { DEFAULT_KERNEL_VERSION, type KernelRules, rulesFor } from './kernel-rules.js';

export type CheckPhase = 'header' | 'strings' | 'layout' | 'meta' | 'resolve' | 'chain';

export interface Finding {
  readonly phase: CheckPhase;
  /** The kernel's log text for the rule (e.g. "Invalid name_offset:123", "Loop detected"). */
  readonly rule: string;
  /** Extra context btfkit adds (member index, values), not part of the kernel's text. */
  readonly detail?: string;
  readonly typeId?: number;
  readonly kind?: string;
  readonly name?: string;
  /** Byte offset into the blob of the word the rule is about. */
  readonly offset?: number;
  /** The errno the kernel returns for it. */
  readonly errno: 'EINVAL' | 'E2BIG' | 'ENOTSUPP' | 'ELOOP';
}

export interface CheckOptions {
  /** Base BTF: the blob is split BTF and is checked like module BTF. */
  readonly base?: Btf | undefined;
  /** Kernel release whose rules to apply (default 6.18), or a rule set. */
  readonly kernelVersion?: string | KernelRules | undefined;
  /**
   * 'user' (BPF_BTF_LOAD: every pass), 'module' (pass 1 + chain check), 'vmlinux' (same as
   * module, standalone). Default: 'module' with a base, else 'user'.
   */
  readonly mode?: 'user' | 'module' | 'vmlinux' | undefined;
  /**
   * Byte order of the kernel: a blob in the other order fails ("Invalid magic") like it
   * would there. 'any' (default) checks the blob as loaded by a kernel of its own order.
   */
  readonly endian?: Endian | 'any' | undefined;
  /** Stop collecting after this many findings (default 100). */
  readonly maxFindings?: number | undefined;
}

export interface CheckReport {
  readonly valid: boolean;
  readonly findings: Finding[];
  readonly mode: 'user' | 'module' | 'vmlinux';
  readonly rules: KernelRules;
  readonly endian: Endian;
  /** Number of own types pass 1 got through. */
  readonly typeCount: number;
}

/** Kernel limits. */
const BTF_MAX_SIZE = 16 * 1024 * 1024;
const BTF_MAX_TYPE = 0x000fffff;
const BTF_MAX_NAME_OFFSET = 0x00ffffff;
const BTF_INFO_MASK = 0x9f00ffff;
const BTF_INT_MASK = 0x0fffffff;
const MAX_RESOLVE_DEPTH = 32;
const U32_MAX = 0xffffffff;
const PTR_SIZE = 8;
const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const EINVAL = -22;
const E2BIG = -7;
const EEXIST = -17;
const ELOOP = -40;
/** The kernel's internal ENOTSUPP (include/linux/errno.h), not the UAPI EOPNOTSUPP. */
const ENOTSUPP = -524;

const NOT_VISITED = 0;
const VISITED = 1;
const RESOLVED = 2;

const MODE_TBD = 0;
const MODE_PTR = 1;
const MODE_STRUCT_OR_ARRAY = 2;

/** Kernel ctype classes for bytes 0..255 (lib/ctype.c: Latin-1 above 0xa0). */
const CT_ALPHA = 1;
const CT_DIGIT = 2;
const CT_PRINT = 4;
const CTYPE: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 32; c < 127; c++) t[c] = CT_PRINT;
  for (let c = 48; c <= 57; c++) t[c]! |= CT_DIGIT;
  for (let c = 65; c <= 90; c++) t[c]! |= CT_ALPHA;
  for (let c = 97; c <= 122; c++) t[c]! |= CT_ALPHA;
  for (let c = 160; c <= 255; c++) t[c] = CT_PRINT;
  for (let c = 192; c <= 255; c++) if (c !== 215 && c !== 247) t[c]! |= CT_ALPHA;
  return t;
})();

const roundupBytes = (bits: number): number => Math.floor(bits / 8) + (bits % 8 !== 0 ? 1 : 0);
const isPow2 = (n: number): boolean => n !== 0 && (n & (n - 1)) === 0;

/** Thrown inside a phase to stop it (the finding is already recorded). */
class Stop {
  constructor(readonly errno: number) {}
}

/**
 * Check raw BTF bytes the way the kernel would load them. Never throws for bad input: every
 * problem becomes a finding.
 */
export function checkBtf(bytes: Uint8Array, opts: CheckOptions = {}): CheckReport {
  const rules = typeof opts.kernelVersion === 'object' ? opts.kernelVersion : rulesFor(opts.kernelVersion ?? DEFAULT_KERNEL_VERSION);
  const mode = opts.mode ?? (opts.base ? 'module' : 'user');
  const c = new Checker(bytes, rules, mode, opts);
  c.run();
  return { valid: c.findings.length === 0, findings: c.findings, mode, rules, endian: c.endian, typeCount: c.count };
}

class Checker {
  readonly findings: Finding[] = [];
  readonly endian: Endian;
  private readonly le: boolean;
  private readonly view: DataView;
  private readonly maxFindings: number;
  private readonly base: Btf | undefined;

  // header
  private hdrLen = 0;
  private typeOff = 0;
  private typeLen = 0;
  private strOff = 0;
  private strLen = 0;
  private layoutOff = 0;
  private layoutLen = 0;

  // own types
  /** Own type section as host-order words (floor(typeLen/4) of them). */
  private words: Uint32Array = new Uint32Array(0);
  /** Word offset of each own record; index id - startId. */
  private offs = new Uint32Array(0);
  count = 0;
  private startId = 1;
  private startStrOff = 0;
  private strings: Uint8Array = new Uint8Array(0);

  // resolve state (standalone only: index = type id)
  private visit = new Uint8Array(0);
  private resolvedIds = new Uint32Array(0);
  private resolvedSizes = new Uint32Array(0);
  private stackId: number[] = [];
  private stackNext: number[] = [];
  private resolveMode = MODE_TBD;

  constructor(
    readonly bytes: Uint8Array,
    readonly rules: KernelRules,
    readonly mode: 'user' | 'module' | 'vmlinux',
    opts: CheckOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.base = opts.base;
    this.maxFindings = opts.maxFindings ?? 100;
    const want = opts.endian ?? 'any';
    if (want === 'any') {
      this.endian = bytes.length >= 2 && bytes[0] === 0xeb && bytes[1] === 0x9f ? 'big' : 'little';
    } else {
      this.endian = want;
    }
    this.le = this.endian === 'little';
    if (this.base) {
      this.startId = this.base.nextId;
      this.startStrOff = this.base.startStrOff + this.base.strings.length;
    }
  }

  run(): void {
    try {
      this.parseHeader();
      this.parseStrings();
      if (this.rules.layout) this.parseLayout();
      this.parseTypes();
      if (this.findings.length > 0) return;
      if (this.mode === 'user' && !this.base) this.checkAllTypes();
      if (this.rules.chainCheck) this.checkChains();
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
  }

  // ---- findings ----

  private add(phase: CheckPhase, rule: string, errno: number, at: { typeId?: number; offset?: number; detail?: string } = {}): void {
    if (this.findings.length >= this.maxFindings) throw new Stop(errno);
    const f: { -readonly [K in keyof Finding]: Finding[K] } = { phase, rule, errno: errnoName(errno) };
    if (at.typeId !== undefined) {
      f.typeId = at.typeId;
      const k = this.kindOf(at.typeId);
      if (k >= 0) {
        f.kind = kindName(k);
        const nameOff = this.word(at.typeId, 0);
        f.name = nameOff === 0 ? '(anon)' : (this.strAt(nameOff) ?? '(invalid-name-offset)');
      }
    }
    if (at.offset !== undefined) f.offset = at.offset;
    if (at.detail !== undefined) f.detail = at.detail;
    this.findings.push(f);
  }

  /** Record a finding and stop the current phase. */
  private stop(phase: CheckPhase, rule: string, errno: number, at: { typeId?: number; offset?: number; detail?: string } = {}): never {
    this.add(phase, rule, errno, at);
    throw new Stop(errno);
  }

  // ---- header / sections ----

  private u32(off: number): number {
    return this.view.getUint32(off, this.le);
  }

  private parseHeader(): void {
    const size = this.bytes.length;
    if (size > BTF_MAX_SIZE) this.stop('header', `BTF is ${size} bytes, more than BTF_MAX_SIZE (16 MiB)`, E2BIG, { offset: 0 });
    if (size < 8) this.stop('header', 'hdr_len not found', EINVAL, { offset: 0 });
    const hdrLen = this.u32(4);
    if (size < hdrLen) this.stop('header', 'btf_header not found', EINVAL, { offset: 4, detail: `hdr_len ${hdrLen} > ${size} bytes` });
    const known = this.rules.layout ? 32 : 24;
    if (hdrLen > known) {
      for (let i = known; i < hdrLen; i++) {
        if (this.bytes[i] !== 0) this.stop('header', 'Unsupported btf_header', E2BIG, { offset: i, detail: `header bytes past the ${known} this kernel knows must be zero` });
      }
    }
    // The kernel copies min(hdr_len, sizeof(header)) bytes; missing fields read as zero.
    const hdr = new Uint8Array(32);
    hdr.set(this.bytes.subarray(0, Math.min(hdrLen, known)));
    const hv = new DataView(hdr.buffer);
    const magic = hv.getUint16(0, this.le);
    const version = hdr[2]!;
    const flags = hdr[3]!;
    this.hdrLen = hdrLen;
    this.typeOff = hv.getUint32(8, this.le);
    this.typeLen = hv.getUint32(12, this.le);
    this.strOff = hv.getUint32(16, this.le);
    this.strLen = hv.getUint32(20, this.le);
    this.layoutOff = this.rules.layout ? hv.getUint32(24, this.le) : 0;
    this.layoutLen = this.rules.layout ? hv.getUint32(28, this.le) : 0;
    if (magic !== 0xeb9f) {
      this.stop('header', 'Invalid magic', EINVAL, { offset: 0, detail: this.bytes[0] === 0xeb && this.bytes[1] === 0x9f ? 'big-endian BTF on a little-endian kernel' : this.bytes[0] === 0x9f && this.bytes[1] === 0xeb ? 'little-endian BTF on a big-endian kernel' : `magic 0x${magic.toString(16)}` });
    }
    if (version !== 1) this.stop('header', 'Unsupported version', ENOTSUPP, { offset: 2, detail: `version ${version}` });
    if (flags !== 0) this.stop('header', 'Unsupported flags', ENOTSUPP, { offset: 3, detail: `flags 0x${flags.toString(16)}` });
    if (!this.base && size === hdrLen) this.stop('header', 'No data', EINVAL, { offset: 4 });
    this.checkSecInfo(size);
  }

  private checkSecInfo(size: number): void {
    const secs: Array<{ off: number; len: number; field: number }> = [
      { off: this.typeOff, len: this.typeLen, field: 8 },
      { off: this.strOff, len: this.strLen, field: 16 },
    ];
    if (this.rules.layout) secs.push({ off: this.layoutOff, len: this.layoutLen, field: 24 });
    // The kernel's comparator subtracts u32s and looks at the sign of the int result.
    secs.sort((x, y) => ((x.off - y.off) | 0) || ((x.len - y.len) | 0));
    let total = 0;
    const expected = (size - this.hdrLen) >>> 0;
    for (const s of secs) {
      if (expected < s.off) this.stop('header', 'Invalid section offset', EINVAL, { offset: s.field, detail: `offset ${s.off} past the ${expected} data bytes` });
      if (total < s.off) {
        const gap = s.off - total;
        if (!(this.rules.smallGaps && gap < 4)) this.stop('header', 'Unsupported section found', EINVAL, { offset: s.field, detail: `gap of ${gap} bytes before the section at ${s.off}` });
        total = s.off;
      }
      if (total > s.off) this.stop('header', 'Section overlap found', EINVAL, { offset: s.field, detail: `section at ${s.off} starts before ${total}` });
      if (expected - total < s.len) this.stop('header', 'Total section length too long', EINVAL, { offset: s.field + 4, detail: `length ${s.len} from ${total} exceeds ${expected} data bytes` });
      total += s.len;
    }
    if (expected !== total) this.stop('header', 'Unsupported section found', EINVAL, { offset: this.hdrLen + total, detail: `${expected - total} bytes after the last section` });
  }

  private parseStrings(): void {
    const start = this.hdrLen + this.strOff;
    const end = start + this.strLen;
    const strLast = !this.rules.layout || this.hdrLen < 32;
    if (strLast && end !== this.bytes.length) this.stop('strings', 'String section is not at the end', EINVAL, { offset: 16 });
    this.strings = this.bytes.subarray(start, end);
    if (this.base && this.strLen === 0) return;
    if (this.strLen === 0 || this.strLen - 1 > BTF_MAX_NAME_OFFSET || this.bytes[end - 1] !== 0) {
      this.stop('strings', 'Invalid string section', EINVAL, { offset: this.strLen === 0 ? 20 : end - 1, detail: this.strLen === 0 ? 'empty' : this.strLen - 1 > BTF_MAX_NAME_OFFSET ? 'longer than 16 MiB' : 'last byte is not NUL' });
    }
    if (!this.base && this.bytes[start] !== 0) this.stop('strings', 'Invalid string section', EINVAL, { offset: start, detail: 'first string of base BTF must be empty' });
  }

  /** Layout section (7.1): aligned, whole entries, inside the blob (tiling checked above). */
  private parseLayout(): void {
    if (this.layoutLen === 0) return;
    if (this.layoutOff % 4 !== 0) this.stop('layout', 'Unaligned layout_off', EINVAL, { offset: 24 });
    if (this.layoutLen < 4 || this.layoutLen % 4 !== 0) this.stop('layout', 'Invalid layout section', EINVAL, { offset: 28, detail: `length ${this.layoutLen}` });
  }

  // ---- pass 1 ----

  private parseTypes(): void {
    if (this.typeOff % 4 !== 0) this.stop('meta', 'Unaligned type_off', EINVAL, { offset: 8 });
    if (!this.base && this.typeLen === 0) this.stop('meta', 'No type found', EINVAL, { offset: 12 });
    const start = this.hdrLen + this.typeOff;
    const nWords = Math.floor(this.typeLen / 4);
    let words: Uint32Array;
    const abs = this.bytes.byteOffset + start;
    if (this.le === HOST_LITTLE && abs % 4 === 0) {
      // Same byte order as the host and aligned: read the words in place.
      words = new Uint32Array(this.bytes.buffer, abs, nWords);
    } else {
      words = new Uint32Array(nWords);
      for (let i = 0; i < nWords; i++) words[i] = this.u32(start + i * 4);
    }
    this.words = words;
    // Every record is at least 12 bytes: this bounds the index by the real byte count.
    const offs = new Uint32Array(Math.floor(this.typeLen / 12) + 1);
    this.offs = offs;
    let cur = 0; // byte offset in the type section
    while (cur < this.typeLen) {
      const id = this.startId + this.count;
      const left = this.typeLen - cur;
      const at = start + cur;
      if (left < 12) this.stop('meta', `[${id}] meta_left:${left} meta_needed:12`, EINVAL, { typeId: id, offset: at });
      const w = cur >>> 2;
      const info = words[w + 1]!;
      if (this.rules.infoMask && (info & ~BTF_INFO_MASK) !== 0) this.stop('meta', `[${id}] Invalid btf_info:${info.toString(16)}`, EINVAL, { typeId: id, offset: at + 4 });
      const kind = infoKind(info);
      if (kind === 0 || kind > this.rules.maxKind) this.stop('meta', `[${id}] Invalid kind:${kind}`, EINVAL, { typeId: id, offset: at + 4 });
      const nameOff = words[w]!;
      if (!this.nameOffsetValid(nameOff)) this.stop('meta', `[${id}] Invalid name_offset:${nameOff}`, EINVAL, { typeId: id, offset: at });
      // The type is now addressable for messages (kind, name).
      offs[this.count] = w;
      this.count++;
      if (id >= BTF_MAX_TYPE) {
        this.stop('meta', 'Exceeded max num of types', E2BIG, { typeId: id, offset: at });
      }
      const extra = this.checkMeta(id, kind, w, left - 12, at);
      if (extra < 0) {
        // Size unknown (trailing data does not fit): nothing after this can be parsed.
        throw new Stop(EINVAL);
      }
      cur += 12 + extra;
    }
    this.offs = offs.subarray(0, this.count);
  }

  /**
   * Per-kind meta check of own type `id` at word `w`; records a finding on failure. Returns
   * the byte size of the trailing data, or -1 when it does not fit (pass 1 cannot go on).
   */
  private checkMeta(id: number, kind: number, w: number, metaLeft: number, at: number): number {
    const words = this.words;
    const info = words[w + 1]!;
    const vlen = this.rules.infoMask ? infoVlen16(info) : infoVlen(info);
    const kflag = infoKflag(info);
    const nameOff = words[w]!;
    const sizeType = words[w + 2]!;
    const e = (rule: string, offset = at, detail?: string): void =>
      this.add('meta', rule, EINVAL, detail === undefined ? { typeId: id, offset } : { typeId: id, offset, detail });
    const needed = (n: number): boolean => {
      if (metaLeft < n) {
        this.add('meta', `meta_left:${metaLeft} meta_needed:${n}`, EINVAL, { typeId: id, offset: at });
        return false;
      }
      return true;
    };
    const vlenOk = (): boolean => {
      if (vlen !== 0) {
        e('vlen != 0', at + 4);
        return false;
      }
      return true;
    };
    const kflagOk = (): boolean => {
      if (kflag) {
        e('Invalid btf_info kind_flag', at + 4);
        return false;
      }
      return true;
    };
    switch (kind) {
      case Kind.INT: {
        if (!needed(4)) return -1;
        if (!vlenOk() || !kflagOk()) return 4;
        const data = words[w + 3]!;
        if ((data & ~BTF_INT_MASK) !== 0) {
          e(`Invalid int_data:${data.toString(16)}`, at + 12);
          return 4;
        }
        const bits = intBits(data);
        const off = intOffset(data);
        const nrBits = bits + off;
        if (nrBits > 128) e('nr_bits exceeds 128', at + 12);
        else if (roundupBytes(nrBits) > sizeType) e('nr_bits exceeds type_size', at + 8);
        else {
          const enc = intEncoding(data);
          if (enc !== 0 && enc !== 1 && enc !== 2 && enc !== 4) this.add('meta', 'Unsupported encoding', ENOTSUPP, { typeId: id, offset: at + 12 });
        }
        return 4;
      }
      case Kind.PTR:
      case Kind.TYPEDEF:
      case Kind.VOLATILE:
      case Kind.CONST:
      case Kind.RESTRICT:
      case Kind.TYPE_TAG: {
        if (!vlenOk()) return 0;
        if (kflag && !(kind === Kind.TYPE_TAG && this.rules.tagKflag)) {
          e('Invalid btf_info kind_flag', at + 4);
          return 0;
        }
        if (sizeType > BTF_MAX_TYPE) {
          e('Invalid type_id', at + 8);
          return 0;
        }
        if (kind === Kind.TYPEDEF) {
          if (nameOff === 0 || !this.validIdentifier(nameOff)) e('Invalid name', at);
        } else if (kind === Kind.TYPE_TAG) {
          if (!this.nonEmpty(nameOff)) e('Invalid name', at);
        } else if (nameOff !== 0) e('Invalid name', at);
        return 0;
      }
      case Kind.FWD:
        if (!vlenOk()) return 0;
        if (sizeType !== 0) e('type != 0', at + 8);
        else if (nameOff === 0 || !this.validIdentifier(nameOff)) e('Invalid name', at);
        return 0;
      case Kind.ARRAY: {
        if (!needed(12)) return -1;
        if (nameOff !== 0) e('Invalid name', at);
        else if (!vlenOk() || !kflagOk()) return 12;
        else if (sizeType !== 0) e('size != 0', at + 8);
        else if (words[w + 3]! === 0 || words[w + 3]! > BTF_MAX_TYPE) e('Invalid elem', at + 12);
        else if (words[w + 4]! === 0 || words[w + 4]! > BTF_MAX_TYPE) e('Invalid index', at + 16);
        return 12;
      }
      case Kind.STRUCT:
      case Kind.UNION: {
        const need = vlen * 12;
        if (!needed(need)) return -1;
        if (nameOff !== 0 && !this.validIdentifier(nameOff)) {
          e('Invalid name', at);
          return need;
        }
        let last = 0;
        for (let i = 0; i < vlen; i++) {
          const m = w + 3 + i * 3;
          const mAt = at + 12 + i * 12;
          const mName = words[m]!;
          const mType = words[m + 1]!;
          const mOff = words[m + 2]!;
          const detail = (): string => `member #${i} ${this.memberDesc(mName, mType, mOff, kflag)}`;
          if (!this.nameOffsetValid(mName)) {
            e(`Invalid member name_offset:${mName}`, mAt, detail());
            return need;
          }
          if (mName !== 0 && !this.validIdentifier(mName)) {
            e('Invalid name', mAt, detail());
            return need;
          }
          if (mType === 0 || mType > BTF_MAX_TYPE) {
            e('Invalid type_id', mAt + 4, detail());
            return need;
          }
          const bitOff = memberWordBitOffset(mOff, kflag);
          if (kind === Kind.UNION && bitOff !== 0) {
            e('Invalid member bits_offset', mAt + 8, detail());
            return need;
          }
          if (last > bitOff) {
            e('Invalid member bits_offset', mAt + 8, detail());
            return need;
          }
          if (roundupBytes(bitOff) > sizeType) {
            e('Member bits_offset exceeds its struct size', mAt + 8, detail());
            return need;
          }
          last = bitOff;
        }
        return need;
      }
      case Kind.ENUM:
      case Kind.ENUM64: {
        const stride = kind === Kind.ENUM ? 2 : 3;
        const need = vlen * stride * 4;
        if (!needed(need)) return -1;
        if (kind === Kind.ENUM && kflag && !this.rules.enum64) {
          e('Invalid btf_info kind_flag', at + 4);
          return need;
        }
        if (sizeType > 8 || !isPow2(sizeType)) {
          e('Unexpected size', at + 8);
          return need;
        }
        if (nameOff !== 0 && !this.validIdentifier(nameOff)) {
          e('Invalid name', at);
          return need;
        }
        for (let i = 0; i < vlen; i++) {
          const vName = words[w + 3 + i * stride]!;
          const vAt = at + 12 + i * stride * 4;
          if (!this.nameOffsetValid(vName)) {
            this.add('meta', `Invalid name_offset:${vName}`, EINVAL, { typeId: id, offset: vAt, detail: `enumerator #${i}` });
            return need;
          }
          if (vName === 0 || !this.validIdentifier(vName)) {
            e('Invalid name', vAt, `enumerator #${i}`);
            return need;
          }
        }
        return need;
      }
      case Kind.FUNC_PROTO: {
        const need = vlen * 8;
        if (!needed(need)) return -1;
        if (nameOff !== 0) e('Invalid name', at);
        else kflagOk();
        return need;
      }
      case Kind.FUNC:
        if (nameOff === 0 || !this.validIdentifier(nameOff)) e('Invalid name', at);
        else if (!this.rules.globalFunc && vlen !== 0) e('vlen != 0', at + 4);
        else if (vlen > 1) e('Invalid func linkage', at + 4, `linkage ${vlen}${vlen === 2 ? ' (extern)' : ''}`);
        else kflagOk();
        return 0;
      case Kind.VAR: {
        if (!needed(4)) return -1;
        if (!vlenOk() || !kflagOk()) return 4;
        if (nameOff === 0 || !this.validIdentifier(nameOff)) e('Invalid name', at);
        else if (sizeType === 0 || sizeType > BTF_MAX_TYPE) e('Invalid type_id', at + 8);
        else if (words[w + 3]! > 1) e('Linkage not supported', at + 12, `linkage ${words[w + 3]!}${words[w + 3] === 2 ? ' (extern)' : ''}`);
        return 4;
      }
      case Kind.DATASEC: {
        const need = vlen * 12;
        if (!needed(need)) return -1;
        if (sizeType === 0) {
          e('size == 0', at + 8);
          return need;
        }
        if (!kflagOk()) return need;
        if (nameOff === 0 || !(this.rules.datasecPrintable ? this.validSection(nameOff) : this.validIdentifier(nameOff))) {
          e('Invalid name', at);
          return need;
        }
        let lastEnd = 0;
        let sum = 0;
        for (let i = 0; i < vlen; i++) {
          const v = w + 3 + i * 3;
          const vAt = at + 12 + i * 12;
          const vType = words[v]!;
          const vOff = words[v + 1]!;
          const vSize = words[v + 2]!;
          const detail = (): string => `secinfo #${i} type_id=${vType} offset=${vOff} size=${vSize}`;
          if (vType === 0 || vType > BTF_MAX_TYPE) {
            e('Invalid type_id', vAt, detail());
            return need;
          }
          if (vOff < lastEnd || vOff >= sizeType) {
            e('Invalid offset', vAt + 4, detail());
            return need;
          }
          if (vSize === 0 || vSize > sizeType) {
            e('Invalid size', vAt + 8, detail());
            return need;
          }
          lastEnd = vOff + vSize;
          if (lastEnd > sizeType) {
            e('Invalid offset+size', vAt + 4, detail());
            return need;
          }
          sum += vSize;
        }
        if (sizeType < sum) e('Invalid btf_info size', at + 8, `sizes add up to ${sum}`);
        return need;
      }
      case Kind.FLOAT:
        if (!vlenOk() || !kflagOk()) return 0;
        if (sizeType !== 2 && sizeType !== 4 && sizeType !== 8 && sizeType !== 12 && sizeType !== 16) e('Invalid type_size', at + 8, `size ${sizeType}`);
        return 0;
      case Kind.DECL_TAG: {
        if (!needed(4)) return -1;
        if (!this.nonEmpty(nameOff)) e('Invalid value', at);
        else if (!vlenOk()) return 4;
        else if (kflag && !this.rules.tagKflag) e('Invalid btf_info kind_flag', at + 4);
        else if ((words[w + 3]! | 0) < -1) e('Invalid component_idx', at + 12, `component_idx ${words[w + 3]! | 0}`);
        return 4;
      }
      default:
        // Unreachable: kinds above maxKind were rejected before.
        e(`Invalid kind:${kind}`, at + 4);
        return -1;
    }
  }

  private memberDesc(nameOff: number, type: number, off: number, kflag: boolean): string {
    const name = nameOff === 0 ? '(anon)' : (this.strAt(nameOff) ?? '(invalid-name-offset)');
    return kflag ? `${name} type_id=${type} bitfield_size=${memberWordBitfieldSize(off, true)} bits_offset=${memberWordBitOffset(off, true)}` : `${name} type_id=${type} bits_offset=${off}`;
  }

  // ---- strings ----

  private nameOffsetValid(off: number): boolean {
    if (off > BTF_MAX_NAME_OFFSET) return false;
    if (off < this.startStrOff) return this.base ? this.base.strValid(off) : false;
    return off - this.startStrOff < this.strLen;
  }

  /** Table and index of a (valid) string offset. */
  private strLoc(off: number): { table: Uint8Array; index: number } | undefined {
    if (off < this.startStrOff) return this.base?.strLocation(off);
    const i = off - this.startStrOff;
    return i < this.strings.length ? { table: this.strings, index: i } : undefined;
  }

  private strAt(off: number): string | undefined {
    const loc = this.strLoc(off);
    if (!loc) return undefined;
    let end = loc.index;
    while (end < loc.table.length && loc.table[end] !== 0) end++;
    return new TextDecoder('latin1').decode(loc.table.subarray(loc.index, end));
  }

  private nonEmpty(off: number): boolean {
    const loc = this.strLoc(off);
    return loc !== undefined && loc.index < loc.table.length && loc.table[loc.index] !== 0;
  }

  /** btf_name_valid_identifier: [A-Za-z_.][A-Za-z0-9_.]* (kernel ctype), at most KSYM_NAME_LEN. */
  private validIdentifier(off: number): boolean {
    let t: Uint8Array;
    let i: number;
    if (off >= this.startStrOff && off - this.startStrOff < this.strings.length) {
      t = this.strings;
      i = off - this.startStrOff;
    } else {
      const loc = this.strLoc(off);
      if (!loc) return false;
      t = loc.table;
      i = loc.index;
    }
    const start = i;
    const c0 = t[i] ?? 0;
    if (!((CTYPE[c0]! & CT_ALPHA) !== 0 || c0 === 0x5f || c0 === 0x2e)) return false;
    const limit = start + this.rules.ksymNameLen;
    i++;
    while (i < t.length && t[i] !== 0 && i < limit) {
      const c = t[i]!;
      if (!((CTYPE[c]! & (CT_ALPHA | CT_DIGIT)) !== 0 || c === 0x5f || c === 0x2e)) return false;
      i++;
    }
    return (t[i] ?? 0) === 0;
  }

  /** btf_name_valid_section: non-empty, every byte isprint, at most KSYM_NAME_LEN. */
  private validSection(off: number): boolean {
    const loc = this.strLoc(off);
    if (!loc) return false;
    const t = loc.table;
    let i = loc.index;
    if ((t[i] ?? 0) === 0) return false;
    const limit = loc.index + this.rules.ksymNameLen;
    while (i < t.length && t[i] !== 0 && i < limit) {
      if ((CTYPE[t[i]!]! & CT_PRINT) === 0) return false;
      i++;
    }
    return (t[i] ?? 0) === 0;
  }

  // ---- type access (own and base) ----

  private get nextId(): number {
    return this.startId + this.count;
  }

  /** Kind of `id`: 0 for void, -1 when there is no such type. */
  private kindOf(id: number): number {
    if (id === 0) return 0;
    if (id >= this.startId) {
      const off = this.offs[id - this.startId];
      if (off === undefined || id >= this.nextId) return -1;
      return infoKind(this.words[off + 1]!);
    }
    if (this.base && id < this.base.nextId) return this.base.kind(id);
    return -1;
  }

  /** Word `k` of the record of existing type `id` (void: all zero). */
  private word(id: number, k: number): number {
    if (id === 0) return 0;
    if (id >= this.startId) return this.words[this.offs[id - this.startId]! + k] ?? 0;
    return this.base ? this.base.word(id, k) : 0;
  }

  private vlenOf(id: number): number {
    const info = this.word(id, 1);
    return this.rules.infoMask ? infoVlen16(info) : infoVlen(info);
  }

  private kflagOf(id: number): boolean {
    return infoKflag(this.word(id, 1));
  }

  /** Byte offset of word `k` of own type `id` in the blob. */
  private at(id: number, k = 0): number | undefined {
    if (id < this.startId || id >= this.nextId) return undefined;
    return this.hdrLen + this.typeOff + (this.offs[id - this.startId]! + k) * 4;
  }

  private isRegularInt(id: number): boolean {
    const data = this.word(id, 3);
    const bits = intBits(data);
    const bytes = roundupBytes(bits);
    return bits % 8 === 0 && intOffset(data) === 0 && bytes <= 16 && isPow2(bytes);
  }

  // ---- pass 2: resolve ----

  private resolved(id: number): boolean {
    if (id < this.startId && this.base) return true;
    return this.visit[id] === RESOLVED;
  }

  private isSink(kind: number): boolean {
    switch (this.resolveMode) {
      case MODE_TBD:
        return !needsResolve(kind);
      case MODE_PTR:
        return !isModifierKernel(kind) && kind !== Kind.PTR;
      default:
        return !isModifierKernel(kind) && kind !== Kind.ARRAY && !isComposite(kind);
    }
  }

  private push(id: number): number {
    if (this.stackId.length === MAX_RESOLVE_DEPTH) return E2BIG;
    if (this.visit[id] !== NOT_VISITED) return EEXIST;
    this.visit[id] = VISITED;
    this.stackId.push(id);
    this.stackNext.push(0);
    if (this.resolveMode === MODE_TBD) {
      const k = this.kindOf(id);
      if (k === Kind.PTR) this.resolveMode = MODE_PTR;
      else if (isComposite(k) || k === Kind.ARRAY) this.resolveMode = MODE_STRUCT_OR_ARRAY;
    }
    return 0;
  }

  private popResolved(resolvedId: number, resolvedSize: number): void {
    const id = this.stackId.pop()!;
    this.stackNext.pop();
    this.resolvedIds[id] = resolvedId;
    this.resolvedSizes[id] = resolvedSize >>> 0;
    this.visit[id] = RESOLVED;
  }

  /**
   * btf_type_id_size: the sized type behind `id` (through modifiers and VAR, using resolved
   * ids) and its size, or undefined.
   */
  private readonly sizeRes = { id: 0, kind: 0, size: 0 };

  /** (The result object is reused: read it before the next call.) */
  private idSize(id: number): { id: number; kind: number; size: number } | undefined {
    let k = this.kindOf(id);
    if (k < 0 || isNoSize(k)) return undefined;
    let sid = id;
    if (!hasSize(k) && k !== Kind.ARRAY && k !== Kind.PTR) {
      if (!isModifierKernel(k) && k !== Kind.VAR) return undefined;
      sid = this.resolvedIds[id] ?? 0;
      k = this.kindOf(sid);
      if (k < 0 || isNoSize(k)) return undefined;
      if (!hasSize(k) && k !== Kind.ARRAY && k !== Kind.PTR) return undefined;
    }
    const r = this.sizeRes;
    r.id = sid;
    r.kind = k;
    r.size = k === Kind.ARRAY ? (this.resolvedSizes[sid] ?? 0) : k === Kind.PTR ? PTR_SIZE : this.word(sid, 2);
    return r;
  }

  private checkAllTypes(): void {
    const n = this.nextId;
    this.visit = new Uint8Array(n);
    this.resolvedIds = new Uint32Array(n);
    this.resolvedSizes = new Uint32Array(n);
    for (let id = 1; id < n; id++) {
      const k = this.kindOf(id);
      if (needsResolve(k) && !this.resolved(id)) {
        const err = this.resolve(id);
        if (err) throw new Stop(err);
      }
      if (k === Kind.FUNC_PROTO) {
        const err = this.funcProtoCheck(id);
        if (err) throw new Stop(err);
      }
    }
  }

  private fail(id: number, rule: string, k = 0, detail?: string): number {
    const offset = this.at(id, k);
    const at: { typeId: number; offset?: number; detail?: string } = { typeId: id };
    if (offset !== undefined) at.offset = offset;
    if (detail !== undefined) at.detail = detail;
    this.add('resolve', rule, EINVAL, at);
    return EINVAL;
  }

  /** btf_resolve: DFS from `id` until the stack is empty or an error. */
  private resolve(id: number): number {
    this.resolveMode = MODE_TBD;
    this.push(id);
    let err = 0;
    while (err === 0 && this.stackId.length > 0) {
      const top = this.stackId[this.stackId.length - 1]!;
      err = this.resolveOne(top, this.stackNext[this.stackNext.length - 1]!);
    }
    if (err === E2BIG) {
      this.add('resolve', `Exceeded max resolving depth:${MAX_RESOLVE_DEPTH}`, E2BIG, { typeId: id, ...(this.at(id) !== undefined ? { offset: this.at(id)! } : {}), detail: `via ${this.stackId.join(' -> ')}` });
    } else if (err === EEXIST) {
      this.add('resolve', 'Loop detected', EEXIST, { typeId: id, ...(this.at(id) !== undefined ? { offset: this.at(id)! } : {}), detail: `via ${this.stackId.join(' -> ')}` });
    }
    if (err === 0 && !this.resolveValid(id)) err = this.fail(id, 'Invalid resolve state');
    // Leave a clean stack (the kernel stops here anyway).
    if (this.stackId.length > 0) {
      this.stackId.length = 0;
      this.stackNext.length = 0;
    }
    return err;
  }

  private resolveValid(id: number): boolean {
    if (!this.resolved(id)) return false;
    const k = this.kindOf(id);
    const rid = this.resolvedIds[id]!;
    const rsize = this.resolvedSizes[id]!;
    if (isComposite(k) || k === Kind.DATASEC) return rid === 0 && rsize === 0;
    if (k === Kind.DECL_TAG || k === Kind.FUNC) return rid !== 0 && rsize === 0;
    if (isModifierKernel(k) || k === Kind.PTR || k === Kind.VAR) {
      const rk = this.kindOf(rid);
      return rk >= 0 && !isModifierKernel(rk) && rk !== Kind.VAR && rk !== Kind.DATASEC;
    }
    if (k === Kind.ARRAY) {
      const e = this.idSize(this.word(id, 3));
      return e !== undefined && !isModifierKernel(e.kind) && Math.imul(this.word(id, 5), e.size) >>> 0 === rsize;
    }
    return false;
  }

  private resolveOne(id: number, nextMember: number): number {
    const k = this.kindOf(id);
    switch (k) {
      case Kind.TYPEDEF:
      case Kind.VOLATILE:
      case Kind.CONST:
      case Kind.RESTRICT:
      case Kind.TYPE_TAG:
        return this.resolveRef(id, false);
      case Kind.PTR:
        return this.resolveRef(id, true);
      case Kind.VAR:
        return this.resolveVar(id);
      case Kind.ARRAY:
        return this.resolveArray(id);
      case Kind.STRUCT:
      case Kind.UNION:
        return this.resolveStruct(id, nextMember);
      case Kind.DATASEC:
        return this.resolveDatasec(id, nextMember);
      case Kind.FUNC:
        return this.resolveFunc(id);
      case Kind.DECL_TAG:
        return this.resolveDeclTag(id);
      default:
        return this.fail(id, 'Unsupported resolve');
    }
  }

  /** Modifiers and PTR (btf_modifier_resolve / btf_ptr_resolve). */
  private resolveRef(id: number, isPtr: boolean): number {
    let next = this.word(id, 2);
    let nk = this.kindOf(next);
    if (nk < 0 || isSourceOnly(nk)) return this.fail(id, 'Invalid type_id', 2, `type_id=${next}`);
    if (!this.isSink(nk) && !this.resolved(next)) return this.push(next);
    if (isPtr && isModifierKernel(nk)) {
      const rid = this.resolvedIds[next]!;
      const rk = this.kindOf(rid);
      if (rk === Kind.PTR && !this.isSink(rk) && !this.resolved(rid)) return this.push(rid);
    }
    const r = this.idSize(next);
    if (!r) {
      if (this.resolved(next)) {
        next = this.resolvedIds[next]!;
        nk = this.kindOf(next);
      }
      if (nk !== 0 && nk !== Kind.FWD && nk !== Kind.FUNC_PROTO) return this.fail(id, 'Invalid type_id', 2, `type_id=${next} (${kindName(nk)}) has no size`);
    } else next = r.id;
    this.popResolved(next, 0);
    return 0;
  }

  private resolveVar(id: number): number {
    const next = this.word(id, 2);
    const nk = this.kindOf(next);
    if (nk < 0 || isSourceOnly(nk)) return this.fail(id, 'Invalid type_id', 2, `type_id=${next}`);
    if (!this.isSink(nk) && !this.resolved(next)) return this.push(next);
    if (isModifierKernel(nk)) {
      const rid = this.resolvedIds[next]!;
      const rk = this.kindOf(rid);
      if (rk === Kind.PTR && !this.isSink(rk) && !this.resolved(rid)) return this.push(rid);
    }
    const r = this.idSize(next);
    if (!r) return this.fail(id, 'Invalid type_id', 2, `type_id=${next} has no size`);
    this.popResolved(r.id, 0);
    return 0;
  }

  private resolveArray(id: number): number {
    const idx = this.word(id, 4);
    const ik = this.kindOf(idx);
    if (ik < 0 || isNoSize(ik) || isSourceOnly(ik)) return this.fail(id, 'Invalid index', 4, `index_type_id=${idx}`);
    if (!this.isSink(ik) && !this.resolved(idx)) return this.push(idx);
    const ir = this.idSize(idx);
    if (!ir || ir.kind !== Kind.INT || !this.isRegularInt(ir.id)) return this.fail(id, 'Invalid index', 4, `index_type_id=${idx} is not a regular int`);
    const elem = this.word(id, 3);
    const ek = this.kindOf(elem);
    if (ek < 0 || isNoSize(ek) || isSourceOnly(ek)) return this.fail(id, 'Invalid elem', 3, `type_id=${elem}`);
    if (!this.isSink(ek) && !this.resolved(elem)) return this.push(elem);
    const er = this.idSize(elem);
    if (!er) return this.fail(id, 'Invalid elem', 3, `type_id=${elem} has no size`);
    if (er.kind === Kind.INT && !this.isRegularInt(er.id)) return this.fail(id, 'Invalid array of int', 3);
    const nelems = this.word(id, 5);
    if (nelems !== 0 && er.size > Math.floor(U32_MAX / nelems)) return this.fail(id, 'Array size overflows U32_MAX', 5);
    this.popResolved(er.id, er.size * nelems);
    return 0;
  }

  private resolveStruct(id: number, nextMember: number): number {
    const kflag = this.kflagOf(id);
    const vlen = this.vlenOf(id);
    if (nextMember > 0) {
      const lastType = this.word(id, 3 + (nextMember - 1) * 3 + 1);
      if (!this.resolved(lastType)) return this.fail(id, 'Invalid resolve state', 0, `member #${nextMember - 1} type not resolved`);
      const err = this.checkMember(id, nextMember - 1, lastType, kflag);
      if (err) return err;
    }
    for (let i = nextMember; i < vlen; i++) {
      const mType = this.word(id, 3 + i * 3 + 1);
      const mk = this.kindOf(mType);
      if (mk < 0 || isNoSize(mk) || isSourceOnly(mk)) return this.memberFail(id, i, 'Invalid member');
      if (!this.isSink(mk) && !this.resolved(mType)) {
        this.stackNext[this.stackNext.length - 1] = i + 1;
        return this.push(mType);
      }
      const err = this.checkMember(id, i, mType, kflag);
      if (err) return err;
    }
    this.popResolved(0, 0);
    return 0;
  }

  private memberFail(id: number, i: number, rule: string): number {
    const m = 3 + i * 3;
    return this.fail(id, rule, m, `member #${i} ${this.memberDesc(this.word(id, m), this.word(id, m + 1), this.word(id, m + 2), this.kflagOf(id))}`);
  }

  /** check_member / check_kflag_member of member `i` (whose type is taken as `mType`). */
  private checkMember(id: number, i: number, mType: number, kflag: boolean): number {
    const structSize = this.word(id, 2);
    const raw = this.word(id, 3 + i * 3 + 2);
    let mk = this.kindOf(mType);
    let tid = mType;
    if (isModifierKernel(mk)) {
      const r = this.idSize(mType);
      if (!r) return this.memberFail(id, i, 'Invalid member');
      tid = r.id;
      mk = r.kind;
    }
    const bitfield = memberWordBitfieldSize(raw, true);
    const bitOff = memberWordBitOffset(raw, true);
    const aligned = (off: number): boolean => off % 8 === 0;
    // Generic kflag handling for PTR/ARRAY/STRUCT/UNION/FLOAT: no bitfield size, then as non-kflag.
    const generic = (): number | undefined => {
      if (kflag && bitfield !== 0) return this.memberFail(id, i, 'Invalid member bitfield_size');
      return undefined;
    };
    switch (mk) {
      case Kind.INT: {
        const data = this.word(tid, 3);
        const intNrBits = intBits(data);
        const intOff = intOffset(data);
        let off: number;
        let nrBits: number;
        if (kflag) {
          if (!this.isRegularInt(tid)) return this.memberFail(id, i, 'Invalid member base type');
          off = bitOff;
          nrBits = bitfield;
          if (nrBits === 0) {
            if (!aligned(off)) return this.memberFail(id, i, 'Invalid member offset');
            nrBits = intNrBits;
          } else if (nrBits > intNrBits) return this.memberFail(id, i, 'Invalid member bitfield_size');
        } else {
          if (U32_MAX - raw < intOff) return this.memberFail(id, i, 'bits_offset exceeds U32_MAX');
          off = raw + intOff;
          nrBits = intNrBits;
        }
        const bytesOff = Math.floor(off / 8);
        const copy = nrBits + (off % 8);
        if (copy > 128) return this.memberFail(id, i, 'nr_copy_bits exceeds 128');
        if (structSize < bytesOff || structSize - bytesOff < roundupBytes(copy)) return this.memberFail(id, i, 'Member exceeds struct_size');
        return 0;
      }
      case Kind.ENUM:
      case Kind.ENUM64: {
        if (kflag) {
          let nr = bitfield;
          if (nr === 0) {
            if (!aligned(bitOff)) return this.memberFail(id, i, 'Member is not byte aligned');
            nr = 32;
          } else if (nr > 32) return this.memberFail(id, i, 'Invalid member bitfield_size');
          if (structSize < roundupBytes(bitOff + nr)) return this.memberFail(id, i, 'Member exceeds struct_size');
          return 0;
        }
        if (!aligned(raw)) return this.memberFail(id, i, 'Member is not byte aligned');
        if ((structSize - Math.floor(raw / 8)) >>> 0 < this.word(tid, 2)) return this.memberFail(id, i, 'Member exceeds struct_size');
        return 0;
      }
      case Kind.PTR: {
        const g = generic();
        if (g !== undefined) return g;
        const off = kflag ? bitOff : raw;
        if (!aligned(off)) return this.memberFail(id, i, 'Member is not byte aligned');
        if ((structSize - Math.floor(off / 8)) >>> 0 < PTR_SIZE) return this.memberFail(id, i, 'Member exceeds struct_size');
        return 0;
      }
      case Kind.ARRAY:
      case Kind.STRUCT:
      case Kind.UNION: {
        const g = generic();
        if (g !== undefined) return g;
        const off = kflag ? bitOff : raw;
        if (!aligned(off)) return this.memberFail(id, i, 'Member is not byte aligned');
        const size = mk === Kind.ARRAY ? (this.idSize(tid)?.size ?? 0) : this.word(tid, 2);
        if ((structSize - Math.floor(off / 8)) >>> 0 < size) return this.memberFail(id, i, 'Member exceeds struct_size');
        return 0;
      }
      case Kind.FLOAT: {
        const g = generic();
        if (g !== undefined) return g;
        const off = kflag ? bitOff : raw;
        const fsize = this.word(tid, 2);
        const alignBits = Math.min(PTR_SIZE, fsize) * 8;
        if (alignBits === 0 || off % alignBits !== 0) return this.memberFail(id, i, 'Member is not properly aligned');
        if (Math.floor(off / 8) + fsize > structSize) return this.memberFail(id, i, 'Member exceeds struct_size');
        return 0;
      }
      default:
        return this.memberFail(id, i, kflag ? 'Unsupported check_kflag_member' : 'Unsupported check_member');
    }
  }

  private resolveDatasec(id: number, nextMember: number): number {
    this.resolveMode = MODE_TBD;
    const vlen = this.vlenOf(id);
    for (let i = nextMember; i < vlen; i++) {
      const v = 3 + i * 3;
      const varId = this.word(id, v);
      const detail = (): string => `secinfo #${i} type_id=${varId} offset=${this.word(id, v + 1)} size=${this.word(id, v + 2)}`;
      const vk = this.kindOf(varId);
      if (vk !== Kind.VAR) return this.fail(id, 'Not a VAR kind member', v, detail());
      if (!this.isSink(vk) && !this.resolved(varId)) {
        this.stackNext[this.stackNext.length - 1] = i + 1;
        return this.push(varId);
      }
      const r = this.idSize(this.word(varId, 2));
      if (!r) return this.fail(id, 'Invalid type', v, detail());
      if (this.word(id, v + 2) < r.size) return this.fail(id, 'Invalid size', v + 2, `${detail()}: the variable's type is ${r.size} bytes`);
    }
    this.popResolved(0, 0);
    return 0;
  }

  private resolveFunc(id: number): number {
    const proto = this.word(id, 2);
    if (this.kindOf(proto) !== Kind.FUNC_PROTO) return this.fail(id, 'Invalid type_id', 2, `type_id=${proto} is not a FUNC_PROTO`);
    const n = this.vlenOf(proto);
    for (let i = 0; i < n; i++) {
      if (this.word(proto, 3 + i * 2) === 0 && this.word(proto, 3 + i * 2 + 1) !== 0) return this.fail(id, `Invalid arg#${i + 1}`, 2, `parameter ${i + 1} of FUNC_PROTO [${proto}] has no name`);
    }
    this.popResolved(proto, 0);
    return 0;
  }

  private resolveDeclTag(id: number): number {
    const next = this.word(id, 2);
    const nk = this.kindOf(next);
    if (nk !== Kind.FUNC && !isComposite(nk) && nk !== Kind.VAR && nk !== Kind.TYPEDEF) return this.fail(id, 'Invalid type_id', 2, `type_id=${next}${nk >= 0 ? ` (${kindName(nk)})` : ''} cannot carry a decl tag`);
    if (!this.isSink(nk) && !this.resolved(next)) return this.push(next);
    const comp = this.word(id, 3) | 0;
    if (comp !== -1) {
      if (nk === Kind.VAR || nk === Kind.TYPEDEF) return this.fail(id, 'Invalid component_idx', 3, `component_idx ${comp} on a ${kindName(nk)}`);
      const vlen = isComposite(nk) ? this.vlenOf(next) : this.vlenOf(this.word(next, 2));
      if (comp >>> 0 >= vlen) return this.fail(id, 'Invalid component_idx', 3, `component_idx ${comp} >= ${vlen}`);
    }
    this.popResolved(next, 0);
    return 0;
  }

  /** btf_func_proto_check (every FUNC_PROTO, user BTF). */
  private funcProtoCheck(id: number): number {
    const ret = this.word(id, 2);
    if (ret !== 0) {
      const rk = this.kindOf(ret);
      if (rk < 0 || isSourceOnly(rk)) return this.fail(id, 'Invalid return type', 2, `type_id=${ret}`);
      if (needsResolve(rk) && !this.resolved(ret)) {
        const err = this.resolve(ret);
        if (err) return err;
      }
      if (!this.idSize(ret)) return this.fail(id, 'Invalid return type', 2, `type_id=${ret} has no size`);
    }
    let n = this.vlenOf(id);
    if (n === 0) return 0;
    if (this.word(id, 3 + (n - 1) * 2 + 1) === 0) {
      if (this.word(id, 3 + (n - 1) * 2) !== 0) return this.fail(id, `Invalid arg#${n}`, 3 + (n - 1) * 2, 'a vararg (type 0) must have no name');
      n--;
    }
    for (let i = 0; i < n; i++) {
      const p = 3 + i * 2;
      const at = this.word(id, p + 1);
      const ak = this.kindOf(at);
      if (ak < 0 || isSourceOnly(ak)) return this.fail(id, `Invalid arg#${i + 1}`, p + 1, `type_id=${at}`);
      const nameOff = this.word(id, p);
      if (nameOff !== 0 && (!this.nameOffsetValid(nameOff) || !this.validIdentifier(nameOff))) return this.fail(id, `Invalid arg#${i + 1}`, p, 'invalid parameter name');
      if (needsResolve(ak) && !this.resolved(at)) {
        const err = this.resolve(at);
        if (err) return err;
      }
      if (!this.idSize(at)) return this.fail(id, `Invalid arg#${i + 1}`, p + 1, `type_id=${at} has no size`);
    }
    return 0;
  }

  // ---- modifier chains ----

  /** btf_check_type_tags (btf_check_modifier_chain_length in 7.2+). */
  private checkChains(): void {
    const start = this.base ? this.startId : 1;
    const n = this.nextId;
    let good = start - 1;
    for (let i = start; i < n; i++) {
      let k = this.kindOf(i);
      if (!isModifierKernel(k)) continue;
      let limit = 32;
      let inTags = k === Kind.TYPE_TAG;
      let cur = i;
      while (isModifierKernel(k)) {
        if (limit-- === 0) this.stop('chain', 'Max chain length or cycle detected', ELOOP, { typeId: i, ...(this.at(i) !== undefined ? { offset: this.at(i)! } : {}) });
        if (k === Kind.TYPE_TAG) {
          if (!inTags && this.rules.typeTagOrder) this.stop('chain', "Type tags don't precede modifiers", EINVAL, { typeId: i, ...(this.at(i) !== undefined ? { offset: this.at(i)! } : {}), detail: `type tag [${cur}] follows a modifier` });
        } else inTags = false;
        if (cur <= good) break;
        cur = this.word(cur, 2);
        k = this.kindOf(cur);
        if (k < 0) this.stop('chain', 'type id out of range in modifier chain', EINVAL, { typeId: i, ...(this.at(i, 2) !== undefined ? { offset: this.at(i, 2)! } : {}), detail: `type_id=${cur} (the kernel returns EINVAL without a log line)` });
      }
      good = i;
    }
  }
}

function errnoName(e: number): Finding['errno'] {
  if (e === E2BIG) return 'E2BIG';
  if (e === ENOTSUPP) return 'ENOTSUPP';
  if (e === ELOOP) return 'ELOOP';
  return 'EINVAL';
}

/** One line for a finding: "[12] STRUCT foo: offset 0x1a4: Invalid member (member #3 ...)". */
export function formatFinding(f: Finding): string {
  const parts: string[] = [];
  if (f.typeId !== undefined) parts.push(`[${f.typeId}]${f.kind !== undefined ? ` ${f.kind}` : ''}${f.name !== undefined ? ` ${f.name}` : ''}`);
  if (f.offset !== undefined) parts.push(`offset ${f.offset} (0x${f.offset.toString(16)})`);
  parts.push(`${f.rule}${f.detail !== undefined ? ` (${f.detail})` : ''}`);
  return `${f.phase}: ${parts.join(': ')}`;
}
