/**
 * Where a function's parameters arrive, for pahole's "unexpected register" rule (the
 * `consistent_func` / `optimized_func` features): a BPF trampoline reads argument N from the
 * N-th argument register of the calling convention, so a function whose optimized code keeps
 * a parameter elsewhere on entry cannot be traced by its prototype and is left out of BTF.
 *
 * pahole (1.29–1.30) looks at the DW_AT_location of each of the first N parameters (N = the
 * architecture's argument registers) and takes as the parameter's register:
 *  - DW_OP_regX (optionally followed by DW_OP_stack_value) when it is the FIRST location of
 *    the list, or
 *  - the single operation inside DW_OP_entry_value / DW_OP_GNU_entry_value, at any location;
 * stopping at the first one that is the expected register. Expressions of more than one
 * operation are passed over. A parameter whose register so found is not the expected one is
 * "unexpected"; one with no register found is merely optimized (kept).
 */

import { type DieCursor, sleb, uleb, ValueClass } from '../../dwarf/reader.js';
import { fail } from '../../wire/errors.js';
import type { FeatureSet } from './features.js';

const DW_OP_REG0 = 0x50;
const DW_OP_REG31 = 0x6f;
const DW_OP_BREG0 = 0x70;
const DW_OP_BREG31 = 0x8f;
const DW_OP_REGX = 0x90;
const DW_OP_FBREG = 0x91;
const DW_OP_BREGX = 0x92;
const DW_OP_STACK_VALUE = 0x9f;
const DW_OP_ENTRY_VALUE = 0xa3;
const DW_OP_GNU_ENTRY_VALUE = 0xf3;

/** e_machine → DW_OP_reg of each argument register, in argument order (pahole's table). */
const ARGUMENT_REGISTERS: Record<number, readonly number[]> = {
  62: [5, 4, 1, 2, 8, 9].map((r) => DW_OP_REG0 + r), // x86-64: rdi rsi rdx rcx r8 r9
  183: [0, 1, 2, 3, 4, 5, 6, 7].map((r) => DW_OP_REG0 + r), // aarch64: x0-x7
  40: [0, 1, 2, 3, 4, 5, 6, 7].map((r) => DW_OP_REG0 + r), // arm: as aarch64 in pahole's table
  22: [2, 3, 4, 5, 6].map((r) => DW_OP_REG0 + r), // s390x: r2-r6
};

/** The argument registers (as DW_OP_regN opcodes) of an ELF machine; empty: no check (as pahole). */
export function argumentRegisters(machine: number): readonly number[] {
  return ARGUMENT_REGISTERS[machine] ?? [];
}

const SECTION_LOCLISTS = '.debug_loclists';
const SECTION_LOC = '.debug_loc';

/**
 * The register pahole reads for the location attribute in `slot` of the cursor's current
 * DIE (see the file comment): a DW_OP_regN / DW_OP_bregN... opcode, or -1 when none.
 */
export function parameterRegister(cur: DieCursor, slot: number, expected: number): number {
  const cls = cur.cls[slot];
  if (cls === ValueClass.Block) return scan([cur.block(slot)], expected, '.debug_info');
  const sections = cur.dwarf.sections;
  const unit = cur.unit;
  if (unit.version >= 5) {
    const lists = sections.loclists;
    let offset: number;
    if (cls === ValueClass.Index) {
      // loclistx: an index into the offsets table at DW_AT_loclists_base.
      const at = cur.loclistsBase + cur.lo[slot]! * unit.offsetSize;
      offset = cur.loclistsBase + readOffset(lists, at, unit.offsetSize, sections.littleEndian, SECTION_LOCLISTS, sections.file);
    } else offset = cur.lo[slot]!;
    return scan(loclistExpressions(lists, offset, unit.addressSize, sections.file), expected, SECTION_LOCLISTS);
  }
  return scan(locExpressions(sections.loc, cur.lo[slot]!, unit.addressSize, sections.littleEndian, sections.file), expected, SECTION_LOC);
}

/** `section`: where the expressions are, for errors (offsets are then within the expression). */
function scan(expressions: Iterable<Uint8Array>, expected: number, section: string): number {
  let found = -1;
  let index = -1;
  for (const expr of expressions) {
    index++;
    if (singleOperation(expr, section) < 0) continue;
    const op = expr[0]!;
    if (op >= DW_OP_REG0 && op <= DW_OP_REG31) {
      if (index !== 0) continue;
      found = op;
      if (op === expected) return op;
    } else if (op === DW_OP_ENTRY_VALUE || op === DW_OP_GNU_ENTRY_VALUE) {
      const c = { pos: 1 };
      const n = uleb(expr, c, expr.length, section);
      const inner = expr.subarray(c.pos, c.pos + n);
      if (inner.length === n && singleOperation(inner, section) === inner.length) {
        found = inner[0]!;
        if (found === expected) return found;
      }
    }
  }
  return found;
}

/**
 * The length of the first operation of `expr` when the expression is that one operation
 * (a trailing DW_OP_stack_value aside), else -1. Only the operations the register rule can
 * use are decoded; any other is "not a single register operation".
 */
