/**
 * "Why does this module's BTF not load on that kernel?" in terms of what changed in vmlinux:
 * each unmapped distilled base type is followed down the ABI diff of the vmlinux the module
 * was built against → the kernel's, to the leaf change that made it differ, e.g.
 * `i2c_adapter 1,056 → 1,064 bytes ← member dev: struct device 744 → 752 ← member 'flags' added at offset 744`.
 * A plain split module built against another vmlinux build is explained first by the shifted
 * base (type count, string bytes), which is what actually breaks it.
 */

import type { Btf } from '../wire/btf.js';
import { forEachTypeIdWord } from '../wire/fields.js';
import { isAnyEnum, isComposite, isModifierKernel, Kind } from '../wire/kinds.js';
import { diffBtf } from './abi-diff.js';
import type { AbiDiffReport, AbiMemberChange, AbiTypeChange } from './abi-diff-types.js';
import { formatBitOffset, groupDigits } from './abi-diff-format.js';
import type { RelocationDiagnosis, RelocationProblem } from './relocate-diagnosis.js';

/** Why a distilled base type did not map: the vmlinux change it comes down to. */
export interface ModuleRootCause {
  /** The distilled base type that did not map, e.g. `struct i2c_adapter`. */
  readonly type: string;
  /** The vmlinux type whose own change is the reason (the leaf), e.g. `struct device`. */
  readonly leaf: string;
  /** The leaf's change in one line (what failures are grouped by). */
  readonly summary: string;
  /** From the unmapped type down to the leaf's own change. */
  readonly chain: string;
}


const diffs = new WeakMap<Btf, WeakMap<Btf, AbiDiffReport>>();

/** The ABI diff old → new, computed once per pair of bases (many modules share them). */
export function baseDiff(old: Btf, kernel: Btf): AbiDiffReport {
  let m = diffs.get(old);
  if (!m) diffs.set(old, (m = new WeakMap()));
  let d = m.get(kernel);
  if (!d) m.set(kernel, (d = diffBtf(old, kernel, { labelA: 'built against', labelB: 'kernel' })));
  return d;
}

const indexes = new WeakMap<AbiDiffReport, Map<string, AbiTypeChange>>();

function indexOf(report: AbiDiffReport): Map<string, AbiTypeChange> {
  let idx = indexes.get(report);
  if (!idx) {
    idx = new Map();
    for (const c of report.changes) if (!idx.has(`${c.kind} ${c.name}`)) idx.set(`${c.kind} ${c.name}`, c);
    indexes.set(report, idx);
  }
  return idx;
}

function sizeText(c: AbiTypeChange): string {
  return c.size && c.size[0] !== c.size[1] ? ` ${groupDigits(c.size[0])} → ${groupDigits(c.size[1])}` : '';
}

/** A member by name, looking through anonymous members (as a C access would). */
function memberNamed(list: readonly AbiMemberChange[] | undefined, name: string): AbiMemberChange | undefined {
  for (const m of list ?? []) {
    if (m.name === name) return m;
    const inner = memberNamed(m.members, name);
    if (inner) return inner;
  }
  return undefined;
}

/** `struct device[2]` → `struct device`: the type a member embeds. */
function embeddedKey(cType: string): string {
  return cType.replace(/(\[\d*\])+$/, '').replace(/^(const |volatile )+/, '');
}

/** The leaf's own change, in words: its first member changes (moves left out). */
function ownChange(c: AbiTypeChange): string {
  if (c.status === 'removed') return `${c.kind} ${c.name} was removed`;
  if (c.kind_change) return `kind ${c.kind_change[0]} → ${c.kind_change[1]}`;
  const parts: string[] = [];
  for (const m of c.members ?? []) {
    const onlyMoved = m.status === 'changed' && m.changed?.every((x) => x === 'offset');
    if (onlyMoved) continue;
    const label = m.name !== '' ? `'${m.name}'` : `#${m.index} (anonymous)`;
    if (m.status === 'added') parts.push(`member ${label} added at offset ${formatBitOffset(m.b!.offset_bits)}`);
    else if (m.status === 'removed') parts.push(`member ${label} removed (was at ${formatBitOffset(m.a!.offset_bits)})`);
    else if (m.status === 'renamed') parts.push(`member '${m.old_name}' renamed to '${m.name}'`);
    else if (m.changed?.includes('type') && !m.members) parts.push(`member ${label}: ${m.a!.type} → ${m.b!.type}`);
    else if (m.changed?.includes('bitfield_size')) parts.push(`member ${label}: bitfield :${m.a!.bitfield_size} → :${m.b!.bitfield_size}`);
    else parts.push(`member ${label} changed`);
  }
  for (const e of c.enumerators ?? []) parts.push(`enumerator ${e.name} ${e.status}`);
  if (c.type) parts.push(`${c.type[0]} → ${c.type[1]}`);
  if (parts.length === 0) return c.size && c.size[0] !== c.size[1] ? 'no member changed (padding or alignment)' : 'changed';
  return parts.length > 3 ? `${parts.slice(0, 3).join(', ')}, … (+${parts.length - 3})` : parts.join(', ');
}

