/**
 * CO-RE specs (spec §6.2, §6.4): the local spec parsed from a relocation's access string,
 * and matching it against a candidate target type. Mirrors libbpf's relo_core.c behaviour:
 * a raw spec (every index, anonymous members included) plus high-level accessors (named
 * members and array indices) that are what gets matched by name in the target.
 */

import type { Btf } from '../../wire/btf.js';
import { CoreReloKind } from '../../wire/ext.js';
import { compareCStrings } from '../../wire/strings.js';
import { infoKind, intEncoding, intOffset, isAnyEnum, isComposite, Kind } from '../../wire/kinds.js';
import { CORE_SPEC_MAX_LEN, essentialNameLength, parseAccessString } from './names.js';
import { CoreError, kindsCoreCompat, memberBitOffset, resolveSize, skipModsAndTypedefs } from './types.js';

/** One step of an access string: a member, enumerator or array index. */
export interface CoreAccessor {
  /** Struct/union (named member), enum (enumerator) or array element type (array index). */
  readonly typeId: number;
  readonly idx: number;
  /** Member or enumerator name; undefined for array accessors. */
  readonly name: string | undefined;
}

/** A parsed access string on one BTF (libbpf's bpf_core_spec). */
export interface CoreSpec {
  readonly btf: Btf;
  readonly rootTypeId: number;
  readonly kind: number;
  /** High-level accessors. */
  readonly access: CoreAccessor[];
  /** Every index of the access path, anonymous members included. */
  readonly raw: number[];
  /** Bit offset of the accessed field from the root pointer. */
  bitOffset: number;
}

export const isFieldKind = (k: number): boolean => k <= CoreReloKind.FIELD_RSHIFT_U64;
export const isTypeKind = (k: number): boolean =>
  k === CoreReloKind.TYPE_ID_LOCAL || k === CoreReloKind.TYPE_ID_TARGET || k === CoreReloKind.TYPE_EXISTS || k === CoreReloKind.TYPE_SIZE || k === CoreReloKind.TYPE_MATCHES;
export const isEnumvalKind = (k: number): boolean => k === CoreReloKind.ENUMVAL_EXISTS || k === CoreReloKind.ENUMVAL_VALUE;

/** Parse the local spec of a relocation (libbpf's bpf_core_parse_spec). */
export function parseSpec(btf: Btf, typeId: number, accessStr: string, kind: number): CoreSpec {
  if (!btf.hasType(typeId) || typeId === 0) throw new CoreError('EINVAL', `local type id ${typeId} does not exist`);
  const spec: CoreSpec = { btf, rootTypeId: typeId, kind, access: [], raw: [], bitOffset: 0 };
  if (isTypeKind(kind)) {
    if (accessStr !== '0') throw new CoreError('EINVAL', `type relocation needs access string "0", got "${accessStr}"`);
    return spec;
  }
  const raw = parseAccessString(accessStr);
  spec.raw.push(...raw);
  let id = skipModsAndTypedefs(btf, typeId);
  const first = raw[0]!;
  spec.access.push({ typeId: id, idx: first, name: undefined });
  if (isEnumvalKind(kind)) {
    const k = btf.kind(id);
    if (!isAnyEnum(k)) throw new CoreError('EINVAL', `enum value relocation on [${id}], which is not an enum`);
    if (raw.length > 1) throw new CoreError('EINVAL', `enum value relocation needs one index, got "${accessStr}"`);
    if (first >= btf.vlen(id)) throw new CoreError('EINVAL', `enumerator index ${first} is out of range (${btf.vlen(id)} enumerators)`);
    spec.access[0] = { typeId: id, idx: first, name: btf.str(btf.elemWord(id, first, 0)) };
    return spec;
  }
  if (!isFieldKind(kind)) throw new CoreError('EINVAL', `unknown relocation kind ${kind}`);
  spec.bitOffset = first * resolveSize(btf, id) * 8;
  for (let i = 1; i < raw.length; i++) {
    id = skipModsAndTypedefs(btf, id);
    const idx = raw[i]!;
    const k = btf.kind(id);
    if (isComposite(k)) {
      if (idx >= btf.vlen(id)) throw new CoreError('EINVAL', `member index ${idx} is out of range for [${id}] (${btf.vlen(id)} members)`);
      spec.bitOffset += memberBitOffset(btf, id, idx);
      const nameOff = btf.elemWord(id, idx, 0);
      if (nameOff !== 0) {
        const name = btf.str(nameOff);
        if (name === '') throw new CoreError('EINVAL', `member ${idx} of [${id}] has an empty name`);
        spec.access.push({ typeId: id, idx, name });
      }
      id = btf.elemWord(id, idx, 1);
    } else if (k === Kind.ARRAY) {
      const nelems = btf.word(id, 5);
      const elem = skipModsAndTypedefs(btf, btf.word(id, 3));
      const flex = isFlexArray(btf, spec.access[spec.access.length - 1]!, nelems);
      if (!flex && idx >= nelems) throw new CoreError('EINVAL', `array index ${idx} is out of range (${nelems} elements)`);
      id = elem;
      spec.access.push({ typeId: id, idx, name: undefined });
      spec.bitOffset += idx * resolveSize(btf, id) * 8;
    } else {
      throw new CoreError('EINVAL', `access index ${i} of "${accessStr}" reaches [${id}] of kind ${k}, which is neither struct, union nor array`);
    }
  }
  return spec;
}

