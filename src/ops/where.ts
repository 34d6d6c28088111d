/**
 * Field availability across kernels (`btfkit where TYPE.MEMBER...`): in each BTF, whether a
 * struct/union member path exists, its offset, size and C type; when it is missing, the
 * member likely renamed from it (same type at the same offset as in a kernel that has it).
 *
 * A path step searches the members of the current struct/union and, as C does, the members
 * of its anonymous struct/union members (their offsets add up). A typedef names its target.
 */

import type { Btf } from '../wire/btf.js';
import { BtfError } from '../wire/errors.js';
import { Kind } from '../wire/kinds.js';
import { bitOffset, bitSize, DiffSide } from './abi-diff-members.js';
import { isComposite, skipModsAndTypedefs } from './core/types.js';

export interface WhereResult {
  /** The input's label (file name in the CLI). */
  readonly file: string;
  /** The query as given, e.g. `task_struct.mm.pgd`. */
  readonly query: string;
  readonly present: boolean;
  /** The type (`struct task_struct`) when found, with its size. */
  readonly type?: string;
  readonly type_size?: number;
  /** For a member path: offset from the start of the outer type. */
  readonly offset_bits?: number;
  readonly bitfield_size?: number;
  /** Byte size of the (last) member's type, or of the type itself. */
  readonly size?: number;
  /** C type of the last member. */
  readonly c_type?: string;
  /** Why not present: the first path step that does not resolve. */
  readonly missing?: string;
  /** When missing: a member of the same type at the same offset as where another kernel has it. */
  readonly likely_renamed_to?: string;
}

interface Found {
  readonly member: number;
  readonly parent: number;
  readonly bitOffset: number;
}

/** Find member `name` of struct/union `id`, looking through anonymous members. */
function findMember(s: DiffSide, id: number, name: string, depth = 0): Found | undefined {
  const btf = s.btf;
  const n = btf.vlen(id);
  for (let i = 0; i < n; i++) {
    const off = btf.elemWord(id, i, 0);
    if (off !== 0 && s.str(off) === name) return { member: i, parent: id, bitOffset: bitOffset(btf, id, i) };
  }
  if (depth > 32) return undefined;
  for (let i = 0; i < n; i++) {
    if (btf.elemWord(id, i, 0) !== 0) continue;
    const t = skipModsAndTypedefs(btf, btf.elemWord(id, i, 1));
    if (t === 0 || !isComposite(btf.kind(t))) continue;
    const f = findMember(s, t, name, depth + 1);
    if (f) return { ...f, bitOffset: f.bitOffset + bitOffset(btf, id, i) };
  }
  return undefined;
}

/** The struct/union (or typedef to one) named `name`: structs first, then unions, then typedefs. */
function findRoot(btf: Btf, name: string): number | undefined {
  for (const k of [Kind.STRUCT, Kind.UNION, Kind.TYPEDEF]) {
    const id = btf.findByNameKind(name, k);
    if (id === undefined) continue;
    const t = skipModsAndTypedefs(btf, id);
    if (t !== 0 && isComposite(btf.kind(t))) return t;
  }
  return undefined;
}

/** Split `task_struct.mm.pgd` (also `struct task_struct.mm`) into the type and member path. */
export function parseWhereQuery(query: string): { type: string; path: string[] } {
  const q = query.trim().replace(/^(struct|union)\s+/, '');
  const parts = q.split(/\.|->/);
  const type = parts[0] ?? '';
  if (type === '' || parts.some((p) => p === '')) throw new BtfError('invalid-argument', `'${query}' is not TYPE[.MEMBER...]`);
  return { type, path: parts.slice(1) };
}

