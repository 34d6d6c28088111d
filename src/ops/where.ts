/**
 * Field availability across kernels (`btfkit where TYPE.MEMBER...`): in each BTF, whether a
 * struct/union member path exists, its offset, size and C type; when it is missing, the
 * member likely renamed from it: the one the ABI diff of the containing struct (from a kernel
 * that has it) reports as its rename (same offset and type, another name).
 *
 * A path step searches the members of the current struct/union and, as C does, the members
 * of its anonymous struct/union members (their offsets add up). A typedef names its target.
 */

import type { Btf } from '../wire/btf.js';
import { BtfError } from '../wire/errors.js';
import { isComposite, Kind } from '../wire/kinds.js';
import { DiffSide, diffMembers } from './abi-diff-members.js';
import type { AbiMemberChange } from './abi-diff-types.js';
import { memberBitOffset, memberBitSize, skipModsAndTypedefs } from './core/types.js';

/** A member in one input, as `whereMember` found it (or did not). */
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
function findMember(s: DiffSide, id: number, name: string, depth = 0, seen = new Set<number>()): Found | undefined {
  // An anonymous type reached twice (shared, or hostile self-reference) is searched once.
  if (seen.has(id)) return undefined;
  seen.add(id);
  const btf = s.btf;
  const n = btf.vlen(id);
  for (let i = 0; i < n; i++) {
    const off = btf.elemWord(id, i, 0);
    if (off !== 0 && s.str(off) === name) return { member: i, parent: id, bitOffset: memberBitOffset(btf, id, i) };
  }
  if (depth > 32) return undefined;
  for (let i = 0; i < n; i++) {
    if (btf.elemWord(id, i, 0) !== 0) continue;
    const t = skipModsAndTypedefs(btf, btf.elemWord(id, i, 1));
    if (t === 0 || !isComposite(btf.kind(t))) continue;
    const f = findMember(s, t, name, depth + 1, seen);
    if (f) return { ...f, bitOffset: f.bitOffset + memberBitOffset(btf, id, i) };
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
  // Renames: where the path is missing only at its last step, the member the ABI diff of
  // that struct (from a kernel that has the path) reports as renamed from it.
  return results.map((r, k) => {
    if (r.present || path.length === 0) return r;
    const s = sides[k]!;
    const parentPath = path.slice(0, -1);
    const rootK = findRoot(s.btf, type);
    const ck = rootK === undefined ? undefined : containerOf(s, rootK, parentPath);
    if (ck === undefined) return r;
    // Prefer the closest kernel before this one that has the member, then the closest after.
    const order = [...results.keys()].filter((p) => results[p]!.present).sort((p, q) => (p < k ? k - p : 1000 + p - k) - (q < k ? k - q : 1000 + q - k));
    for (const p of order) {
      const sp = sides[p]!;
      const cp = containerOf(sp, findRoot(sp.btf, type)!, parentPath);
      if (cp === undefined) continue;
      const renamed = findRename(diffMembers(sp, cp, s, ck), path[path.length - 1]!);
      if (renamed) return { ...r, likely_renamed_to: [...parentPath, renamed].join('.') };
    }
    return r;
  });
}

/** The new name of member `old` in a member diff (anonymous members are looked through, as C does). */
function findRename(changes: readonly AbiMemberChange[], old: string): string | undefined {
  for (const c of changes) {
    if (c.status === 'renamed' && c.old_name === old) return c.name;
    const inner = c.members ? findRename(c.members, old) : undefined;
    if (inner) return inner;
  }
  return undefined;
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
      return { file, query, present: true, type: typeText, type_size: btf.sizeOrType(root), offset_bits: bits, bitfield_size: memberBitSize(btf, f.parent, f.member), size: s.size(t), c_type: s.text(t) };
    }
    const next = skipModsAndTypedefs(btf, t);
    if (next === 0 || !isComposite(btf.kind(next))) return { file, query, present: false, type: typeText, type_size: btf.sizeOrType(root), missing: `'${path.slice(0, k + 1).join('.')}' is ${s.text(t)}, not a struct or union` };
    cur = next;
  }
  return { file, query, present: false };
}
