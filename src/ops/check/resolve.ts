/**
 * Pass 2 (btf_check_all_types, user BTF only): resolve every type that refers to others with
 * the kernel's DFS (btf_resolve: an explicit stack of at most 32, a VISITED mark for loops),
 * each kind's resolve and, for struct members, its check_member / check_kflag_member, taken
 * from per-kind tables as the kernel's btf_kind_operations do; then btf_func_proto_check on
 * every FUNC_PROTO. It stops at the first error, like the kernel (its state after an error
 * is not meaningful).
 */

import { hasSize, intBits, intOffset, isComposite, isModifierKernel, isNoSize, isSourceOnly, Kind, kindName, memberWordBitfieldSize, memberWordBitOffset, needsResolve } from '../../wire/kinds.js';
import type { FindingCode } from '../check.js';
import { type CheckContext, isPow2, roundupBytes } from './context.js';
import { E2BIG, EEXIST, EINVAL, Stop } from './errno.js';
import { memberDesc } from './meta.js';
import { nameOffsetValid, validIdentifier } from './strings.js';

const MAX_RESOLVE_DEPTH = 32;
const U32_MAX = 0xffffffff;
/** sizeof(void *) of the kernel being emulated (64-bit). */
const PTR_SIZE = 8;

const NOT_VISITED = 0;
const VISITED = 1;
const RESOLVED = 2;

/** env->resolve_mode: which kinds end a walk (are "sinks") depends on where it started. */
const MODE_TBD = 0;
const MODE_PTR = 1;
const MODE_STRUCT_OR_ARRAY = 2;

/** A kind's resolve: 0 when the type resolved or a referred type was pushed, else the errno. */
type ResolveFn = (r: Resolver, id: number, nextMember: number) => number;
/** A member kind's check_member / check_kflag_member: 0 or the errno. */
type CheckMemberFn = (m: MemberCheck) => number;

/** The member being checked by check_member (one instance, reused). */
interface MemberCheck {
  r: Resolver;
  /** The struct or union. */
  id: number;
  index: number;
  /** The member's type with modifiers resolved, and its kind. */
  tid: number;
  kind: number;
  kflag: boolean;
  structSize: number;
  /** The member's offset word as stored. */
  raw: number;
  bitfieldSize: number;
  bitOffset: number;
}

class Resolver {
  /** Index = type id. */
  readonly visit: Uint8Array;
  readonly resolvedIds: Uint32Array;
  readonly resolvedSizes: Uint32Array;
  readonly stackId: number[] = [];
  readonly stackNext: number[] = [];
  mode = MODE_TBD;
  private readonly sizeRes = { id: 0, kind: 0, size: 0 };
  private readonly member: MemberCheck;

  constructor(readonly c: CheckContext) {
    const n = c.nextId;
    this.visit = new Uint8Array(n);
    this.resolvedIds = new Uint32Array(n);
    this.resolvedSizes = new Uint32Array(n);
    this.member = { r: this, id: 0, index: 0, tid: 0, kind: 0, kflag: false, structSize: 0, raw: 0, bitfieldSize: 0, bitOffset: 0 };
  }

  resolved(id: number): boolean {
    if (id < this.c.startId && this.c.base) return true;
    return this.visit[id] === RESOLVED;
  }

  /** env_type_is_resolve_sink. */
  isSink(kind: number): boolean {
    switch (this.mode) {
      case MODE_TBD:
        return !needsResolve(kind);
      case MODE_PTR:
        return !isModifierKernel(kind) && kind !== Kind.PTR;
      default:
        return !isModifierKernel(kind) && kind !== Kind.ARRAY && !isComposite(kind);
    }
  }

  /** The type still has to be resolved before the one on top of the stack. */
  pending(kind: number, id: number): boolean {
    return !this.isSink(kind) && !this.resolved(id);
  }