/** Flexible array: no elements and the last member of the struct of the previous accessor. */
function isFlexArray(btf: Btf, prev: CoreAccessor, nelems: number): boolean {
  if (prev.name === undefined || nelems > 0) return false;
  return prev.idx === btf.vlen(prev.typeId) - 1;
}

/**
 * Match the local spec against candidate `targId` in `targ` (libbpf's bpf_core_spec_match).
 * Returns the target spec, or a reason string when the candidate does not match.
 */
export function matchSpec(local: CoreSpec, targ: Btf, targId: number): CoreSpec | string {
  const ts: CoreSpec = { btf: targ, rootTypeId: targId, kind: local.kind, access: [], raw: [], bitOffset: 0 };
  const kind = local.kind;
  if (isTypeKind(kind)) {
    const ok = kind === CoreReloKind.TYPE_MATCHES ? typesMatch(local.btf, local.rootTypeId, targ, targId, false, 0x7fffffff) : typesAreCompat(local.btf, local.rootTypeId, targ, targId, 0x7fffffff);
    return ok ? ts : kind === CoreReloKind.TYPE_MATCHES ? 'types do not match' : 'types are not compatible';
  }
  if (isEnumvalKind(kind)) {
    const id = skipModsAndTypedefs(targ, targId);
    if (!isAnyEnum(targ.kind(id))) return 'not an enum';
    const lname = local.access[0]!.name!;
    const llen = essentialNameLength(lname);
    const n = targ.vlen(id);
    for (let i = 0; i < n; i++) {
      const tname = targ.str(targ.elemWord(id, i, 0));
      if (essentialNameLength(tname) !== llen) continue;
      if (tname.slice(0, llen) === lname.slice(0, llen)) {
        ts.access.push({ typeId: id, idx: i, name: tname });
        ts.raw.push(i);
        return ts;
      }
    }
    return `no enumerator ${lname.slice(0, llen)}`;
  }
  if (!isFieldKind(kind)) throw new CoreError('EINVAL', `unknown relocation kind ${kind}`);
  let id = targId;
  for (let i = 0; i < local.access.length; i++) {
    const la = local.access[i]!;
    id = skipModsAndTypedefs(targ, id);
    if (la.name !== undefined) {
      const r = matchMember(local.btf, la, targ, id, ts);
      if (typeof r === 'string') return r;
      id = r;
    } else {
      if (i > 0) {
        if (targ.kind(id) !== Kind.ARRAY) return `${pathSoFar(ts)} is not an array`;
        const nelems = targ.word(id, 5);
        const flex = isFlexArray(targ, ts.access[ts.access.length - 1]!, nelems);
        if (!flex && la.idx >= nelems) return `array index ${la.idx} out of range (${nelems} elements)`;
        id = skipModsAndTypedefs(targ, targ.word(id, 3));
      }
      if (ts.raw.length === CORE_SPEC_MAX_LEN) throw new CoreError('E2BIG', 'too deep struct/union/array nesting');
      ts.access.push({ typeId: id, idx: la.idx, name: undefined });
      ts.raw.push(la.idx);
      ts.bitOffset += la.idx * resolveSize(targ, id) * 8;
    }
  }
  return ts;
}

