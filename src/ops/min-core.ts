/**
 * Minimal BTF for BPF objects (bpftool `gen min_core_btf`, tools/bpf/bpftool/gen.c): only the types and
 * members that the objects' CO-RE relocations touch in the target kernel BTF, with pointers
 * to types that were not needed turned into `void *`.
 *
 * With module BTFs as extra targets (libbpf searches them when vmlinux has no candidate),
 * the result is a minimal base plus, for each module that contributed, a minimal split BTF
 * on that base (what an unmerged bpftool patch for split BTF in min_core_btf aimed for).
 */

import type { Btf } from '../wire/btf.js';
import { BtfBuilder } from '../wire/builder.js';
import { BtfError, fail } from '../wire/errors.js';
import { CoreReloKind } from '../wire/ext.js';
import { forEachTypeIdWord, requireKnownShape } from '../wire/fields.js';
import { infoKind, isComposite, isModifierLibbpf, Kind, KIND_SHAPES } from '../wire/kinds.js';
import { MAX_WALK_DEPTH } from '../wire/limits.js';
import type { CoreTargetBtf } from './core/candidates.js';
import { type CoreObject, type CoreReloResult, resolveCoreRelos } from './core/resolve.js';
import type { CoreSpec } from './core/spec.js';
import { memberBitOffset, memberBitSize } from './core/types.js';
import type { IdMap } from './id-map.js';

/** The recursive marking walks stop at MAX_WALK_DEPTH (a loop, or hostile nesting). */
function walkDepth(id: number, depth: number): void {
  if (depth > MAX_WALK_DEPTH) fail('bad-type', `type nesting at [${id}] is more than ${MAX_WALK_DEPTH} levels deep (or a loop)`, { typeId: id });
}

/** Which types and members of a target BTF chain are needed. */
export class CoreMarks {
  private readonly types = new Map<Btf, Uint8Array>();
  private readonly members = new Map<Btf, Map<number, Uint8Array>>();

  constructor(readonly target: Btf) {}

  private typeArr(owner: Btf): Uint8Array {
    let a = this.types.get(owner);
    if (!a) this.types.set(owner, (a = new Uint8Array(owner.typeCount)));
    return a;
  }

  isTypeMarked(id: number): boolean {
    if (id === 0) return false;
    const owner = this.target.ownerOf(id);
    return this.types.get(owner)?.[id - owner.startId] === 1;
  }

  isMemberMarked(id: number, i: number): boolean {
    const owner = this.target.ownerOf(id);
    return this.members.get(owner)?.get(id)?.[i] === 1;
  }

  /** Marks of own types of `owner` (index id - startId), if any. */
  typeMarks(owner: Btf): Uint8Array | undefined {
    return this.types.get(owner);
  }

  /** Marked members of own struct/union `id` of `owner`. */
  memberMarks(owner: Btf, id: number): Uint8Array | undefined {
    return this.members.get(owner)?.get(id);
  }

  /** Add the marks `other` holds on `owner`'s types to these. */
  absorb(other: CoreMarks, owner: Btf): void {
    const t = other.types.get(owner);
    if (t) {
      const mine = this.typeArr(owner);
      for (let i = 0; i < t.length; i++) mine[i]! |= t[i]!;
    }
    const m = other.members.get(owner);
    if (m) {
      let mine = this.members.get(owner);
      if (!mine) this.members.set(owner, (mine = new Map()));
      for (const [id, arr] of m) {
        const cur = mine.get(id);
        if (!cur) mine.set(id, arr.slice());
        else for (let i = 0; i < arr.length; i++) cur[i]! |= arr[i]!;
      }
    }
  }

  /** Any own type of `owner` marked? */
  anyIn(owner: Btf): boolean {
    return this.types.get(owner)?.includes(1) ?? false;
  }

  /** Mark one type alone (nothing it refers to). */
  markOnly(id: number): void {
    const owner = this.target.ownerOf(id);
    this.typeArr(owner)[id - owner.startId] = 1;
  }