  /** env_stack_push. */
  push(id: number): number {
    if (this.stackId.length === MAX_RESOLVE_DEPTH) return E2BIG;
    if (this.visit[id] !== NOT_VISITED) return EEXIST;
    this.visit[id] = VISITED;
    this.stackId.push(id);
    this.stackNext.push(0);
    if (this.mode === MODE_TBD) {
      const k = this.c.kindOf(id);
      if (k === Kind.PTR) this.mode = MODE_PTR;
      else if (isComposite(k) || k === Kind.ARRAY) this.mode = MODE_STRUCT_OR_ARRAY;
    }
    return 0;
  }

  /** Push member `next`'s type, to come back to member `next + 1` (env_stack_set_next_member). */
  pushMember(next: number, id: number): number {
    this.stackNext[this.stackNext.length - 1] = next;
    return this.push(id);
  }

  /** env_stack_pop_resolved. */
  popResolved(resolvedId: number, resolvedSize: number): number {
    const id = this.stackId.pop()!;
    this.stackNext.pop();
    this.resolvedIds[id] = resolvedId;
    this.resolvedSizes[id] = resolvedSize >>> 0;
    this.visit[id] = RESOLVED;
    return 0;
  }

  fail(id: number, code: FindingCode, rule: string, k = 0, detail?: string): number {
    this.c.add('resolve', code, rule, EINVAL, this.c.typeAt(id, k, detail));
    return EINVAL;
  }

  memberFail(id: number, i: number, code: FindingCode, rule: string): number {
    const m = 3 + i * 3;
    const c = this.c;
    return this.fail(id, code, rule, m, `member #${i} ${memberDesc(c, c.word(id, m), c.word(id, m + 1), c.word(id, m + 2), c.kflagOf(id))}`);
  }

  /**
   * btf_type_id_size: the sized type behind `id` (through modifiers and VAR, using resolved
   * ids) and its size, or undefined. (The result object is reused: read it before the next call.)
   */
  idSize(id: number): { id: number; kind: number; size: number } | undefined {
    const c = this.c;
    let k = c.kindOf(id);
    if (k < 0 || isNoSize(k)) return undefined;
    let sid = id;
    if (!hasSize(k) && k !== Kind.ARRAY && k !== Kind.PTR) {
      if (!isModifierKernel(k) && k !== Kind.VAR) return undefined;
      sid = this.resolvedIds[id] ?? 0;
      k = c.kindOf(sid);
      if (k < 0 || isNoSize(k)) return undefined;
      if (!hasSize(k) && k !== Kind.ARRAY && k !== Kind.PTR) return undefined;
    }
    const r = this.sizeRes;
    r.id = sid;
    r.kind = k;
    r.size = k === Kind.ARRAY ? (this.resolvedSizes[sid] ?? 0) : k === Kind.PTR ? PTR_SIZE : c.word(sid, 2);
    return r;
  }

  /** btf_type_int_is_regular: whole bytes, no offset, a power-of-two size up to 16. */
  isRegularInt(id: number): boolean {
    const data = this.c.word(id, 3);
    const bits = intBits(data);
    const bytes = roundupBytes(bits);
    return bits % 8 === 0 && intOffset(data) === 0 && bytes <= 16 && isPow2(bytes);
  }

  /** btf_resolve: DFS from `id` until the stack is empty or an error. */
  resolve(id: number): number {
    const c = this.c;
    this.mode = MODE_TBD;
    this.push(id);
    let err = 0;
    while (err === 0 && this.stackId.length > 0) {
      const top = this.stackId[this.stackId.length - 1]!;
      const resolveKind = RESOLVE[c.kindOf(top)];
      err = resolveKind ? resolveKind(this, top, this.stackNext[this.stackNext.length - 1]!) : this.fail(top, 'unsupported-resolve', 'Unsupported resolve');
    }
    if (err === E2BIG) {
      c.add('resolve', 'exceeded-max-resolving-depth', `Exceeded max resolving depth:${MAX_RESOLVE_DEPTH}`, E2BIG, c.typeAt(id, 0, `via ${this.stackId.join(' -> ')}`));
    } else if (err === EEXIST) {
      c.add('resolve', 'loop-detected', 'Loop detected', EEXIST, c.typeAt(id, 0, `via ${this.stackId.join(' -> ')}`));
    }
    if (err === 0 && !this.resolveValid(id)) err = this.fail(id, 'invalid-resolve-state', 'Invalid resolve state');
    // Leave a clean stack (the kernel stops here anyway).
    this.stackId.length = 0;
    this.stackNext.length = 0;
    return err;
  }