function pathSoFar(ts: CoreSpec): string {
  return ts.access.map((a) => (a.name !== undefined ? `.${a.name}` : `[${a.idx}]`)).join('') || 'root';
}

/**
 * Find the local accessor's member by name in target struct/union `targId`, descending into
 * anonymous members. Returns the member's type id or why it was not found.
 */
function matchMember(lbtf: Btf, la: CoreAccessor, targ: Btf, targId: number, ts: CoreSpec): number | string {
  const found = matchMemberInner(lbtf, la, targ, targId, ts, 0);
  if (typeof found === 'number') return found;
  return found ?? `no member '${la.name}'`;
}

function matchMemberInner(lbtf: Btf, la: CoreAccessor, targ: Btf, targId: number, ts: CoreSpec, depth: number): number | string | undefined {
  targId = skipModsAndTypedefs(targ, targId);
  if (!isComposite(targ.kind(targId))) return undefined;
  if (depth > 64) throw new CoreError('E2BIG', 'too deep anonymous member nesting');
  const lMemberType = lbtf.elemWord(la.typeId, la.idx, 1);
  // Names are compared as bytes (libbpf's strcmp): decoding every member name of a big
  // struct was most of a cold min-core's matching time.
  const lname = lbtf.strLocation(lbtf.elemWord(la.typeId, la.idx, 0));
  if (!lname) return undefined;
  const n = targ.vlen(targId);
  // libbpf checks the depth at every member; the raw path is the same for each of them.
  if (n > 0 && ts.raw.length === CORE_SPEC_MAX_LEN) throw new CoreError('E2BIG', 'too deep struct/union/array nesting');
  // The member records are read straight from the owning blob's words (a big struct's
  // members are scanned once, in a cold process, where each accessor call costs).
  const { words, offset, owner } = targ.record(targId);
  const shape = owner.shapes[infoKind(words[offset + 1]!)]!;
  const first = offset + 3 + (shape.infoSize >>> 2);
  const stride = shape.elemSize >>> 2;
  const own = owner.strings;
  const ownStart = owner.startStrOff;
  for (let i = 0; i < n; i++) {
    const nameOff = words[first + i * stride]!;
    let anonymous = nameOff === 0;
    if (!anonymous) {
      let table = own;
      let at = nameOff - ownStart;
      if (at < 0 || at >= own.length) {
        // A base's string, or outside the string section(s): str's typed error.
        const loc = targ.strLocation(nameOff);
        if (!loc) {
          targ.str(nameOff); // throws
          continue;
        }
        table = loc.table;
        at = loc.index;
      }
      anonymous = table[at] === 0;
      if (!anonymous && compareCStrings(table, at, lname.table, lname.index) !== 0) continue;
    }
    // Only the members taken (or descended into) move the offset and the raw path.
    const bitOff = memberBitOffset(targ, targId, i);
    ts.bitOffset += bitOff;
    ts.raw.push(i);
    if (anonymous) {
      const r = matchMemberInner(lbtf, la, targ, targ.elemWord(targId, i, 1), ts, depth + 1);
      if (r !== undefined) return r;
    } else {
      const mtype = targ.elemWord(targId, i, 1);
      if (!fieldsAreCompat(lbtf, lMemberType, targ, mtype)) return `member '${la.name}' has an incompatible type`;
      ts.access.push({ typeId: targId, idx: i, name: la.name });
      return mtype;
    }
    ts.bitOffset -= bitOff;
    ts.raw.pop();
  }
  return undefined;
}