function singleOperation(expr: Uint8Array, section: string): number {
  if (expr.length === 0) return -1;
  const op = expr[0]!;
  const c = { pos: 1 };
  const end = expr.length;
  if (op >= DW_OP_REG0 && op <= DW_OP_REG31) {
    // no operand
  } else if ((op >= DW_OP_BREG0 && op <= DW_OP_BREG31) || op === DW_OP_FBREG) sleb(expr, c, end, section);
  else if (op === DW_OP_REGX) uleb(expr, c, end, section);
  else if (op === DW_OP_BREGX) {
    uleb(expr, c, end, section);
    sleb(expr, c, end, section);
  } else if (op === DW_OP_ENTRY_VALUE || op === DW_OP_GNU_ENTRY_VALUE) {
    const n = uleb(expr, c, end, section);
    c.pos += n;
  } else return -1;
  if (c.pos === end) return c.pos;
  if (c.pos === end - 1 && expr[c.pos] === DW_OP_STACK_VALUE) return c.pos;
  return -1;
}

function readOffset(b: Uint8Array, at: number, size: number, le: boolean, section: string, file: string | undefined): number {
  if (at < 0 || at + size > b.length) bad(section, at, `offset entry runs past the end of ${section}`, file);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return size === 8 ? Number(v.getBigUint64(at, le)) : v.getUint32(at, le);
}

function bad(section: string, offset: number, rule: string, file: string | undefined): never {
  return fail('bad-dwarf', rule, { section, offset, ...(file !== undefined ? { file } : {}) });
}

// DWARF 5 location list entry kinds (DW_LLE_*), and GNU's view pair.
const LLE_END = 0;
const LLE_BASE_ADDRESSX = 1;
const LLE_STARTX_ENDX = 2;
const LLE_STARTX_LENGTH = 3;
const LLE_OFFSET_PAIR = 4;
const LLE_DEFAULT_LOCATION = 5;
const LLE_BASE_ADDRESS = 6;
const LLE_START_END = 7;
const LLE_START_LENGTH = 8;
const LLE_GNU_VIEW_PAIR = 9;

/** The expressions of a DWARF 5 location list, in order (base-address entries skipped). */
function* loclistExpressions(b: Uint8Array, offset: number, addressSize: number, file: string | undefined): Generator<Uint8Array> {
  const end = b.length;
  const c = { pos: offset };
  const need = (n: number): void => {
    if (c.pos + n > end) bad(SECTION_LOCLISTS, c.pos, 'location list runs past the end of the section', file);
  };
  for (let guard = 0; guard < 1 << 20; guard++) {
    need(1);
    const kind = b[c.pos++]!;
    switch (kind) {
      case LLE_END:
        return;
      case LLE_BASE_ADDRESSX:
        uleb(b, c, end, SECTION_LOCLISTS);
        continue;
      case LLE_BASE_ADDRESS:
        need(addressSize);
        c.pos += addressSize;
        continue;
      case LLE_GNU_VIEW_PAIR:
        uleb(b, c, end, SECTION_LOCLISTS);
        uleb(b, c, end, SECTION_LOCLISTS);
        continue;
      case LLE_STARTX_ENDX:
      case LLE_STARTX_LENGTH:
      case LLE_OFFSET_PAIR:
        uleb(b, c, end, SECTION_LOCLISTS);
        uleb(b, c, end, SECTION_LOCLISTS);
        break;
      case LLE_DEFAULT_LOCATION:
        break;
      case LLE_START_END:
        need(2 * addressSize);
        c.pos += 2 * addressSize;
        break;
      case LLE_START_LENGTH:
        need(addressSize);
        c.pos += addressSize;
        uleb(b, c, end, SECTION_LOCLISTS);
        break;
      default:
        bad(SECTION_LOCLISTS, c.pos - 1, `unknown location list entry kind ${kind}`, file);
    }
    const n = uleb(b, c, end, SECTION_LOCLISTS);
    need(n);
    yield b.subarray(c.pos, c.pos + n);
    c.pos += n;
  }
  bad(SECTION_LOCLISTS, offset, 'location list has no end', file);
}

/** The expressions of a DWARF 2–4 .debug_loc list, in order (base address selections skipped). */
function* locExpressions(b: Uint8Array, offset: number, addressSize: number, le: boolean, file: string | undefined): Generator<Uint8Array> {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const read = (at: number): bigint => (addressSize === 8 ? v.getBigUint64(at, le) : BigInt(v.getUint32(at, le)));
  const max = addressSize === 8 ? 0xffffffffffffffffn : 0xffffffffn;
  let pos = offset;
  for (let guard = 0; guard < 1 << 20; guard++) {
    if (pos + 2 * addressSize > b.length) bad(SECTION_LOC, pos, 'location list runs past the end of the section', file);
    const start = read(pos);
    const stop = read(pos + addressSize);
    pos += 2 * addressSize;
    if (start === 0n && stop === 0n) return;
    if (start === max) continue;
    if (pos + 2 > b.length) bad(SECTION_LOC, pos, 'location list runs past the end of the section', file);
    const n = v.getUint16(pos, le);
    pos += 2;
    if (pos + n > b.length) bad(SECTION_LOC, pos, 'location expression runs past the end of the section', file);
    yield b.subarray(pos, pos + n);
    pos += n;
  }
  bad(SECTION_LOC, offset, 'location list has no end', file);
}

/**
 * What an encoder with `features` reads beyond types: parameters' locations (the location
 * lists and the machine's argument registers) are needed by `consistent_func` only, which is
 * where pahole applies the register rule.
 */
export function parameterLocationInputs(machine: number, features: FeatureSet): { readonly lists: boolean; readonly registers: readonly number[] } {
  if (!features.has('consistent_func')) return { lists: false, registers: [] };
  const registers = argumentRegisters(machine);
  return { lists: registers.length > 0, registers };
}