  /** btf_resolve_valid. */
  private resolveValid(id: number): boolean {
    if (!this.resolved(id)) return false;
    const c = this.c;
    const k = c.kindOf(id);
    const rid = this.resolvedIds[id]!;
    const rsize = this.resolvedSizes[id]!;
    if (isComposite(k) || k === Kind.DATASEC) return rid === 0 && rsize === 0;
    if (k === Kind.DECL_TAG || k === Kind.FUNC) return rid !== 0 && rsize === 0;
    if (isModifierKernel(k) || k === Kind.PTR || k === Kind.VAR) {
      const rk = c.kindOf(rid);
      return rk >= 0 && !isModifierKernel(rk) && rk !== Kind.VAR && rk !== Kind.DATASEC;
    }
    if (k === Kind.ARRAY) {
      const e = this.idSize(c.word(id, 3));
      return e !== undefined && !isModifierKernel(e.kind) && Math.imul(c.word(id, 5), e.size) >>> 0 === rsize;
    }
    return false;
  }

  /**
   * `next` is a resolved modifier: when it resolves to a PTR that is itself still pending,
   * push that PTR (the second look of btf_ptr_resolve / btf_var_resolve).
   */
  private pushPointerBehind(next: number): number | undefined {
    const rid = this.resolvedIds[next]!;
    const rk = this.c.kindOf(rid);
    return rk === Kind.PTR && this.pending(rk, rid) ? this.push(rid) : undefined;
  }

  /**
   * Before a PTR, modifier or VAR can resolve, its target must: the result of pushing what is
   * still pending (0 or an errno), or undefined when the target is ready.
   */
  referredFirst(next: number, nk: number, throughModifiers: boolean): number | undefined {
    if (this.pending(nk, next)) return this.push(next);
    if (throughModifiers && isModifierKernel(nk)) return this.pushPointerBehind(next);
    return undefined;
  }

  /** check_member / check_kflag_member of member `i` (whose type is taken as `mType`). */
  checkMember(id: number, i: number, mType: number, kflag: boolean): number {
    const c = this.c;
    const m = this.member;
    let mk = c.kindOf(mType);
    let tid = mType;
    if (isModifierKernel(mk)) {
      const r = this.idSize(mType);
      if (!r) return this.memberFail(id, i, 'invalid-member', 'Invalid member');
      tid = r.id;
      mk = r.kind;
    }
    const raw = c.word(id, 3 + i * 3 + 2);
    m.id = id;
    m.index = i;
    m.tid = tid;
    m.kind = mk;
    m.kflag = kflag;
    m.structSize = c.word(id, 2);
    m.raw = raw;
    m.bitfieldSize = memberWordBitfieldSize(raw, true);
    m.bitOffset = memberWordBitOffset(raw, true);
    const check = CHECK_MEMBER[mk];
    return check ? check(m) : (kflag ? this.memberFail(id, i, 'unsupported-check-kflag-member', 'Unsupported check_kflag_member') : this.memberFail(id, i, 'unsupported-check-member', 'Unsupported check_member'));
  }