  markMember(id: number, i: number): void {
    const owner = this.target.ownerOf(id);
    let m = this.members.get(owner);
    if (!m) this.members.set(owner, (m = new Map()));
    let arr = m.get(id);
    if (!arr) m.set(id, (arr = new Uint8Array(this.target.vlen(id))));
    arr[i] = 1;
  }

  /** bpftool's btfgen_mark_type: structs contribute only their marked members. */
  markType(id: number, followPointers: boolean, nesting = 0): void {
    const btf = this.target;
    // Chains are followed in this loop; arrays and prototypes recurse, bounded by MAX_WALK_DEPTH.
    walkDepth(id, nesting);
    for (let depth = 0; id !== 0; depth++) {
      if (depth > 1024) fail('bad-type', `reference chain at [${id}] is too long (or a loop)`, { typeId: id });
      this.markOnly(id);
      const k = btf.kind(id);
      switch (k) {
        case Kind.INT:
        case Kind.FLOAT:
        case Kind.ENUM:
        case Kind.ENUM64:
        case Kind.STRUCT:
        case Kind.UNION:
          return;
        case Kind.PTR:
          if (!followPointers) return;
          id = btf.sizeOrType(id);
          continue;
        case Kind.TYPEDEF:
          id = btf.sizeOrType(id);
          continue;
        case Kind.ARRAY:
          this.markType(btf.word(id, 3), followPointers, nesting + 1);
          id = btf.word(id, 4);
          continue;
        case Kind.FUNC_PROTO: {
          const n = btf.vlen(id);
          for (let i = 0; i < n; i++) this.markType(btf.elemWord(id, i, 1), followPointers, nesting + 1);
          id = btf.sizeOrType(id);
          continue;
        }
        default:
          // bpftool rejects type tags here; they are modifiers, so follow them.
          if (isModifierLibbpf(k)) {
            id = btf.sizeOrType(id);
            continue;
          }
          fail('unsupported', `cannot keep type [${id}] of kind ${KIND_SHAPES[k]?.name ?? k} in minimal BTF`, { typeId: id });
      }
    }
  }

  /** bpftool's btfgen_mark_type_match (TYPE_MATCHES): whole structs unless behind a pointer. */
  markTypeMatch(id: number, behindPtr: boolean, depth = 0): void {
    const btf = this.target;
    walkDepth(id, depth);
    if (id === 0) return;
    this.markOnly(id);
    const k = btf.kind(id);
    switch (k) {
      case Kind.INT:
      case Kind.FLOAT:
      case Kind.ENUM:
      case Kind.ENUM64:
        return;
      case Kind.STRUCT:
      case Kind.UNION: {
        if (behindPtr) return;
        const n = btf.vlen(id);
        for (let i = 0; i < n; i++) {
          this.markMember(id, i);
          this.markTypeMatch(btf.elemWord(id, i, 1), false, depth + 1);
        }
        return;
      }
      case Kind.CONST:
      case Kind.FWD:
      case Kind.RESTRICT:
      case Kind.TYPEDEF:
      case Kind.VOLATILE:
      case Kind.TYPE_TAG:
        return this.markTypeMatch(btf.sizeOrType(id), behindPtr, depth + 1);
      case Kind.PTR:
        return this.markTypeMatch(btf.sizeOrType(id), true, depth + 1);
      case Kind.ARRAY:
        this.markTypeMatch(btf.word(id, 3), false, depth + 1);
        this.markTypeMatch(btf.word(id, 4), false, depth + 1);
        return;
      case Kind.FUNC_PROTO: {
        this.markTypeMatch(btf.sizeOrType(id), false, depth + 1);
        const n = btf.vlen(id);
        for (let i = 0; i < n; i++) this.markTypeMatch(btf.elemWord(id, i, 1), false, depth + 1);
        return;
      }
      default:
        fail('unsupported', `cannot keep type [${id}] of kind ${KIND_SHAPES[k]?.name ?? k} in minimal BTF`, { typeId: id });
    }
  }

