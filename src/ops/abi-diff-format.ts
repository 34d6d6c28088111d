/**
 * The human forms of an ABI diff report: plain text for a terminal and Markdown for a pull
 * request comment. Leaf-first: each change where it happens, one line, then indented detail
 * (its members, and what it breaks: the containers it resized and who points to it).
 * Containers changed only through an embedded leaf appear under that leaf, not on their own.
 */

import type { AbiDiffReport, AbiEnumeratorChange, AbiMemberChange, AbiTypeChange } from './abi-diff-types.js';

/** Output of `formatAbiDiff`: plain text or markdown. */
export type AbiDiffFormat = 'text' | 'markdown';

/** Options of `formatAbiDiff`. */
export interface AbiDiffFormatOptions {
  readonly format?: AbiDiffFormat | undefined;
  /** Most containers / pointer users named per leaf (default 8). */
  readonly maxListed?: number | undefined;
}

/** `1,234,567`: thousands grouped (toLocaleString costs microseconds a call, and reports print thousands). */
export function groupDigits(n: number): string {
  const s = String(n);
  return Number.isInteger(n) && Math.abs(n) >= 1000 ? s.replace(/\B(?=(\d{3})+$)/g, ',') : s;
}
const num = groupDigits;
const plural = (n: number, word: string): string => `${num(n)} ${word}${n === 1 ? '' : 's'}`;

/** `744`, or `2344:3` for a bit inside byte 2344. */
export function formatBitOffset(bits: number): string {
  return bits % 8 === 0 ? String(bits / 8) : `${Math.floor(bits / 8)}:${bits % 8}`;
}

interface Out {
  line(depth: number, text: string): void;
  code(s: string): string;
  strong(s: string): string;
}

function textOut(lines: string[]): Out {
  return {
    line: (depth, text) => lines.push(`${'    '.repeat(depth)}${text}`),
    code: (s) => s,
    strong: (s) => s,
  };
}

function markdownOut(lines: string[]): Out {
  return {
    line: (depth, text) => lines.push(`${'  '.repeat(depth)}- ${text}`),
    code: (s) => `\`${s.replace(/`/g, "'")}\``,
    strong: (s) => `**${s}**`,
  };
}

function typeLabel(c: AbiTypeChange): string {
  return `${c.kind} ${c.name}`;
}

function sizeText(c: AbiTypeChange): string {
  if (!c.size) return '';
  return c.size[0] === c.size[1] ? ` (${num(c.size[0])} bytes)` : ` ${num(c.size[0])} → ${num(c.size[1])} bytes`;
}

function memberLabel(m: AbiMemberChange): string {
  return m.name !== '' ? m.name : `(anonymous #${m.index})`;
}

/** One line per member change; runs of members that only moved by the same amount folded. */
function memberLines(o: Out, depth: number, members: readonly AbiMemberChange[]): void {
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    const onlyMoved = (x: AbiMemberChange): boolean => x.status === 'changed' && x.changed?.length === 1 && x.changed[0] === 'offset';
    if (onlyMoved(m)) {
      const delta = m.b!.offset_bits - m.a!.offset_bits;
      let j = i;
      while (j + 1 < members.length && onlyMoved(members[j + 1]!) && members[j + 1]!.b!.offset_bits - members[j + 1]!.a!.offset_bits === delta) j++;
      const d = `${delta > 0 ? '+' : '-'}${Math.abs(delta) % 8 === 0 ? plural(Math.abs(delta) / 8, 'byte') : plural(Math.abs(delta), 'bit')}`;
      if (j > i + 1) o.line(depth, `~ ${j - i + 1} members moved ${d}: ${o.code(memberLabel(m))} @${formatBitOffset(m.a!.offset_bits)} … ${o.code(memberLabel(members[j]!))} @${formatBitOffset(members[j]!.a!.offset_bits)}`);
      else for (let k = i; k <= j; k++) o.line(depth, `~ ${o.code(memberLabel(members[k]!))} moved @${formatBitOffset(members[k]!.a!.offset_bits)} → @${formatBitOffset(members[k]!.b!.offset_bits)}`);
      i = j;
      continue;
    }
    const side = m.b ?? m.a!;
    const typed = o.code(`${side.type}${side.bitfield_size ? `:${side.bitfield_size}` : ''}`);
    const at = `@${formatBitOffset(side.offset_bits)}`;
    switch (m.status) {
      case 'added':
        o.line(depth, `+ ${o.code(memberLabel(m))}: ${typed} ${at}${side.bitfield_size ? '' : `, ${plural(side.size, 'byte')}`}`);
        break;
      case 'removed':
        o.line(depth, `- ${o.code(memberLabel(m))}: ${typed} ${at}`);
        break;
      case 'renamed':
        o.line(depth, `= ${o.code(m.old_name ?? '')} renamed to ${o.code(m.name)} (${typed} ${at})`);
        break;
      default: {
        const a = m.a!;
        const b = m.b!;
        const parts: string[] = [];
        for (const x of m.changed ?? []) {
          if (x === 'offset') parts.push(`moved @${formatBitOffset(a.offset_bits)} → @${formatBitOffset(b.offset_bits)}`);
          else if (x === 'type' && !m.members) parts.push(`type ${o.code(a.type)} → ${o.code(b.type)}`);
          else if (x === 'size') parts.push(`size ${num(a.size)} → ${num(b.size)}${a.type === b.type ? ` (${o.code(b.type)})` : ''}`);
          else if (x === 'bitfield_size') parts.push(`bitfield :${a.bitfield_size} → :${b.bitfield_size}`);
        }
        o.line(depth, `~ ${o.code(memberLabel(m))}${parts.length > 0 ? ': ' + parts.join(', ') : ''}`);
        if (m.members) memberLines(o, depth + 1, m.members);
      }
    }
  }
}