  /** btf_func_proto_check (every FUNC_PROTO, user BTF). */
  funcProtoCheck(id: number): number {
    const c = this.c;
    const ret = c.word(id, 2);
    if (ret !== 0) {
      const rk = c.kindOf(ret);
      if (rk < 0 || isSourceOnly(rk)) return this.fail(id, 'invalid-return-type', 'Invalid return type', 2, `type_id=${ret}`);
      if (needsResolve(rk) && !this.resolved(ret)) {
        const err = this.resolve(ret);
        if (err) return err;
      }
      if (!this.idSize(ret)) return this.fail(id, 'invalid-return-type', 'Invalid return type', 2, `type_id=${ret} has no size`);
    }
    let n = c.vlenOf(id);
    if (n === 0) return 0;
    if (c.word(id, 3 + (n - 1) * 2 + 1) === 0) {
      if (c.word(id, 3 + (n - 1) * 2) !== 0) return this.fail(id, 'invalid-arg', `Invalid arg#${n}`, 3 + (n - 1) * 2, 'a vararg (type 0) must have no name');
      n--;
    }
    for (let i = 0; i < n; i++) {
      const p = 3 + i * 2;
      const at = c.word(id, p + 1);
      const ak = c.kindOf(at);
      if (ak < 0 || isSourceOnly(ak)) return this.fail(id, 'invalid-arg', `Invalid arg#${i + 1}`, p + 1, `type_id=${at}`);
      const nameOff = c.word(id, p);
      if (nameOff !== 0 && (!nameOffsetValid(c, nameOff) || !validIdentifier(c, nameOff))) return this.fail(id, 'invalid-arg', `Invalid arg#${i + 1}`, p, 'invalid parameter name');
      if (needsResolve(ak) && !this.resolved(at)) {
        const err = this.resolve(at);
        if (err) return err;
      }
      if (!this.idSize(at)) return this.fail(id, 'invalid-arg', `Invalid arg#${i + 1}`, p + 1, `type_id=${at} has no size`);
    }
    return 0;
  }
}

// ---- resolve, per kind ----

/** btf_modifier_resolve and btf_ptr_resolve. */
const refResolve =
  (isPtr: boolean): ResolveFn =>
  (r, id) => {
    const c = r.c;
    let next = c.word(id, 2);
    let nk = c.kindOf(next);
    if (nk < 0 || isSourceOnly(nk)) return r.fail(id, 'invalid-type-id', 'Invalid type_id', 2, `type_id=${next}`);
    const first = r.referredFirst(next, nk, isPtr);
    if (first !== undefined) return first;
    const s = r.idSize(next);
    if (!s) {
      if (r.resolved(next)) {
        next = r.resolvedIds[next]!;
        nk = c.kindOf(next);
      }
      if (nk !== 0 && nk !== Kind.FWD && nk !== Kind.FUNC_PROTO) return r.fail(id, 'invalid-type-id', 'Invalid type_id', 2, `type_id=${next} (${kindName(nk)}) has no size`);
    } else next = s.id;
    return r.popResolved(next, 0);
  };

/** btf_var_resolve. */
const varResolve: ResolveFn = (r, id) => {
  const next = r.c.word(id, 2);
  const nk = r.c.kindOf(next);
  if (nk < 0 || isSourceOnly(nk)) return r.fail(id, 'invalid-type-id', 'Invalid type_id', 2, `type_id=${next}`);
  const first = r.referredFirst(next, nk, true);
  if (first !== undefined) return first;
  const s = r.idSize(next);
  if (!s) return r.fail(id, 'invalid-type-id', 'Invalid type_id', 2, `type_id=${next} has no size`);
  return r.popResolved(s.id, 0);
};

/** btf_array_resolve. */
const arrayResolve: ResolveFn = (r, id) => {
  const c = r.c;
  const idx = c.word(id, 4);
  const ik = c.kindOf(idx);
  if (ik < 0 || isNoSize(ik) || isSourceOnly(ik)) return r.fail(id, 'invalid-index', 'Invalid index', 4, `index_type_id=${idx}`);
  if (r.pending(ik, idx)) return r.push(idx);
  const ir = r.idSize(idx);
  if (!ir || ir.kind !== Kind.INT || !r.isRegularInt(ir.id)) return r.fail(id, 'invalid-index', 'Invalid index', 4, `index_type_id=${idx} is not a regular int`);
  const elem = c.word(id, 3);
  const ek = c.kindOf(elem);
  if (ek < 0 || isNoSize(ek) || isSourceOnly(ek)) return r.fail(id, 'invalid-elem', 'Invalid elem', 3, `type_id=${elem}`);
  if (r.pending(ek, elem)) return r.push(elem);
  const er = r.idSize(elem);
  if (!er) return r.fail(id, 'invalid-elem', 'Invalid elem', 3, `type_id=${elem} has no size`);
  if (er.kind === Kind.INT && !r.isRegularInt(er.id)) return r.fail(id, 'invalid-array-of-int', 'Invalid array of int', 3);
  const nelems = c.word(id, 5);
  if (nelems !== 0 && er.size > Math.floor(U32_MAX / nelems)) return r.fail(id, 'array-size-overflows-u32-max', 'Array size overflows U32_MAX', 5);
  return r.popResolved(er.id, er.size * nelems);
};

