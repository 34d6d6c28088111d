/**
 * What every phase of `checkBtf` shares: the blob and its header fields, the own type index
 * built by pass 1, the findings, and access to a type's words whether it is own or in the
 * base (kernel/bpf/btf.c keeps the same in its btf_verifier_env).
 */

import type { Btf } from '../../wire/btf.js';
import type { Endian } from '../../wire/header.js';
import { infoKflag, infoKind, infoVlen, infoVlen16, kindName } from '../../wire/kinds.js';
import type { CheckOptions, CheckPhase, Finding, FindingCode } from '../check.js';
import type { KernelRules } from '../kernel-rules.js';
import { errnoName, Stop } from './errno.js';
import { strAt } from './strings.js';

/** Where a finding points: the type, the byte offset in the blob, and btfkit's extra context. */
export interface Where {
  typeId?: number;
  offset?: number;
  detail?: string;
}

export const roundupBytes = (bits: number): number => Math.floor(bits / 8) + (bits % 8 !== 0 ? 1 : 0);
export const isPow2 = (n: number): boolean => n !== 0 && (n & (n - 1)) === 0;

export class CheckContext {
  readonly findings: Finding[] = [];
  readonly endian: Endian;
  readonly le: boolean;
  readonly view: DataView;
  readonly maxFindings: number;
  readonly base: Btf | undefined;

  // header (set by the header phase)
  hdrLen = 0;
  typeOff = 0;
  typeLen = 0;
  strOff = 0;
  strLen = 0;
  layoutOff = 0;
  layoutLen = 0;

  /** Own string section (set by the strings phase). */
  strings: Uint8Array = new Uint8Array(0);
  /** Own type section as host-order words (floor(typeLen/4) of them; set by pass 1). */
  words: Uint32Array = new Uint32Array(0);
  /** Word offset of each own record; index id - startId (filled by pass 1). */
  offs = new Uint32Array(0);
  /** Own types pass 1 got through. */
  count = 0;
  readonly startId: number = 1;
  readonly startStrOff: number = 0;

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

  // ---- findings ----

  add(phase: CheckPhase, code: FindingCode, rule: string, errno: number, at: Where = {}): void {
    if (this.findings.length >= this.maxFindings) throw new Stop(errno);
    const f: { -readonly [K in keyof Finding]: Finding[K] } = { phase, code, rule, errno: errnoName(errno) };
    if (at.typeId !== undefined) {
      f.typeId = at.typeId;
      const k = this.kindOf(at.typeId);
      if (k >= 0) {
        f.kind = kindName(k);
        const nameOff = this.word(at.typeId, 0);
        f.name = nameOff === 0 ? '(anon)' : (strAt(this, nameOff) ?? '(invalid-name-offset)');
      }
    }
    if (at.offset !== undefined) f.offset = at.offset;
    if (at.detail !== undefined) f.detail = at.detail;
    this.findings.push(f);
  }

  /** Record a finding and stop the current phase. */
  stop(phase: CheckPhase, code: FindingCode, rule: string, errno: number, at: Where = {}): never {
    this.add(phase, code, rule, errno, at);
    throw new Stop(errno);
  }

  /** `at` for a finding about own type `id` (word `k` of its record), with the optional detail. */
  typeAt(id: number, k = 0, detail?: string): Where {
    const where: Where = { typeId: id };
    const offset = this.at(id, k);
    if (offset !== undefined) where.offset = offset;
    if (detail !== undefined) where.detail = detail;
    return where;
  }

  // ---- blob and type access (own and base) ----

  u32(off: number): number {
    return this.view.getUint32(off, this.le);
  }

  get nextId(): number {
    return this.startId + this.count;
  }

  /** Kind of `id`: 0 for void, -1 when there is no such type. */
  kindOf(id: number): number {
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
  word(id: number, k: number): number {
    if (id === 0) return 0;
    if (id >= this.startId) return this.words[this.offs[id - this.startId]! + k] ?? 0;
    return this.base ? this.base.word(id, k) : 0;
  }

  /** vlen of an info word: 16 bits while the kernel masks info (before 7.1), else 24. */
  vlenOfInfo(info: number): number {
    return this.rules.infoMask ? infoVlen16(info) : infoVlen(info);
  }

  vlenOf(id: number): number {
    return this.vlenOfInfo(this.word(id, 1));
  }

  kflagOf(id: number): boolean {
    return infoKflag(this.word(id, 1));
  }

  /** Byte offset of word `k` of own type `id` in the blob. */
  at(id: number, k = 0): number | undefined {
    if (id < this.startId || id >= this.nextId) return undefined;
    return this.hdrLen + this.typeOff + (this.offs[id - this.startId]! + k) * 4;
  }
}