function detailLines(o: Out, c: AbiTypeChange, max: number): void {
  const d = 1;
  if (c.kind_change) o.line(d, `kind ${c.kind_change[0]} → ${c.kind_change[1]}`);
  if (c.type) o.line(d, `${c.kind === 'func' ? 'prototype' : c.kind === 'int' ? 'encoding' : 'type'} ${o.code(c.type[0])} → ${o.code(c.type[1])}`);
  if (c.linkage) o.line(d, `linkage ${c.linkage[0]} → ${c.linkage[1]}`);
  if (c.signed) o.line(d, `${c.signed[1] ? 'now signed' : 'now unsigned'}`);
  if (c.members) memberLines(o, d, c.members);
  if (c.holes) {
    // A hole after the same member on both sides changed size; the others appeared or closed.
    const closed = new Map(c.holes.closed.map((h) => [h.after, h]));
    for (const h of c.holes.appeared) {
      const was = closed.get(h.after);
      closed.delete(h.after);
      const after = o.code(h.after || '(start)');
      o.line(d, was ? `hole after ${after}: ${holeSize(was.size_bits)} → ${holeSize(h.size_bits)}` : `hole of ${holeSize(h.size_bits)} appeared after ${after}`);
    }
    for (const h of closed.values()) o.line(d, `hole of ${holeSize(h.size_bits)} after ${o.code(h.after || '(start)')} closed`);
  }
  enumeratorLines(o, d, c.enumerators ?? []);
  for (const p of c.params ?? []) {
    const label = `parameter ${p.index}${p.name ? ` ${o.code(p.name)}` : ''}`;
    if (p.status === 'added') o.line(d, `+ ${label} ${o.code(p.b!.type)}`);
    else if (p.status === 'removed') o.line(d, `- ${label} ${o.code(p.a!.type)}`);
    else if (p.status === 'renamed') o.line(d, `= ${label} renamed from ${o.code(p.old_name ?? '')}`);
    else o.line(d, `~ ${label}${p.old_name !== undefined ? ` (was ${o.code(p.old_name)})` : ''}: ${o.code(p.a!.type)} → ${o.code(p.b!.type)}`);
  }
  const entries = c.entries ?? [];
  for (const e of entries.slice(0, max)) {
    if (e.status === 'added') o.line(d, `+ ${o.code(e.name)} @${e.b!.offset}, ${plural(e.b!.size, 'byte')}`);
    else if (e.status === 'removed') o.line(d, `- ${o.code(e.name)} @${e.a!.offset}, ${plural(e.a!.size, 'byte')}`);
    else {
      const parts = [e.a!.offset !== e.b!.offset ? `moved @${e.a!.offset} → @${e.b!.offset}` : '', e.a!.size !== e.b!.size ? `size ${num(e.a!.size)} → ${num(e.b!.size)}` : ''].filter((x) => x !== '');
      o.line(d, `~ ${o.code(e.name)}: ${parts.join(', ')}`);
    }
  }
  if (entries.length > max) o.line(d, `… and ${num(entries.length - max)} more variables moved or changed`);
  const im = c.impact;
  if (im) {
    if (im.embedded_by.length > 0) {
      const names = im.embedded_by.slice(0, max).map((u) => o.code(`${u.name}.${u.path.join('.')}`));
      o.line(d, `embedded in ${num(im.embedded_by.length)} type${im.embedded_by.length > 1 ? 's' : ''} that changed with it: ${names.join(', ')}${im.embedded_by.length > max ? `, … +${num(im.embedded_by.length - max)}` : ''}`);
    }
    if (im.pointer_types + im.pointer_funcs > 0) {
      const names = im.pointer_users.slice(0, max).map((u) => o.code(u.kind === 'func' ? `${u.name}()` : `${u.name}.${u.via}`));
      o.line(d, `pointed to by ${plural(im.pointer_types, 'type')}, used by ${plural(im.pointer_funcs, 'function')}: ${names.join(', ')}${im.pointer_types + im.pointer_funcs > names.length ? ', …' : ''}`);
    }
    if (im.kfuncs.length > 0) o.line(d, `kfuncs: ${im.kfuncs.slice(0, max).map((k) => o.code(k)).join(', ')}${im.kfuncs.length > max ? ', …' : ''}`);
  }
}