/** btf_struct_resolve (STRUCT and UNION). */
const structResolve: ResolveFn = (r, id, nextMember) => {
  const c = r.c;
  const kflag = c.kflagOf(id);
  const vlen = c.vlenOf(id);
  if (nextMember > 0) {
    const lastType = c.word(id, 3 + (nextMember - 1) * 3 + 1);
    if (!r.resolved(lastType)) return r.fail(id, 'invalid-resolve-state', 'Invalid resolve state', 0, `member #${nextMember - 1} type not resolved`);
    const err = r.checkMember(id, nextMember - 1, lastType, kflag);
    if (err) return err;
  }
  for (let i = nextMember; i < vlen; i++) {
    const mType = c.word(id, 3 + i * 3 + 1);
    const mk = c.kindOf(mType);
    if (mk < 0 || isNoSize(mk) || isSourceOnly(mk)) return r.memberFail(id, i, 'invalid-member', 'Invalid member');
    if (r.pending(mk, mType)) return r.pushMember(i + 1, mType);
    const err = r.checkMember(id, i, mType, kflag);
    if (err) return err;
  }
  return r.popResolved(0, 0);
};

/** btf_datasec_resolve. */
const datasecResolve: ResolveFn = (r, id, nextMember) => {
  const c = r.c;
  r.mode = MODE_TBD;
  const vlen = c.vlenOf(id);
  for (let i = nextMember; i < vlen; i++) {
    const v = 3 + i * 3;
    const varId = c.word(id, v);
    const detail = (): string => `secinfo #${i} type_id=${varId} offset=${c.word(id, v + 1)} size=${c.word(id, v + 2)}`;
    const vk = c.kindOf(varId);
    if (vk !== Kind.VAR) return r.fail(id, 'not-a-var-kind-member', 'Not a VAR kind member', v, detail());
    if (r.pending(vk, varId)) return r.pushMember(i + 1, varId);
    const s = r.idSize(c.word(varId, 2));
    if (!s) return r.fail(id, 'invalid-type', 'Invalid type', v, detail());
    if (c.word(id, v + 2) < s.size) return r.fail(id, 'invalid-size', 'Invalid size', v + 2, `${detail()}: the variable's type is ${s.size} bytes`);
  }
  return r.popResolved(0, 0);
};

/** btf_func_resolve. */
const funcResolve: ResolveFn = (r, id) => {
  const c = r.c;
  const proto = c.word(id, 2);
  if (c.kindOf(proto) !== Kind.FUNC_PROTO) return r.fail(id, 'invalid-type-id', 'Invalid type_id', 2, `type_id=${proto} is not a FUNC_PROTO`);
  const n = c.vlenOf(proto);
  for (let i = 0; i < n; i++) {
    if (c.word(proto, 3 + i * 2) === 0 && c.word(proto, 3 + i * 2 + 1) !== 0) return r.fail(id, 'invalid-arg', `Invalid arg#${i + 1}`, 2, `parameter ${i + 1} of FUNC_PROTO [${proto}] has no name`);
  }
  return r.popResolved(proto, 0);
};

