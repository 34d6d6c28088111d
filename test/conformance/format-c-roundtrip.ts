/**
 * Round trip for `format c`: the emitted header must compile with clang for the BPF target,
 * and the BTF clang makes from it must describe every struct, union, enum and typedef of the
 * input with the same size and the same member names and bit offsets.
 */

import { CDumper } from '../../src/format/c/index.js';
import type { Btf } from '../../src/wire/btf.js';
import { Kind } from '../../src/wire/kinds.js';

/** Types a round trip can check by name: unique in their C namespace and complete. */
export function roundTripTypes(btf: Btf): number[] {
  const tagCount = new Map<string, number>();
  const identCount = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string): void => {
    m.set(k, (m.get(k) ?? 0) + 1);
  };
  for (let id = 1; id < btf.nextId; id++) {
    const k = btf.kind(id);
    if (k === Kind.STRUCT || k === Kind.UNION || k === Kind.ENUM || k === Kind.ENUM64 || k === Kind.INT || k === Kind.FWD) {
      if (btf.nameOff(id) !== 0 && k !== Kind.FWD) bump(tagCount, btf.name(id));
    }
    if (k === Kind.TYPEDEF) bump(identCount, btf.name(id));
    if (k === Kind.ENUM || k === Kind.ENUM64) for (let i = 0; i < btf.vlen(id); i++) bump(identCount, btf.str(btf.elemWord(id, i, 0)));
  }
  const d = new CDumper(btf);
  const out: number[] = [];
  for (let id = 1; id < btf.nextId; id++) {
    const k = btf.kind(id);
    if (btf.nameOff(id) === 0) continue;
    const name = btf.name(id);
    if (k === Kind.STRUCT || k === Kind.UNION || k === Kind.ENUM || k === Kind.ENUM64) {
      if (tagCount.get(name) !== 1) continue;
      if ((k === Kind.ENUM || k === Kind.ENUM64) && btf.vlen(id) === 0) continue;
      out.push(id);
    } else if (k === Kind.TYPEDEF) {
      if (identCount.get(name) !== 1 || name === '__builtin_va_list' || name === '__gnuc_va_list') continue;
      // a typedef of a function type would declare a function, of void/fwd nothing complete
      let r = btf.sizeOrType(id);
      const through: readonly number[] = [Kind.TYPEDEF, Kind.CONST, Kind.VOLATILE, Kind.RESTRICT, Kind.TYPE_TAG];
      for (let i = 0; i < 64 && r !== 0 && through.includes(btf.kind(r)); i++) r = btf.sizeOrType(r);
      if (r === 0 || btf.kind(r) === Kind.FUNC_PROTO || d.resolveSize(id) < 0) continue;
      out.push(id);
    }
  }
  return out;
}

/**
 * A C file that includes `header` and uses each checked type as a member of one union
 * global (one variable keeps clang fast; thousands of globals take minutes).
 */
export function roundTripSource(btf: Btf, header: string, ids: readonly number[]): string {
  const lines = [`#include "${header}"`, '', 'union __rt_all {'];
  for (const id of ids) {
    const k = btf.kind(id);
    const name = btf.name(id);
    const ty = k === Kind.STRUCT ? `struct ${name}` : k === Kind.UNION ? `union ${name}` : k === Kind.TYPEDEF ? name : `enum ${name}`;
    lines.push(`\t${ty} __rt_${id};`);
  }
  lines.push('};', '', 'union __rt_all __rt;');
  return `${lines.join('\n')}\n`;
}

/** Differences between the input types and the compiled ones (empty = round trip holds). */
export function compareRoundTrip(input: Btf, compiled: Btf, ids: readonly number[]): string[] {
  const problems: string[] = [];
  const di = new CDumper(input);
  const dc = new CDumper(compiled);
  for (const id of ids) {
    const k = input.kind(id);
    const name = input.name(id);
    const kinds = k === Kind.ENUM || k === Kind.ENUM64 ? [Kind.ENUM, Kind.ENUM64] : [k];
    let cid: number | undefined;
    for (const kk of kinds) cid ??= compiled.findByNameKind(name, kk);
    if (cid === undefined) {
      problems.push(`${name} [${id}]: not in the compiled BTF`);
      continue;
    }
    const si = di.resolveSize(id);
    const sc = dc.resolveSize(cid);
    if (si !== sc) problems.push(`${name} [${id}]: size ${si} became ${sc}`);
    if (k !== Kind.STRUCT && k !== Kind.UNION) continue;
    const members = (b: Btf, t: number): string[] => {
      const r: string[] = [];
      for (let i = 0; i < b.vlen(t); i++) {
        const off = b.elemWord(t, i, 2);
        const bits = b.kflag(t) ? off >>> 24 : 0;
        const at = b.kflag(t) ? off & 0xffffff : off;
        r.push(`${b.str(b.elemWord(t, i, 0))}@${at}${bits ? `:${bits}` : ''}`);
      }
      return r;
    };
    const mi = members(input, id).join(' ');
    const mc = members(compiled, cid).join(' ');
    if (mi !== mc) problems.push(`${name} [${id}]: members ${mi} became ${mc}`);
  }
  return problems;
}

function unionMemberAlign(btf: Btf, id: number, d: CDumper): number {
  let a = 1;
  for (let i = 0; i < btf.vlen(id); i++) a = Math.max(a, d.alignOf(btf.elemWord(id, i, 1)));
  return a;
}

/**
 * Why a type cannot round-trip whatever the dumper does, or undefined. Two known cases:
 * its layout contains `__builtin_va_list` (24 bytes on x86-64, a pointer on the BPF target
 * clang compiles for); a union that has a size but no members in BTF (pahole drops
 * members it cannot describe; libbpf, and so bpftool, writes `union {}` and pads only
 * structs, so the size is lost); a union whose size is not a multiple of its members'
 * alignment (it was packed; libbpf marks only structs packed, so C rounds the size up).
 */
export function layoutCaveat(btf: Btf, id: number, memo = new Map<number, string | null>(), d = new CDumper(btf)): string | undefined {
  const seen = memo.get(id);
  if (seen !== undefined) return seen ?? undefined;
  memo.set(id, null);
  let r: string | undefined;
  const k = btf.kind(id);
  if (id === 0) r = undefined;
  else if ((k === Kind.TYPEDEF || k === Kind.INT) && (btf.name(id) === '__builtin_va_list' || btf.name(id) === '__gnuc_va_list')) r = 'va_list';
  else if (k === Kind.TYPEDEF || k === Kind.CONST || k === Kind.VOLATILE || k === Kind.RESTRICT || k === Kind.TYPE_TAG) r = layoutCaveat(btf, btf.sizeOrType(id), memo, d);
  else if (k === Kind.ARRAY) r = layoutCaveat(btf, btf.word(id, 3), memo, d);
  else if (k === Kind.UNION && btf.vlen(id) === 0 && btf.sizeOrType(id) > 0) r = 'member-less union with a size';
  else if (k === Kind.UNION && btf.sizeOrType(id) % unionMemberAlign(btf, id, d) !== 0) r = 'packed union (libbpf never writes packed unions)';
  if (!r && (k === Kind.STRUCT || k === Kind.UNION)) {
    for (let i = 0; i < btf.vlen(id) && !r; i++) r = layoutCaveat(btf, btf.elemWord(id, i, 1), memo, d);
  }
  memo.set(id, r ?? null);
  return r;
}