function holeSize(bits: number): string {
  return bits % 8 === 0 ? plural(bits / 8, 'byte') : plural(bits, 'bit');
}

/** Enumerator lines; a run renumbered by the same amount (one inserted above) is one line. */
function enumeratorLines(o: Out, d: number, list: readonly AbiEnumeratorChange[]): void {
  const delta = (e: AbiEnumeratorChange): bigint | undefined => (e.status === 'changed' ? BigInt(e.b!) - BigInt(e.a!) : undefined);
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    const dl = delta(e);
    let j = i;
    while (dl !== undefined && j + 1 < list.length && delta(list[j + 1]!) === dl) j++;
    if (j > i + 1) {
      o.line(d, `~ ${j - i + 1} enumerators renumbered ${dl! > 0n ? '+' : ''}${dl}: ${o.code(e.name)} = ${e.a} … ${o.code(list[j]!.name)} = ${list[j]!.a}`);
      i = j;
    } else if (e.status === 'added') o.line(d, `+ ${o.code(e.name)} = ${e.b}`);
    else if (e.status === 'removed') o.line(d, `- ${o.code(e.name)} = ${e.a}`);
    else o.line(d, `~ ${o.code(e.name)} = ${e.a} → ${e.b}`);
  }
}

const GROUP: Readonly<Record<string, number>> = { struct: 0, union: 0, typedef: 1, enum: 1, int: 1, float: 1, func: 2, var: 2, decl_tag: 3, datasec: 4 };
const reach = (c: AbiTypeChange): number => (c.impact ? c.impact.embedded_by.length * 1000 + c.impact.pointer_types + c.impact.pointer_funcs : 0);

/** Leaves in reading order: types before functions and sections, the widest impact first. */
function leafOrder(p: AbiTypeChange, q: AbiTypeChange): number {
  return (GROUP[p.kind] ?? 5) - (GROUP[q.kind] ?? 5) || reach(q) - reach(p) || (p.name < q.name ? -1 : p.name > q.name ? 1 : 0);
}

/** The report as text (`format: 'text'`) or Markdown. */
export function formatAbiDiff(report: AbiDiffReport, opts: AbiDiffFormatOptions = {}): string {
  const md = opts.format === 'markdown';
  const max = opts.maxListed ?? 8;
  const lines: string[] = [];
  const o = md ? markdownOut(lines) : textOut(lines);
  const s = report.summary;
  const changed = report.changes.filter((c) => c.status === 'changed');
  const shown = new Set(changed.filter((c) => !c.cause).map((c) => `${c.kind} ${c.name}`));
  // Caused changes whose leaf is filtered out are shown on their own, with their cause.
  const leaves = changed.filter((c) => !c.cause || !shown.has(`${c.cause.kind} ${c.cause.name}`)).sort(leafOrder);
  const caused = changed.length - leaves.length;
  const head = report.changes.length === 0
    ? `${report.a} → ${report.b}: no ABI changes (${num(s.types_a)} / ${num(s.types_b)} types)`
    : `${report.a} → ${report.b}: ${num(leaves.length)} changed type${leaves.length === 1 ? '' : 's'}${caused > 0 ? ` (+${num(caused)} changed only through them)` : ''}, ${num(s.added)} added, ${num(s.removed)} removed; ${s.incompatible > 0 ? `${num(s.incompatible)} incompatible` : 'compatible'}`;
  if (md) lines.push(`### ABI diff: ${head}`);
  else lines.push(head);
  if (leaves.length > 0) {
    if (md) lines.push('', '#### Changed');
    else lines.push('');
    for (const c of leaves) {
      const flag = c.incompatible ? (md ? ' ⚠️ incompatible' : '  [incompatible]') : '';
      const cause = c.cause ? ` ← ${c.cause.via.join('.')}: ${c.cause.kind} ${c.cause.name}` : '';
      if (md) lines.push(`- ${o.strong(o.code(typeLabel(c)))}${sizeText(c)}${cause}${flag}`);
      else lines.push(`~ ${typeLabel(c)}${sizeText(c)}${cause}${flag}`);
      detailLines(o, c, max);
    }
  }
  for (const status of ['removed', 'added'] as const) {
    const list = report.changes.filter((c) => c.status === status);
    if (list.length === 0) continue;
    if (md) lines.push('', `<details><summary>${num(list.length)} ${status}</summary>`, '');
    else lines.push('');
    for (const c of list) {
      const flag = c.incompatible && !md ? '  [incompatible]' : '';
      const what = c.fwd ? ' (declaration only)' : c.size ? ` (${plural(c.size[status === 'added' ? 1 : 0], 'byte')})` : '';
      if (md) lines.push(`- ${status === 'added' ? '+' : '−'} ${o.code(typeLabel(c))}${what}`);
      else lines.push(`${status === 'added' ? '+' : '-'} ${typeLabel(c)}${what}${flag}`);
    }
    if (md) lines.push('', '</details>');
  }
  return lines.join('\n') + '\n';
}
