/**
 * Leaf-first propagation: a struct/union whose only changes come from an embedded type that
 * changed (its member grew, so it and everything after it moved) gets a `cause` naming the
 * leaf and the member path to it; each leaf gets its `impact`: the containers it changed
 * (transitively, by value) and the types and functions that point to any of them (in B).
 */

import { isComposite, Kind } from '../wire/kinds.js';
import type { AbiCause, AbiImpact, AbiMemberChange, AbiTypeChange, AbiUser } from './abi-diff-types.js';
import type { DiffSide } from './abi-diff-members.js';
import { terminalType } from './core/types.js';

const MAX_LISTED_USERS = 20;
const KFUNC_TAG = 'bpf_kfunc';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Set `cause` on caused containers and `impact` on leaves, in place. */
export function addCausesAndImpact(B: DiffSide, changes: AbiTypeChange[]): void {
  const y = B.btf;
  // Changed B types by id: what an embedded member's type resolves to (through typedefs,
  // modifiers and arrays, so `foo_t x[2];` finds a change of `struct foo`).
  const byIdB = new Map<number, AbiTypeChange>();
  for (const c of changes) if (c.status === 'changed' && c.id_b !== undefined) byIdB.set(c.id_b, c);
  const causes = new Map<AbiTypeChange, AbiCause | null>();

  const causeOf = (c: AbiTypeChange, depth: number): AbiCause | null => {
    const have = causes.get(c);
    if (have !== undefined) return have;
    causes.set(c, null);
    let found: AbiCause | null = null;
    if ((c.kind === 'struct' || c.kind === 'union') && !c.kind_change && c.members && depth < 64) {
      const leaf = causedOnly(c.members, c.id_b!, depth);
      if (leaf) found = leaf;
    }
    causes.set(c, found);
    return found;
  };

  /**
   * When every member change is explained by embedded members that grew or shrank (and the
   * members after them moving), the cause: the first such member and its leaf.
   */
  const causedOnly = (members: readonly AbiMemberChange[], parentB: number, depth: number): AbiCause | null => {
    let first: { offset: number; cause: AbiCause } | undefined;
    for (const m of members) {
      if (m.status !== 'changed' || !m.a || !m.b) return null;
      const aspects = m.changed ?? [];
      if (aspects.includes('bitfield_size')) return null;
      if (!aspects.includes('size') && !aspects.includes('type')) continue; // moved only: checked below
      let cause: AbiCause | null = null;
      if (m.members) {
        // An anonymous struct/union member: its own members must all be caused.
        const inner = y.elemWord(parentB, m.index, 1);
        const nested = causedOnly(m.members, inner, depth + 1);
        // Anonymous members are transparent in C (`ib_device.dev`), so the path skips them.
        if (nested) cause = { ...nested, via: m.name !== '' ? [m.name, ...nested.via] : nested.via };
      } else if (!aspects.includes('type')) {
        const t = terminalType(y, y.elemWord(parentB, m.index, 1), false);
        const inner = t.id !== 0 ? byIdB.get(t.id) : undefined;
        if (inner?.size && inner.size[0] !== inner.size[1]) {
          const deeper = causeOf(inner, depth + 1);
          cause = deeper ? { ...deeper, via: [m.name, ...deeper.via] } : { kind: inner.kind, name: inner.name, via: [m.name] };
        } else if (t.id !== 0 && t.id < y.startId && isComposite(y.kind(t.id)) && y.nameOff(t.id) !== 0) {
          // A module type embedding a vmlinux type that changed size: the base is not compared
          // here (each side is on its own base), so the cause is that base type.
          cause = { kind: y.kind(t.id) === Kind.UNION ? 'union' : 'struct', name: B.name(t.id), via: [m.name] };
        }
      }
      if (!cause) return null;
      if (!first || m.a.offset_bits < first.offset) first = { offset: m.a.offset_bits, cause };
    }
    if (!first) return null;
    // Members that only moved must sit after the first grown one.
    for (const m of members) {
      const aspects = m.changed ?? [];
      if (aspects.length === 1 && aspects[0] === 'offset' && m.a!.offset_bits < first.offset) return null;
    }
    return first.cause;
  };

  for (const c of changes) {
    const cause = c.status === 'changed' ? causeOf(c, 0) : null;
    if (cause) (c as Mutable<AbiTypeChange>).cause = cause;
  }

  // Group every caused container under its leaf.
  const leafKey = (kind: string, name: string): string => `${kind} ${name}`;
  const leaves = new Map<string, AbiTypeChange>();
  for (const c of changes) if (c.status === 'changed' && !c.cause) leaves.set(leafKey(c.kind, c.name), c);
  const embedded = new Map<AbiTypeChange, Array<AbiUser & { path: string[] }>>();
  const groupOfB = new Map<number, AbiTypeChange>();
  for (const c of changes) {
    if (c.status !== 'changed') continue;
    const leaf = c.cause ? leaves.get(leafKey(c.cause.kind, c.cause.name)) : c;
    if (!leaf) continue;
    if (c.id_b !== undefined) groupOfB.set(c.id_b, leaf);
    if (c.cause) {
      let l = embedded.get(leaf);
      if (!l) embedded.set(leaf, (l = []));
      l.push({ kind: c.kind, name: c.name, via: c.cause.via[0] ?? '', path: [...c.cause.via] });
    }
  }
  if (groupOfB.size === 0) return;

  // Who points to a changed type (or embeds one without changing itself), in B.
  const kfuncs = new Set<number>();
  for (let id = y.startId; id < y.nextId; id++) {
    if (y.kind(id) === Kind.DECL_TAG && (y.word(id, 3) | 0) === -1 && B.name(id) === KFUNC_TAG) kfuncs.add(y.sizeOrType(id));
  }
  const pointers = new Map<AbiTypeChange, { types: Set<number>; funcs: Set<number>; users: AbiUser[]; kfuncs: string[] }>();
  const note = (leaf: AbiTypeChange, user: number, kind: AbiUser['kind'], via: string, isFunc: boolean): void => {
    let p = pointers.get(leaf);
    if (!p) pointers.set(leaf, (p = { types: new Set(), funcs: new Set(), users: [], kfuncs: [] }));
    const set = isFunc ? p.funcs : p.types;
    if (set.has(user)) return;
    set.add(user);
    if (p.users.length < MAX_LISTED_USERS) p.users.push({ kind, name: B.name(user), via });
    if (isFunc && kfuncs.has(user)) p.kfuncs.push(B.name(user));
  };
  // Where each referenced type leads (many members share one pointer type): the changed
  // type it ends at, +1, negated when through a pointer; 0 = not computed, 1 = nothing changed.
  const ends = new Int32Array(y.nextId);
  const leadsTo = (ref: number): number => {
    let e = ends[ref]!;
    if (e === 0) {
      const t = terminalType(y, ref, true);
      e = groupOfB.has(t.id) ? (t.viaPtr ? -(t.id + 1) : t.id + 1) : 1;
      ends[ref] = e;
    }
    return e;
  };
  for (let id = y.startId; id < y.nextId; id++) {
    const k = y.kind(id);
    if (isComposite(k) && y.nameOff(id) !== 0) {
      const n = y.vlen(id);
      for (let i = 0; i < n; i++) {
        const e = leadsTo(y.elemWord(id, i, 1));
        if (e >= 0) continue; // by value or nothing changed: not a pointer user
        const leaf = groupOfB.get(-e - 1);
        if (leaf && groupOfB.get(id) !== leaf) note(leaf, id, k === Kind.UNION ? 'union' : 'struct', B.str(y.elemWord(id, i, 0)), false);
      }
    } else if (k === Kind.FUNC) {
      const proto = y.sizeOrType(id);
      const ret = leadsTo(y.sizeOrType(proto));
      const retLeaf = ret === 1 ? undefined : groupOfB.get(Math.abs(ret) - 1);
      if (retLeaf) note(retLeaf, id, 'func', '', true);
      const n = y.vlen(proto);
      for (let i = 0; i < n; i++) {
        const e = leadsTo(y.elemWord(proto, i, 1));
        if (e === 1) continue;
        const leaf = groupOfB.get(Math.abs(e) - 1);
        if (leaf) note(leaf, id, 'func', B.str(y.elemWord(proto, i, 0)), true);
      }
    }
  }
  for (const leaf of new Set(groupOfB.values())) {
    const p = pointers.get(leaf);
    const impact: AbiImpact = {
      embedded_by: embedded.get(leaf) ?? [],
      pointer_types: p?.types.size ?? 0,
      pointer_funcs: p?.funcs.size ?? 0,
      pointer_users: p?.users ?? [],
      kfuncs: p?.kfuncs ?? [],
    };
    (leaf as Mutable<AbiTypeChange>).impact = impact;
  }

}