/** btf_decl_tag_resolve. */
const declTagResolve: ResolveFn = (r, id) => {
  const c = r.c;
  const next = c.word(id, 2);
  const nk = c.kindOf(next);
  if (nk !== Kind.FUNC && !isComposite(nk) && nk !== Kind.VAR && nk !== Kind.TYPEDEF) return r.fail(id, 'invalid-type-id', 'Invalid type_id', 2, `type_id=${next}${nk >= 0 ? ` (${kindName(nk)})` : ''} cannot carry a decl tag`);
  if (r.pending(nk, next)) return r.push(next);
  const comp = c.word(id, 3) | 0;
  if (comp !== -1) {
    if (nk === Kind.VAR || nk === Kind.TYPEDEF) return r.fail(id, 'invalid-component-idx', 'Invalid component_idx', 3, `component_idx ${comp} on a ${kindName(nk)}`);
    const vlen = isComposite(nk) ? c.vlenOf(next) : c.vlenOf(c.word(next, 2));
    if (comp >>> 0 >= vlen) return r.fail(id, 'invalid-component-idx', 'Invalid component_idx', 3, `component_idx ${comp} >= ${vlen}`);
  }
  return r.popResolved(next, 0);
};

/** resolve by kind (kind_ops[].resolve); kinds without one need no resolving. */
const RESOLVE: ReadonlyArray<ResolveFn | undefined> = (() => {
  const t: Array<ResolveFn | undefined> = [];
  for (const k of [Kind.TYPEDEF, Kind.VOLATILE, Kind.CONST, Kind.RESTRICT, Kind.TYPE_TAG]) t[k] = refResolve(false);
  t[Kind.PTR] = refResolve(true);
  t[Kind.VAR] = varResolve;
  t[Kind.ARRAY] = arrayResolve;
  t[Kind.STRUCT] = structResolve;
  t[Kind.UNION] = structResolve;
  t[Kind.DATASEC] = datasecResolve;
  t[Kind.FUNC] = funcResolve;
  t[Kind.DECL_TAG] = declTagResolve;
  return t;
})();

// ---- check_member, per member kind ----

const byteAligned = (bits: number): boolean => bits % 8 === 0;

/** With kind_flag, a member of this kind may not be a bitfield; the offset word then holds the offset. */
function plainOffset(m: MemberCheck): number | undefined {
  if (m.kflag && m.bitfieldSize !== 0) {
    m.r.memberFail(m.id, m.index, 'invalid-member-bitfield-size', 'Invalid member bitfield_size');
    return undefined;
  }
  return m.kflag ? m.bitOffset : m.raw;
}

/** btf_int_check_member / btf_int_check_kflag_member. */
const intMember: CheckMemberFn = (m) => {
  const r = m.r;
  const data = r.c.word(m.tid, 3);
  const intNrBits = intBits(data);
  let off: number;
  let nrBits: number;
  if (m.kflag) {
    if (!r.isRegularInt(m.tid)) return r.memberFail(m.id, m.index, 'invalid-member-base-type', 'Invalid member base type');
    off = m.bitOffset;
    nrBits = m.bitfieldSize;
    if (nrBits === 0) {
      if (!byteAligned(off)) return r.memberFail(m.id, m.index, 'invalid-member-offset', 'Invalid member offset');
      nrBits = intNrBits;
    } else if (nrBits > intNrBits) return r.memberFail(m.id, m.index, 'invalid-member-bitfield-size', 'Invalid member bitfield_size');
  } else {
    const intOff = intOffset(data);
    if (U32_MAX - m.raw < intOff) return r.memberFail(m.id, m.index, 'bits-offset-exceeds-u32-max', 'bits_offset exceeds U32_MAX');
    off = m.raw + intOff;
    nrBits = intNrBits;
  }
  const bytesOff = Math.floor(off / 8);
  const copy = nrBits + (off % 8);
  if (copy > 128) return r.memberFail(m.id, m.index, 'nr-copy-bits-exceeds-128', 'nr_copy_bits exceeds 128');
  if (m.structSize < bytesOff || m.structSize - bytesOff < roundupBytes(copy)) return r.memberFail(m.id, m.index, 'member-exceeds-struct-size', 'Member exceeds struct_size');
  return 0;
};