/**
 * Explain why `kind name` (a type the module borrows from the vmlinux it was built against)
 * differs in the kernel: the chain down to the leaf change.
 */
export function explainBaseType(report: AbiDiffReport, kind: string, name: string): ModuleRootCause {
  const idx = indexOf(report);
  const type = `${kind} ${name}`;
  const c = idx.get(type);
  if (!c) {
    return { type, leaf: type, summary: `${type}: no ABI change between the two vmlinux builds`, chain: `${type}: unchanged between the vmlinux it was built against and this kernel (was it built against that vmlinux?)` };
  }
  const parts = [`${c.name}${sizeText(c)}`];
  let cur = c;
  for (const step of c.cause?.via ?? []) {
    const m = memberNamed(cur.members, step);
    if (!m?.a || !m.b) break;
    parts.push(`member ${step}: ${m.b.type} ${groupDigits(m.a.size)} → ${groupDigits(m.b.size)}`);
    const next = idx.get(embeddedKey(m.b.type));
    if (!next) break;
    cur = next;
  }
  const leaf = `${cur.kind} ${cur.name}`;
  const own = ownChange(cur);
  parts.push(own);
  return { type, leaf, summary: `${leaf}${sizeText(cur)}: ${own}`, chain: parts.join(' ← ') };
}

function reportKind(p: RelocationProblem): string {
  switch (p.kind) {
    case 'UNION':
      return 'union';
    case 'ENUM':
    case 'ENUM64':
      return 'enum';
    case 'INT':
      return 'int';
    case 'FLOAT':
      return 'float';
    default:
      return 'struct';
  }
}

/** Every unmapped distilled type of a failed relocation, explained down to its leaf change. */
export function explainRelocation(diag: RelocationDiagnosis, report: AbiDiffReport): ModuleRootCause[] {
  const idx = indexOf(report);
  return diag.problems.map((p) => {
    const kind = reportKind(p);
    // A FWD in the distilled base may stand for a struct or a union.
    const k = p.kind === 'FWD' && !idx.has(`struct ${p.name}`) && idx.has(`union ${p.name}`) ? 'union' : kind;
    return explainBaseType(report, k, p.name);
  });
}

/**
 * Split BTF refers to its base by type id and string offset: built against a base with other
 * counts, every borrowed id and name points elsewhere. The sentence a module builder needs,
 * or undefined when the counts agree.
 */
export function baseMismatch(builtAgainst: Btf, kernel: Btf): string | undefined {
  const strA = builtAgainst.startStrOff + builtAgainst.strings.length;
  const strK = kernel.startStrOff + kernel.strings.length;
  const typesA = builtAgainst.nextId - 1;
  const typesK = kernel.nextId - 1;
  if (typesA === typesK && strA === strK) return undefined;
  return `built against a vmlinux with ${groupDigits(typesA)} types / ${groupDigits(strA)} string bytes; this kernel's has ${groupDigits(typesK)} / ${groupDigits(strK)}: every type id and name the module borrows from vmlinux is shifted`;
}

/**
 * The vmlinux types a module's own types refer to (through typedefs, modifiers, arrays and
 * pointers), as `kind name` keys of the ABI diff report: the types whose changes matter to it.
 */
export function usedBaseTypes(module: Btf): Set<string> {
  const base = module.base;
  const used = new Set<string>();
  if (!base) return used;
  const seen = new Uint8Array(module.startId);
  const visit = (start: number): void => {
    let id = start;
    for (let depth = 0; depth < 64 && id !== 0 && id < module.startId && !seen[id]; depth++) {
      seen[id] = 1;
      const k = base.kind(id);
      const named = base.nameOff(id) !== 0;
      if (named && (isComposite(k) || isAnyEnum(k) || k === Kind.TYPEDEF || k === Kind.FWD)) {
        const kind = k === Kind.UNION || (k === Kind.FWD && base.kflag(id)) ? 'union' : k === Kind.STRUCT || k === Kind.FWD ? 'struct' : k === Kind.TYPEDEF ? 'typedef' : 'enum';
        used.add(`${kind} ${base.name(id)}`);
      }
      if (k === Kind.ARRAY) id = base.word(id, 3);
      else if (k === Kind.PTR || isModifierKernel(k)) id = base.sizeOrType(id);
      else return;
    }
  };
  for (let id = module.startId; id < module.nextId; id++) {
    const { words, offset } = module.record(id);
    const shape = module.shapeOf(id);
    if (shape.fromLayout) continue;
    forEachTypeIdWord(words, offset, shape, (w) => visit(words[w]!));
  }
  return used;
}