  /** bpftool's btfgen_record_field_relo: the root, then each member on the raw path. */
  markField(spec: CoreSpec): void {
    const btf = this.target;
    let id = spec.rootTypeId;
    this.markType(id, false);
    for (let i = 1; i < spec.raw.length; i++) {
      while (id !== 0 && (isModifierLibbpf(btf.kind(id)) || btf.kind(id) === Kind.TYPEDEF)) id = btf.sizeOrType(id);
      const k = btf.kind(id);
      if (isComposite(k)) {
        const idx = spec.raw[i]!;
        this.markMember(id, idx);
        id = btf.elemWord(id, idx, 1);
        this.markType(id, false);
      } else if (k === Kind.ARRAY) {
        id = btf.word(id, 3);
      } else {
        fail('unsupported', `field path reaches [${id}] of kind ${KIND_SHAPES[k]?.name ?? k}`, { typeId: id });
      }
    }
  }

  /** Record what one resolved relocation needs (bpftool's btfgen_record_reloc). */
  record(r: CoreReloResult): void {
    const t = r.target;
    if (!t) return;
    switch (r.kind) {
      case CoreReloKind.FIELD_BYTE_OFFSET:
      case CoreReloKind.FIELD_BYTE_SIZE:
      case CoreReloKind.FIELD_EXISTS:
      case CoreReloKind.FIELD_SIGNED:
      case CoreReloKind.FIELD_LSHIFT_U64:
      case CoreReloKind.FIELD_RSHIFT_U64:
        return this.markField(t);
      case CoreReloKind.TYPE_ID_LOCAL:
        return;
      case CoreReloKind.TYPE_ID_TARGET:
      case CoreReloKind.TYPE_EXISTS:
      case CoreReloKind.TYPE_SIZE:
        return this.markType(t.rootTypeId, true);
      case CoreReloKind.TYPE_MATCHES:
        return this.markTypeMatch(t.rootTypeId, false);
      case CoreReloKind.ENUMVAL_EXISTS:
      case CoreReloKind.ENUMVAL_VALUE:
        this.markOnly(t.rootTypeId);
        return;
      default:
        fail('unsupported', `unknown relocation kind ${r.kind}`, { section: '.BTF.ext' });
    }
  }
}

/**
 * Copy the marked own types of `src` into `b` (structs/unions with only their marked
 * members), then rewrite every type id of what was added through `mapOld` (old id of any
 * blob in the chain → new id, 0 when not kept) with the field visitor.
 */
function emitMarked(b: BtfBuilder, src: Btf, marks: CoreMarks, own: IdMap, mapOld: (old: number) => number): void {
  const firstNew = b.typeCount;
  const tm = marks.typeMarks(src);
  for (let i = tm ? tm.indexOf(1) : -1; tm && i >= 0; i = tm.indexOf(1, i + 1)) {
    const id = src.startId + i;
    const k = src.kind(id);
    let nid: number;
    if (isComposite(k)) {
      const members = [];
      const n = src.vlen(id);
      const mm = marks.memberMarks(src, id);
      for (let i = 0; i < n; i++) {
        if (mm?.[i] !== 1) continue;
        const nameOff = src.elemWord(id, i, 0);
        members.push({ name: nameOff === 0 ? '' : src.str(nameOff), type: src.elemWord(id, i, 1), bitOffset: memberBitOffset(src, id, i), bitSize: memberBitSize(src, id, i) });
      }
      nid = b.addStruct(src.name(id), src.sizeOrType(id), members, k === Kind.UNION);
    } else {
      nid = b.copyType(src, id);
    }
    own[id] = nid;
  }
  const words = b.rawWords;
  const offs = b.recordOffsets;
  for (let i = firstNew; i < offs.length; i++) {
    const off = offs[i]!;
    const shape = KIND_SHAPES[infoKind(words[off + 1]!)]!;
    requireKnownShape(shape, b.startId + i);
    forEachTypeIdWord(words, off, shape, (w) => {
      words[w] = mapOld(words[w]!);
    });
  }
}

/** A BPF object whose CO-RE relocations `minCore` keeps types for. */
export interface MinCoreObject extends CoreObject {
  /** File name, for messages. */
  readonly file?: string | undefined;
}