/** libbpf's bpf_core_fields_are_compat. */
export function fieldsAreCompat(lbtf: Btf, lid: number, tbtf: Btf, tid: number): boolean {
  for (let depth = 0; depth < 64; depth++) {
    lid = skipModsAndTypedefs(lbtf, lid);
    tid = skipModsAndTypedefs(tbtf, tid);
    const lk = lbtf.kind(lid);
    const tk = tbtf.kind(tid);
    if (isComposite(lk) && isComposite(tk)) return true;
    if (!kindsCoreCompat(lk, tk)) return false;
    switch (lk) {
      case Kind.PTR:
      case Kind.FLOAT:
        return true;
      case Kind.FWD:
      case Kind.ENUM:
      case Kind.ENUM64: {
        const ln = lbtf.name(lid);
        const tn = tbtf.name(tid);
        const llen = essentialNameLength(ln);
        return llen === 0 || tn === '' || tn.slice(0, llen) === ln.slice(0, llen);
      }
      case Kind.INT:
        return intOffset(lbtf.word(lid, 3)) === 0 && intOffset(tbtf.word(tid, 3)) === 0;
      case Kind.ARRAY:
        lid = lbtf.word(lid, 3);
        tid = tbtf.word(tid, 3);
        continue;
      default:
        return false;
    }
  }
  throw new CoreError('EINVAL', 'type nesting too deep');
}

/** libbpf's __bpf_core_types_are_compat (TYPE_ID_TARGET, TYPE_EXISTS, TYPE_SIZE). */
export function typesAreCompat(lbtf: Btf, lid: number, tbtf: Btf, tid: number, level: number): boolean {
  if (!kindsCoreCompat(lbtf.kind(lid), tbtf.kind(tid))) return false;
  for (let depth = 32; ; ) {
    if (--depth < 0) throw new CoreError('EINVAL', 'type nesting too deep');
    lid = skipModsAndTypedefs(lbtf, lid);
    tid = skipModsAndTypedefs(tbtf, tid);
    const lk = lbtf.kind(lid);
    const tk = tbtf.kind(tid);
    if (!kindsCoreCompat(lk, tk)) return false;
    switch (lk) {
      case Kind.UNKN:
      case Kind.STRUCT:
      case Kind.UNION:
      case Kind.ENUM:
      case Kind.ENUM64:
      case Kind.FWD:
        return true;
      case Kind.INT:
        return intOffset(lbtf.word(lid, 3)) === 0 && intOffset(tbtf.word(tid, 3)) === 0;
      case Kind.PTR:
        lid = lbtf.sizeOrType(lid);
        tid = tbtf.sizeOrType(tid);
        continue;
      case Kind.ARRAY:
        lid = lbtf.word(lid, 3);
        tid = tbtf.word(tid, 3);
        continue;
      case Kind.FUNC_PROTO: {
        const n = lbtf.vlen(lid);
        if (n !== tbtf.vlen(tid)) return false;
        for (let i = 0; i < n; i++) {
          if (level <= 0) throw new CoreError('EINVAL', 'function prototype nesting too deep');
          const lp = skipModsAndTypedefs(lbtf, lbtf.elemWord(lid, i, 1));
          const tp = skipModsAndTypedefs(tbtf, tbtf.elemWord(tid, i, 1));
          if (!typesAreCompat(lbtf, lp, tbtf, tp, level - 1)) return false;
        }
        lid = skipModsAndTypedefs(lbtf, lbtf.sizeOrType(lid));
        tid = skipModsAndTypedefs(tbtf, tbtf.sizeOrType(tid));
        continue;
      }
      default:
        return false;
    }
  }
}

/** Essential names equal; an anonymous target matches only an anonymous local. */
function namesMatch(lbtf: Btf, lOff: number, tbtf: Btf, tOff: number): boolean {
  const tn = tOff === 0 ? '' : tbtf.str(tOff);
  const ln = lOff === 0 ? '' : lbtf.str(lOff);
  if (tn === '') return ln === '';
  const tl = essentialNameLength(tn);
  const ll = essentialNameLength(ln);
  return tl === ll && tn.slice(0, tl) === ln.slice(0, ll);
}