/** btf_enum_check_member / btf_enum_check_kflag_member (ENUM and ENUM64). */
const enumMember: CheckMemberFn = (m) => {
  const r = m.r;
  if (m.kflag) {
    let nr = m.bitfieldSize;
    if (nr === 0) {
      if (!byteAligned(m.bitOffset)) return r.memberFail(m.id, m.index, 'member-is-not-byte-aligned', 'Member is not byte aligned');
      nr = 32;
    } else if (nr > 32) return r.memberFail(m.id, m.index, 'invalid-member-bitfield-size', 'Invalid member bitfield_size');
    if (m.structSize < roundupBytes(m.bitOffset + nr)) return r.memberFail(m.id, m.index, 'member-exceeds-struct-size', 'Member exceeds struct_size');
    return 0;
  }
  if (!byteAligned(m.raw)) return r.memberFail(m.id, m.index, 'member-is-not-byte-aligned', 'Member is not byte aligned');
  if ((m.structSize - Math.floor(m.raw / 8)) >>> 0 < r.c.word(m.tid, 2)) return r.memberFail(m.id, m.index, 'member-exceeds-struct-size', 'Member exceeds struct_size');
  return 0;
};

/** btf_generic_check_member (PTR, ARRAY, STRUCT, UNION): byte aligned and inside the struct. */
const sizedMember =
  (sizeOf: (m: MemberCheck) => number): CheckMemberFn =>
  (m) => {
    const off = plainOffset(m);
    if (off === undefined) return EINVAL;
    if (!byteAligned(off)) return m.r.memberFail(m.id, m.index, 'member-is-not-byte-aligned', 'Member is not byte aligned');
    if ((m.structSize - Math.floor(off / 8)) >>> 0 < sizeOf(m)) return m.r.memberFail(m.id, m.index, 'member-exceeds-struct-size', 'Member exceeds struct_size');
    return 0;
  };

/** btf_float_check_member: aligned to min(sizeof(void *), size). */
const floatMember: CheckMemberFn = (m) => {
  const off = plainOffset(m);
  if (off === undefined) return EINVAL;
  const fsize = m.r.c.word(m.tid, 2);
  const alignBits = Math.min(PTR_SIZE, fsize) * 8;
  if (alignBits === 0 || off % alignBits !== 0) return m.r.memberFail(m.id, m.index, 'member-is-not-properly-aligned', 'Member is not properly aligned');
  if (Math.floor(off / 8) + fsize > m.structSize) return m.r.memberFail(m.id, m.index, 'member-exceeds-struct-size', 'Member exceeds struct_size');
  return 0;
};

/** check_member by the member type's kind (kind_ops[].check_member / check_kflag_member). */
const CHECK_MEMBER: ReadonlyArray<CheckMemberFn | undefined> = (() => {
  const t: Array<CheckMemberFn | undefined> = [];
  t[Kind.INT] = intMember;
  t[Kind.ENUM] = enumMember;
  t[Kind.ENUM64] = enumMember;
  t[Kind.PTR] = sizedMember(() => PTR_SIZE);
  t[Kind.ARRAY] = sizedMember((m) => m.r.idSize(m.tid)?.size ?? 0);
  t[Kind.STRUCT] = sizedMember((m) => m.r.c.word(m.tid, 2));
  t[Kind.UNION] = t[Kind.STRUCT];
  t[Kind.FLOAT] = floatMember;
  return t;
})();

/** btf_check_all_types: resolve every type that needs it and check every FUNC_PROTO. */
export function checkAllTypes(c: CheckContext): void {
  const r = new Resolver(c);
  const n = c.nextId;
  for (let id = 1; id < n; id++) {
    const k = c.kindOf(id);
    if (needsResolve(k) && !r.resolved(id)) {
      const err = r.resolve(id);
      if (err) throw new Stop(err);
    }
    if (k === Kind.FUNC_PROTO) {
      const err = r.funcProtoCheck(id);
      if (err) throw new Stop(err);
    }
  }
}