/** Options of `minCore`. */
export interface MinCoreOptions {
  /** Module BTFs (split on vmlinux) to search when vmlinux has no candidate. */
  readonly modules?: readonly CoreTargetBtf[] | undefined;
}

/** What `minCore` made: the minimal base, a minimal split BTF per contributing module, the id maps and every relocation. */
export interface MinCoreResult {
  /** Minimal (base) BTF. */
  readonly base: Btf;
  readonly baseBytes: Uint8Array;
  /** Minimal split BTF per module that contributed types, on `base`. */
  readonly modules: ReadonlyArray<{ readonly name: string; readonly btf: Btf; readonly bytes: Uint8Array; /** The module's ids, base included, → ids in `base` and this split (`IdMap`). */ readonly idMap: IdMap }>;
  /** Old vmlinux id → new id in `base` (`IdMap`; 0: dropped). */
  readonly baseIdMap: IdMap;
  /** Every relocation, as resolved against the full BTF. */
  readonly relocations: readonly CoreReloResult[];
}

/** Minimal BTF for `objects` against `vmlinux` (and modules). */
export function minCore(objects: readonly MinCoreObject[], vmlinux: Btf, opts: MinCoreOptions = {}): MinCoreResult {
  const modules = opts.modules ?? [];
  for (const m of modules) {
    if (m.btf.base !== vmlinux) fail('invalid-argument', `module ${m.name} is not split BTF on the given vmlinux`);
  }
  // Marks per target chain: vmlinux alone, and each module on it (sharing the vmlinux marks).
  const vmMarks = new CoreMarks(vmlinux);
  const modMarks = new Map<CoreTargetBtf, CoreMarks>();
  const relocations: CoreReloResult[] = [];
  for (const obj of objects) {
    if (!obj.ext) fail('bad-ext', 'object has no .BTF.ext (no CO-RE relocations to record)', obj.file !== undefined ? { file: obj.file } : {});
    const res = resolveCoreRelos(obj, { name: 'vmlinux', btf: vmlinux }, { modules, explain: false });
    for (const r of res) {
      if (r.error !== undefined) {
        throw new BtfError('invalid-argument', `relocation #${r.index} in ${r.section} (insn ${r.insnOff / 8}, ${r.kindName}, [${r.localTypeId}] ${r.accessStr}): ${r.error}`, { section: '.BTF.ext', ...(obj.file !== undefined ? { file: obj.file } : {}) });
      }
      relocations.push(r);
      if (!r.target || !r.targetBtf) continue;
      if (r.targetBtf.btf === vmlinux) {
        vmMarks.record(r);
      } else {
        let m = modMarks.get(r.targetBtf);
        if (!m) modMarks.set(r.targetBtf, (m = new CoreMarks(r.targetBtf.btf)));
        m.record(r);
      }
    }
  }
  // Module marks that landed on vmlinux types belong to the base.
  const merged = vmMarks;
  for (const m of modMarks.values()) merged.absorb(m, vmlinux);
  const baseMap: IdMap = new Uint32Array(vmlinux.nextId);
  const bb = new BtfBuilder({ endian: vmlinux.endian });
  emitMarked(bb, vmlinux, merged, baseMap, (old) => baseMap[old] ?? 0);
  const baseBytes = bb.toBytes();
  const base = bb.build();
  const outMods: Array<{ name: string; btf: Btf; bytes: Uint8Array; idMap: IdMap }> = [];
  for (const [t, marks] of modMarks) {
    const mb = t.btf;
    if (!marks.anyIn(mb)) continue;
    const own: IdMap = new Uint32Array(mb.nextId);
    own.set(baseMap); // the module's base ids are vmlinux's
    const b = new BtfBuilder({ base, endian: vmlinux.endian });
    emitMarked(b, mb, marks, own, (old) => own[old] ?? 0);
    const bytes = b.toBytes();
    outMods.push({ name: t.name, btf: b.build(), bytes, idMap: own });
  }
  return { base, baseBytes, modules: outMods, baseIdMap: baseMap, relocations };
}