/** libbpf's __bpf_core_types_match (TYPE_MATCHES). */
export function typesMatch(lbtf: Btf, lid: number, tbtf: Btf, tid: number, behindPtr: boolean, level: number): boolean {
  if (level <= 0) throw new CoreError('EINVAL', 'type nesting too deep');
  for (let depth = 32; ; ) {
    if (--depth < 0) throw new CoreError('EINVAL', 'type nesting too deep');
    lid = skipModsAndTypedefs(lbtf, lid);
    tid = skipModsAndTypedefs(tbtf, tid);
    if (!namesMatch(lbtf, lbtf.nameOff(lid), tbtf, tbtf.nameOff(tid))) return false;
    const lk = lbtf.kind(lid);
    const tk = tbtf.kind(tid);
    switch (lk) {
      case Kind.UNKN:
        return lk === tk;
      case Kind.FWD: {
        const lf = lbtf.kflag(lid);
        if (behindPtr) {
          if (lk === tk) return lf === tbtf.kflag(tid);
          return (tk === Kind.STRUCT && !lf) || (tk === Kind.UNION && lf);
        }
        return lk === tk && lf === tbtf.kflag(tid);
      }
      case Kind.ENUM:
      case Kind.ENUM64:
        return isAnyEnum(tk) && enumsMatch(lbtf, lid, tbtf, tid);
      case Kind.STRUCT:
      case Kind.UNION:
        if (behindPtr) {
          if (lk === tk) return true;
          if (tk !== Kind.FWD) return false;
          return (lk === Kind.UNION) === tbtf.kflag(tid);
        }
        return lk === tk && compositesMatch(lbtf, lid, tbtf, tid, behindPtr, level);
      case Kind.INT:
        return lk === tk && lbtf.sizeOrType(lid) === tbtf.sizeOrType(tid) && (intEncoding(lbtf.word(lid, 3)) & 1) === (intEncoding(tbtf.word(tid, 3)) & 1);
      case Kind.PTR:
        if (lk !== tk) return false;
        behindPtr = true;
        lid = lbtf.sizeOrType(lid);
        tid = tbtf.sizeOrType(tid);
        continue;
      case Kind.ARRAY:
        if (lk !== tk || lbtf.word(lid, 5) !== tbtf.word(tid, 5)) return false;
        lid = lbtf.word(lid, 3);
        tid = tbtf.word(tid, 3);
        continue;
      case Kind.FUNC_PROTO: {
        if (lk !== tk) return false;
        const n = lbtf.vlen(lid);
        if (n !== tbtf.vlen(tid)) return false;
        for (let i = 0; i < n; i++) {
          if (!typesMatch(lbtf, lbtf.elemWord(lid, i, 1), tbtf, tbtf.elemWord(tid, i, 1), behindPtr, level - 1)) return false;
        }
        lid = lbtf.sizeOrType(lid);
        tid = tbtf.sizeOrType(tid);
        continue;
      }
      default:
        return false;
    }
  }
}

function enumsMatch(lbtf: Btf, lid: number, tbtf: Btf, tid: number): boolean {
  if (lbtf.sizeOrType(lid) !== tbtf.sizeOrType(tid)) return false;
  const ln = lbtf.vlen(lid);
  const tn = tbtf.vlen(tid);
  if (ln > tn) return false;
  for (let i = 0; i < ln; i++) {
    const lOff = lbtf.elemWord(lid, i, 0);
    let ok = false;
    for (let j = 0; j < tn && !ok; j++) ok = namesMatch(lbtf, lOff, tbtf, tbtf.elemWord(tid, j, 0));
    if (!ok) return false;
  }
  return true;
}

function compositesMatch(lbtf: Btf, lid: number, tbtf: Btf, tid: number, behindPtr: boolean, level: number): boolean {
  const ln = lbtf.vlen(lid);
  const tn = tbtf.vlen(tid);
  if (ln > tn) return false;
  for (let i = 0; i < ln; i++) {
    const lOff = lbtf.elemWord(lid, i, 0);
    let ok = false;
    for (let j = 0; j < tn && !ok; j++) {
      if (!namesMatch(lbtf, lOff, tbtf, tbtf.elemWord(tid, j, 0))) continue;
      ok = typesMatch(lbtf, lbtf.elemWord(lid, i, 1), tbtf, tbtf.elemWord(tid, j, 1), behindPtr, level - 1);
    }
    if (!ok) return false;
  }
  return true;
}