/** Resolve `query` in each BTF; renames are guessed from the BTFs that have the path. */
export function whereMember(inputs: ReadonlyArray<{ readonly file: string; readonly btf: Btf }>, query: string): WhereResult[] {
  const { type, path } = parseWhereQuery(query);
  const sides = inputs.map((i) => new DiffSide(i.btf));
  const results = inputs.map((input, k) => resolvePath(sides[k]!, input.file, query, type, path));
  // Renames: where the path is missing only at its last step, a member of that struct with
  // the same C type at the offset another kernel has the member at.
  const found = results.filter((r) => r.present && path.length > 0);
  return results.map((r, k) => {
    if (r.present || path.length === 0 || found.length === 0) return r;
    const s = sides[k]!;
    const parentPath = path.slice(0, -1);
    const parent = resolvePath(s, r.file, query, type, parentPath);
    if (!parent.present) return r;
    const rootId = findRoot(s.btf, type)!;
    const container = parentPath.length === 0 ? rootId : containerOf(s, rootId, parentPath);
    if (container === undefined) return r;
    const base = parentPath.length === 0 ? 0 : parent.offset_bits ?? 0;
    for (const f of found) {
      const want = (f.offset_bits ?? 0) - base;
      const guess = memberAt(s, container, want, f.c_type ?? '', 0);
      if (guess) return { ...r, likely_renamed_to: [...parentPath, guess].join('.') };
    }
    // Same type, any offset, when exactly one member of the struct has it and no other kernel calls it that.
    return r;
  });
}

function containerOf(s: DiffSide, root: number, path: readonly string[]): number | undefined {
  let cur = root;
  for (const step of path) {
    const f = findMember(s, cur, step);
    if (!f) return undefined;
    const t = skipModsAndTypedefs(s.btf, s.btf.elemWord(f.parent, f.member, 1));
    if (t === 0 || !isComposite(s.btf.kind(t))) return undefined;
    cur = t;
  }
  return cur;
}

/** The name of a named member (through anonymous ones) at `bits` with C type `cType`. */
function memberAt(s: DiffSide, id: number, bits: number, cType: string, base: number): string | undefined {
  const btf = s.btf;
  for (let i = 0; i < btf.vlen(id); i++) {
    const off = base + bitOffset(btf, id, i);
    const nameOff = btf.elemWord(id, i, 0);
    const t = btf.elemWord(id, i, 1);
    if (nameOff !== 0 && off === bits && s.text(t) === cType) return s.str(nameOff);
    if (nameOff === 0) {
      const inner = skipModsAndTypedefs(btf, t);
      if (inner !== 0 && isComposite(btf.kind(inner))) {
        const r = memberAt(s, inner, bits, cType, off);
        if (r) return r;
      }
    }
  }
  return undefined;
}

function resolvePath(s: DiffSide, file: string, query: string, type: string, path: readonly string[]): WhereResult {
  const btf = s.btf;
  const root = findRoot(btf, type);
  if (root === undefined) return { file, query, present: false, missing: `no struct/union/typedef '${type}'` };
  const typeText = `${btf.kind(root) === Kind.UNION ? 'union' : 'struct'} ${s.name(root) || type}`;
  if (path.length === 0) return { file, query, present: true, type: typeText, type_size: btf.sizeOrType(root), size: btf.sizeOrType(root), c_type: typeText };
  let cur = root;
  let bits = 0;
  for (let k = 0; k < path.length; k++) {
    const step = path[k]!;
    const f = findMember(s, cur, step);
    if (!f) return { file, query, present: false, type: typeText, type_size: btf.sizeOrType(root), missing: `${s.name(cur) ? `${s.name(cur)} has` : 'it has'} no member '${step}'${k > 0 ? ` (after ${path.slice(0, k).join('.')})` : ''}` };
    bits += f.bitOffset;
    const t = btf.elemWord(f.parent, f.member, 1);
    if (k === path.length - 1) {
      return { file, query, present: true, type: typeText, type_size: btf.sizeOrType(root), offset_bits: bits, bitfield_size: bitSize(btf, f.parent, f.member), size: s.size(t), c_type: s.text(t) };
    }
    const next = skipModsAndTypedefs(btf, t);
    if (next === 0 || !isComposite(btf.kind(next))) return { file, query, present: false, type: typeText, type_size: btf.sizeOrType(root), missing: `'${path.slice(0, k + 1).join('.')}' is ${s.text(t)}, not a struct or union` };
    cur = next;
  }
  return { file, query, present: false };
}
