/**
 * DWARF 4/5 `.debug_info` reader, one compilation unit at a time over the section bytes: no DIE
 * tree is built. A cursor walks a unit's DIEs in order; for each DIE it decodes only the attributes
 * the caller asked for (by slot) into typed arrays and skips every other attribute by its form.
 *
 * Every read is bounded by the unit's end; malformed input raises a BtfError naming the section
 * and the byte offset ('bad-dwarf' or 'truncated').
 */

import { fail } from '../wire/errors.js';
import { DW_AT, DW_FORM, DW_TAG, DW_UT } from './constants.js';
import type { DwarfSections } from './sections.js';

const utf8 = new TextDecoder('utf-8');

/** One unit header of .debug_info (DWARF 2-5, 32- or 64-bit), as the reader walks units in order. */
export interface UnitHeader {
  /** Offset of the unit header in .debug_info. */
  readonly offset: number;
  /** One past the unit's last byte. */
  readonly end: number;
  readonly version: number;
  readonly unitType: number;
  readonly addressSize: number;
  /** 4 (32-bit DWARF) or 8 (64-bit DWARF). */
  readonly offsetSize: number;
  readonly abbrevOffset: number;
  /** Offset of the first DIE. */
  readonly dieOffset: number;
}

/** Parsed abbreviation table: per code, the tag, children flag and attribute specs. */
export class AbbrevTable {
  /** Indexed by abbrev code: index into the per-abbrev columns, or -1. */
  readonly byCode: Int32Array;
  readonly tag: Int32Array;
  readonly children: Uint8Array;
  /** Specs of abbrev i are specStart[i] .. specStart[i+1]. */
  readonly specStart: Int32Array;
  readonly attr: Int32Array;
  readonly form: Int32Array;
  readonly implicit: Float64Array;
  /** Per spec, the caller's slot for the attribute (-1: skip). Filled by bindSlots. */
  readonly slot: Int32Array;
  /** Per abbrev, total bytes when every form has a fixed size and no attribute is wanted, else -1. */
  readonly fixedSkip: Int32Array;
  /**
   * Per spec, the bytes to step over when its attribute is not wanted and its form has a fixed
   * size, else -1 (decoded: wanted, or a LEB128, string or block form). Filled by bindSlots.
   */
  readonly skip: Int32Array;
  boundTo: SlotMap | undefined;
  private boundSizes = 0;

  constructor(bytes: Uint8Array, offset: number) {
    const codes: number[] = [];
    const tags: number[] = [];
    const kids: number[] = [];
    const starts: number[] = [];
    const attrs: number[] = [];
    const forms: number[] = [];
    const implicits: number[] = [];
    const c = { pos: offset };
    const where = (): { section: string; offset: number } => ({ section: '.debug_abbrev', offset: c.pos });
    let maxCode = 0;
    for (;;) {
      if (c.pos >= bytes.length) fail('truncated', 'abbreviation table runs past the end of .debug_abbrev', where());
      const code = uleb(bytes, c, bytes.length, '.debug_abbrev');
      if (code === 0) break;
      const tag = uleb(bytes, c, bytes.length, '.debug_abbrev');
      if (c.pos >= bytes.length) fail('truncated', 'abbreviation runs past the end of .debug_abbrev', where());
      const hasChildren = bytes[c.pos++]!;
      codes.push(code);
      tags.push(tag);
      kids.push(hasChildren ? 1 : 0);
      starts.push(attrs.length);
      if (code > maxCode) maxCode = code;
      for (;;) {
        const at = uleb(bytes, c, bytes.length, '.debug_abbrev');
        const form = uleb(bytes, c, bytes.length, '.debug_abbrev');
        if (at === 0 && form === 0) break;
        attrs.push(at);
        forms.push(form);
        implicits.push(form === DW_FORM.implicit_const ? sleb(bytes, c, bytes.length, '.debug_abbrev') : 0);
      }
    }
    if (maxCode > 16 * codes.length + 1024) fail('bad-dwarf', `abbreviation code ${maxCode} is absurdly sparse`, { section: '.debug_abbrev', offset });
    this.byCode = new Int32Array(maxCode + 1).fill(-1);
    for (let i = 0; i < codes.length; i++) this.byCode[codes[i]!] = i;
    this.tag = Int32Array.from(tags);
    this.children = Uint8Array.from(kids);
    starts.push(attrs.length);
    this.specStart = Int32Array.from(starts);
    this.attr = Int32Array.from(attrs);
    this.form = Int32Array.from(forms);
    this.implicit = Float64Array.from(implicits);
    this.slot = new Int32Array(attrs.length).fill(-1);
    this.skip = new Int32Array(attrs.length).fill(-1);
    this.fixedSkip = new Int32Array(codes.length).fill(-1);
  }

  /** Precompute attribute slots and fixed skips for one caller's slot map and unit shape. */
  bindSlots(map: SlotMap, addressSize: number, offsetSize: number): void {
    // Units of other address or offset sizes may share the table: their fixed sizes differ.
    if (this.boundTo === map && this.boundSizes === addressSize * 16 + offsetSize) return;
    this.boundTo = map;
    this.boundSizes = addressSize * 16 + offsetSize;
    for (let a = 0; a < this.tag.length; a++) {
      const wantTag = map.tagWanted(this.tag[a]!);
      let fixed = 0;
      for (let s = this.specStart[a]!; s < this.specStart[a + 1]!; s++) {
        const slot = wantTag ? map.slotOf(this.attr[s]!) : -1;
        this.slot[s] = slot;
        const size = fixedFormSize(this.form[s]!, addressSize, offsetSize);
        this.skip[s] = slot < 0 ? size : -1;
        if (slot >= 0 || size < 0 || fixed < 0) fixed = -1;
        else fixed += size;
      }
      this.fixedSkip[a] = fixed;
    }
  }
}

/** Which attributes a caller wants decoded (attribute code → slot) and for which tags. */
export class SlotMap {
  private readonly slots = new Map<number, number>();
  readonly count: number;
  private readonly tags: Set<number> | undefined;

  constructor(attrs: readonly number[], tags?: readonly number[]) {
    attrs.forEach((a, i) => this.slots.set(a, i));
    this.count = attrs.length;
    this.tags = tags ? new Set(tags) : undefined;
  }

  slotOf(attr: number): number {
    return this.slots.get(attr) ?? -1;
  }

  tagWanted(tag: number): boolean {
    return this.tags === undefined || this.tags.has(tag);
  }
}

function fixedFormSize(form: number, addressSize: number, offsetSize: number): number {
  switch (form) {
    case DW_FORM.flag_present:
    case DW_FORM.implicit_const:
      return 0;
    case DW_FORM.data1:
    case DW_FORM.ref1:
    case DW_FORM.flag:
    case DW_FORM.strx1:
    case DW_FORM.addrx1:
      return 1;
    case DW_FORM.data2:
    case DW_FORM.ref2:
    case DW_FORM.strx2:
    case DW_FORM.addrx2:
      return 2;
    case DW_FORM.strx3:
    case DW_FORM.addrx3:
      return 3;
    case DW_FORM.data4:
    case DW_FORM.ref4:
    case DW_FORM.strx4:
    case DW_FORM.addrx4:
    case DW_FORM.ref_sup4:
      return 4;
    case DW_FORM.data8:
    case DW_FORM.ref8:
    case DW_FORM.ref_sig8:
    case DW_FORM.ref_sup8:
      return 8;
    case DW_FORM.data16:
      return 16;
    case DW_FORM.addr:
      return addressSize;
    case DW_FORM.strp:
    case DW_FORM.line_strp:
    case DW_FORM.sec_offset:
    case DW_FORM.ref_addr:
    case DW_FORM.strp_sup:
    case DW_FORM.GNU_ref_alt:
    case DW_FORM.GNU_strp_alt:
      return offsetSize;
    default:
      return -1;
  }
}

/** A read position, advanced by uleb/sleb. */
export interface Cursor {
  pos: number;
}

/** An unsigned LEB128 number at c.pos (advanced past it). */
export function uleb(b: Uint8Array, c: Cursor, end: number, section: string): number {
  let result = 0;
  let mul = 1;
  let p = c.pos;
  for (;;) {
    if (p >= end) fail('truncated', 'LEB128 number runs past the end of its unit', { section, offset: p });
    const byte = b[p++]!;
    result += (byte & 0x7f) * mul;
    if (byte < 0x80) break;
    mul *= 128;
    if (mul > 2 ** 63) fail('bad-dwarf', 'LEB128 number longer than 64 bits', { section, offset: c.pos });
  }
  c.pos = p;
  return result;
}

/** A signed LEB128 number at c.pos (advanced past it). */
export function sleb(b: Uint8Array, c: Cursor, end: number, section: string): number {
  let result = 0;
  let mul = 1;
  let p = c.pos;
  let byte = 0;
  for (;;) {
    if (p >= end) fail('truncated', 'LEB128 number runs past the end of its unit', { section, offset: p });
    byte = b[p++]!;
    result += (byte & 0x7f) * mul;
    mul *= 128;
    if (byte < 0x80) break;
    if (mul > 2 ** 70) fail('bad-dwarf', 'LEB128 number longer than 64 bits', { section, offset: c.pos });
  }
  if (byte & 0x40) result -= mul;
  c.pos = p;
  return result;
}

/** Where a decoded attribute's value lives, by form class. */
// biome-ignore lint/suspicious/noConstEnum: tsc and esbuild (the CLI bundle) both inline it; it is read per attribute in the DIE walk
export const enum ValueClass {
  Absent = 0,
  /** Unsigned constant (data*, udata, flag, addr). `lo`/`hi` hold the 64 bits. */
  Unsigned,
  /** Signed constant (sdata, implicit_const). `lo`/`hi` hold the two's complement. */
  Signed,
  /** Reference to a DIE: `lo` is its .debug_info offset. */
  Ref,
  /** String: `lo` offset into .debug_str (Strp), .debug_line_str (LineStr) or .debug_info (Inline), or an index (Strx). */
  Strp,
  LineStr,
  Inline,
  Strx,
  /** Block or exprloc: `lo` offset in .debug_info, `hi` length. */
  Block,
  /** Offset into another section (sec_offset, loclistx/rnglistx index in `lo` with Index). */
  SecOffset,
  Index,
  /** addrx: `lo` index into .debug_addr. */
  Addrx,
}

/** The units of a .debug_info section and a reusable DIE cursor. */
export class DwarfInfo {
  readonly units: UnitHeader[] = [];
  private readonly abbrevs = new Map<number, AbbrevTable>();
  private readonly strCache = new Map<number, string>();
  private readonly lineStrCache = new Map<number, string>();

  constructor(readonly sections: DwarfSections) {
    const info = sections.info;
    const view = new DataView(info.buffer, info.byteOffset, info.byteLength);
    const le = sections.littleEndian;
    let pos = 0;
    const where = (offset: number): { section: string; offset: number; file?: string } => ({ section: '.debug_info', offset, ...(sections.file !== undefined ? { file: sections.file } : {}) });
    while (pos < info.length) {
      const start = pos;
      if (info.length - pos < 11) fail('truncated', 'unit header runs past the end of .debug_info', where(pos));
      let length = view.getUint32(pos, le);
      let offsetSize = 4;
      pos += 4;
      if (length === 0xffffffff) {
        if (info.length - pos < 8) fail('truncated', 'unit header runs past the end of .debug_info', where(pos));
        length = Number(view.getBigUint64(pos, le));
        offsetSize = 8;
        pos += 8;
      } else if (length >= 0xfffffff0) fail('bad-dwarf', `reserved unit length 0x${length.toString(16)}`, where(start));
      const end = pos + length;
      if (end > info.length) fail('truncated', `unit length ${length} runs past the end of .debug_info`, where(start));
      const version = view.getUint16(pos, le);
      pos += 2;
      let unitType: number = DW_UT.compile;
      let addressSize: number;
      let abbrevOffset: number;
      const readOff = (): number => {
        const v = offsetSize === 8 ? Number(view.getBigUint64(pos, le)) : view.getUint32(pos, le);
        pos += offsetSize;
        return v;
      };
      if (version === 5) {
        if (end - pos < 2 + offsetSize) fail('truncated', 'unit header is longer than its unit', where(start));
        unitType = info[pos]!;
        addressSize = info[pos + 1]!;
        pos += 2;
        abbrevOffset = readOff();
        if (unitType === DW_UT.skeleton || unitType === DW_UT.split_compile) pos += 8;
        else if (unitType === DW_UT.type || unitType === DW_UT.split_type) pos += 8 + offsetSize;
      } else if (version >= 2 && version <= 4) {
        if (end - pos < 1 + offsetSize) fail('truncated', 'unit header is longer than its unit', where(start));
        abbrevOffset = readOff();
        addressSize = info[pos]!;
        pos += 1;
      } else {
        fail('bad-dwarf', `unit version ${version} is not DWARF 2-5`, where(start + offsetSize));
      }
      if (addressSize !== 4 && addressSize !== 8 && addressSize !== 2) fail('bad-dwarf', `address size ${addressSize} (expected 2, 4 or 8)`, where(start));
      if (abbrevOffset >= sections.abbrev.length) fail('bad-dwarf', `abbreviation offset ${abbrevOffset} is past the end of .debug_abbrev`, where(start));
      if (pos > end) fail('truncated', 'unit header is longer than its unit', where(start));
      this.units.push({ offset: start, end, version, unitType, addressSize, offsetSize, abbrevOffset, dieOffset: pos });
      pos = end;
    }
  }

  abbrevTable(offset: number): AbbrevTable {
    let t = this.abbrevs.get(offset);
    if (!t) {
      t = new AbbrevTable(this.sections.abbrev, offset);
      this.abbrevs.set(offset, t);
    }
    return t;
  }

  /** NUL-terminated string at `offset` of .debug_str (cached: names repeat across units). */
  str(offset: number): string {
    return cachedString(this.strCache, this.sections.str, offset, '.debug_str');
  }

  lineStr(offset: number): string {
    return cachedString(this.lineStrCache, this.sections.lineStr, offset, '.debug_line_str');
  }

  /** NUL-terminated string at `offset` of .debug_info (DW_FORM_string). */
  infoString(offset: number): string {
    return cString(this.sections.info, offset, '.debug_info');
  }
}

function cachedString(cache: Map<number, string>, bytes: Uint8Array, offset: number, section: string): string {
  let s = cache.get(offset);
  if (s === undefined) {
    s = cString(bytes, offset, section);
    cache.set(offset, s);
  }
  return s;
}

function cString(bytes: Uint8Array, offset: number, section: string): string {
  if (offset >= bytes.length) fail('bad-dwarf', `string offset ${offset} is past the end of ${section}`, { section, offset });
  const end = bytes.indexOf(0, offset);
  if (end < 0) fail('bad-dwarf', `string at ${offset} has no terminating NUL`, { section, offset });
  // Most names are ASCII: build them without the TextDecoder call overhead.
  if (end - offset < 64) {
    let ascii = true;
    for (let i = offset; i < end; i++) if (bytes[i]! >= 0x80) ascii = false;
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(offset, end) as unknown as number[]);
  }
  return utf8.decode(bytes.subarray(offset, end));
}

/**
 * Walks the DIEs of one unit in order. After next() returns true: `tag`, `offset`, `depth` (of this
 * DIE; the unit DIE is 0), `hasChildren`, and for each wanted slot `cls`/`lo`/`hi` (valid when
 * `stamp[slot] === serial`).
 */
export class DieCursor {
  tag = 0;
  offset = 0;
  depth = 0;
  hasChildren = false;
  serial = 0;
  readonly stamp: Int32Array;
  readonly cls: Uint8Array;
  readonly lo: Float64Array;
  readonly hi: Uint32Array;
  unit!: UnitHeader;
  strOffsetsBase = 0;
  addrBase = 0;
  loclistsBase = 0;
  rnglistsBase = 0;
  private pos = 0;
  private end = 0;
  private nextDepth = 0;
  private table!: AbbrevTable;
  private readonly bytes: Uint8Array;
  private readonly le: boolean;
  private readonly view: DataView;
  private readonly c: Cursor = { pos: 0 };
  private readonly baseSlots: readonly number[];

  constructor(
    readonly dwarf: DwarfInfo,
    readonly slots: SlotMap,
  ) {
    this.bytes = dwarf.sections.info;
    this.le = dwarf.sections.littleEndian;
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.stamp = new Int32Array(slots.count).fill(-1);
    this.cls = new Uint8Array(slots.count);
    this.lo = new Float64Array(slots.count);
    this.hi = new Uint32Array(slots.count);
    this.baseSlots = [DW_AT.str_offsets_base, DW_AT.addr_base, DW_AT.loclists_base, DW_AT.rnglists_base].map((a) => slots.slotOf(a));
  }

  /** Position on the first DIE of `unit` (call next() to read it). */
  start(unit: UnitHeader): void {
    this.unit = unit;
    this.pos = unit.dieOffset;
    this.end = unit.end;
    this.nextDepth = 0;
    this.table = this.dwarf.abbrevTable(unit.abbrevOffset);
    this.table.bindSlots(this.slots, unit.addressSize, unit.offsetSize);
    // DWARF 5 defaults: the bases point just past the section headers (8 or 16 bytes).
    const hdr = unit.offsetSize === 8 ? 16 : 8;
    this.strOffsetsBase = hdr;
    this.addrBase = hdr;
    this.loclistsBase = hdr + 4;
    this.rnglistsBase = hdr + 4;
  }

  private bad(rule: string, offset = this.pos): never {
    const file = this.dwarf.sections.file;
    return fail('bad-dwarf', rule, { section: '.debug_info', offset, ...(file !== undefined ? { file } : {}) });
  }

  /** Read the next DIE; false at the end of the unit. Null entries only change depth. */
  next(): boolean {
    const b = this.bytes;
    const c = this.c;
    for (;;) {
      if (this.pos >= this.end) return false;
      const at = this.pos;
      let code: number = b[at]!;
      if (code < 0x80) this.pos = at + 1;
      else {
        c.pos = at;
        code = uleb(b, c, this.end, '.debug_info');
        this.pos = c.pos;
      }
      if (code === 0) {
        this.nextDepth--;
        if (this.nextDepth < 0) {
          // Padding after the unit DIE's children is allowed; stay at depth 0.
          this.nextDepth = 0;
        }
        continue;
      }
      const t = this.table;
      const a = code < t.byCode.length ? t.byCode[code]! : -1;
      if (a < 0) this.bad(`abbreviation code ${code} is not in the unit's table`, at);
      this.offset = at;
      this.tag = t.tag[a]!;
      this.depth = this.nextDepth;
      this.hasChildren = t.children[a] === 1;
      if (this.hasChildren) this.nextDepth++;
      const serial = ++this.serial;
      const fixed = t.fixedSkip[a]!;
      if (fixed >= 0) {
        this.pos += fixed;
        if (this.pos > this.end) this.bad('DIE runs past the end of its unit', at);
        return true;
      }
      this.readAttributes(a, serial, at);
      if (this.depth === 0) this.readBases(serial);
      return true;
    }
  }

  private readBases(serial: number): void {
    const [so, ab, ll, rl] = this.baseSlots;
    if (so !== undefined && so >= 0 && this.stamp[so] === serial) this.strOffsetsBase = this.lo[so]!;
    if (ab !== undefined && ab >= 0 && this.stamp[ab] === serial) this.addrBase = this.lo[ab]!;
    if (ll !== undefined && ll >= 0 && this.stamp[ll] === serial) this.loclistsBase = this.lo[ll]!;
    if (rl !== undefined && rl >= 0 && this.stamp[rl] === serial) this.rnglistsBase = this.lo[rl]!;
  }

  private readAttributes(a: number, serial: number, dieAt: number): void {
    const t = this.table;
    const b = this.bytes;
    const v = this.view;
    const le = this.le;
    const end = this.end;
    const c = this.c;
    const unit = this.unit;
    let pos = this.pos;
    const specEnd = t.specStart[a + 1]!;
    const skip = t.skip;
    for (let s = t.specStart[a]!; s < specEnd; s++) {
      // Most attributes of a wanted DIE (decl_file, decl_line, ...) are not wanted: step over.
      const size = skip[s]!;
      if (size >= 0) {
        pos += size;
        continue;
      }
      let form = t.form[s]!;
      const slot = t.slot[s]!;
      let cls: number = ValueClass.Unsigned;
      let lo = 0;
      let hi = 0;
      if (form === DW_FORM.indirect) {
        c.pos = pos;
        form = uleb(b, c, end, '.debug_info');
        pos = c.pos;
      }
      switch (form) {
        case DW_FORM.data1:
        case DW_FORM.flag:
          lo = b[pos]!;
          pos += 1;
          break;
        case DW_FORM.ref1:
          lo = unit.offset + b[pos]!;
          cls = ValueClass.Ref;
          pos += 1;
          break;
        case DW_FORM.data2:
          if (pos + 2 <= end) lo = v.getUint16(pos, le);
          pos += 2;
          break;
        case DW_FORM.ref2:
          if (pos + 2 <= end) lo = unit.offset + v.getUint16(pos, le);
          cls = ValueClass.Ref;
          pos += 2;
          break;
        case DW_FORM.data4:
          if (pos + 4 <= end) lo = v.getUint32(pos, le);
          pos += 4;
          break;
        case DW_FORM.ref4:
          if (pos + 4 <= end) lo = unit.offset + v.getUint32(pos, le);
          cls = ValueClass.Ref;
          pos += 4;
          break;
        case DW_FORM.data8:
          if (pos + 8 <= end) {
            lo = v.getUint32(pos + (le ? 0 : 4), le);
            hi = v.getUint32(pos + (le ? 4 : 0), le);
          }
          pos += 8;
          break;
        case DW_FORM.ref8:
          if (pos + 8 <= end) lo = unit.offset + Number(v.getBigUint64(pos, le));
          cls = ValueClass.Ref;
          pos += 8;
          break;
        case DW_FORM.ref_udata:
          c.pos = pos;
          lo = unit.offset + uleb(b, c, end, '.debug_info');
          pos = c.pos;
          cls = ValueClass.Ref;
          break;
        case DW_FORM.ref_addr:
        case DW_FORM.GNU_ref_alt:
          if (pos + unit.offsetSize <= end) lo = unit.offsetSize === 8 ? Number(v.getBigUint64(pos, le)) : v.getUint32(pos, le);
          // DWARF 2 used an address-sized ref_addr.
          pos += unit.version === 2 ? unit.addressSize : unit.offsetSize;
          cls = form === DW_FORM.ref_addr ? ValueClass.Ref : ValueClass.Unsigned;
          break;
        case DW_FORM.udata:
          c.pos = pos;
          lo = uleb(b, c, end, '.debug_info');
          pos = c.pos;
          if (lo > 0xffffffff) {
            hi = Math.floor(lo / 0x100000000);
            lo = lo - hi * 0x100000000;
          }
          break;
        case DW_FORM.sdata: {
          c.pos = pos;
          const n = sleb(b, c, end, '.debug_info');
          pos = c.pos;
          cls = ValueClass.Signed;
          lo = lowWord(n);
          hi = highWord(n);
          break;
        }
        case DW_FORM.implicit_const: {
          cls = ValueClass.Signed;
          const n = t.implicit[s]!;
          lo = lowWord(n);
          hi = highWord(n);
          break;
        }
        case DW_FORM.flag_present:
          lo = 1;
          break;
        case DW_FORM.addr:
          if (pos + unit.addressSize <= end) {
            if (unit.addressSize === 8) {
              lo = v.getUint32(pos + (le ? 0 : 4), le);
              hi = v.getUint32(pos + (le ? 4 : 0), le);
            } else if (unit.addressSize === 4) lo = v.getUint32(pos, le);
            else lo = v.getUint16(pos, le);
          }
          pos += unit.addressSize;
          break;
        case DW_FORM.strp:
        case DW_FORM.line_strp:
        case DW_FORM.sec_offset:
        case DW_FORM.strp_sup:
        case DW_FORM.GNU_strp_alt:
          if (pos + unit.offsetSize <= end) lo = unit.offsetSize === 8 ? Number(v.getBigUint64(pos, le)) : v.getUint32(pos, le);
          pos += unit.offsetSize;
          cls = form === DW_FORM.strp ? ValueClass.Strp : form === DW_FORM.line_strp ? ValueClass.LineStr : form === DW_FORM.sec_offset ? ValueClass.SecOffset : ValueClass.Unsigned;
          break;
        case DW_FORM.string: {
          const z = b.indexOf(0, pos);
          if (z < 0 || z >= end) this.bad('inline string runs past the end of its unit', pos);
          lo = pos;
          cls = ValueClass.Inline;
          pos = z + 1;
          break;
        }
        // Indexes into .debug_str_offsets, .debug_addr or the list tables.
        case DW_FORM.strx:
        case DW_FORM.GNU_str_index:
        case DW_FORM.addrx:
        case DW_FORM.GNU_addr_index:
        case DW_FORM.loclistx:
        case DW_FORM.rnglistx:
          c.pos = pos;
          lo = uleb(b, c, end, '.debug_info');
          pos = c.pos;
          cls = form === DW_FORM.strx || form === DW_FORM.GNU_str_index ? ValueClass.Strx : form === DW_FORM.addrx || form === DW_FORM.GNU_addr_index ? ValueClass.Addrx : ValueClass.Index;
          break;
        case DW_FORM.strx1:
        case DW_FORM.strx2:
        case DW_FORM.strx3:
        case DW_FORM.strx4:
        case DW_FORM.addrx1:
        case DW_FORM.addrx2:
        case DW_FORM.addrx3:
        case DW_FORM.addrx4: {
          const isStr = form <= DW_FORM.strx4;
          const n = form - (isStr ? DW_FORM.strx1 : DW_FORM.addrx1) + 1;
          lo = readUnsignedN(b, pos, n, le);
          pos += n;
          cls = isStr ? ValueClass.Strx : ValueClass.Addrx;
          break;
        }
        case DW_FORM.exprloc:
        case DW_FORM.block: {
          c.pos = pos;
          const len = uleb(b, c, end, '.debug_info');
          lo = c.pos;
          hi = len;
          pos = c.pos + len;
          cls = ValueClass.Block;
          break;
        }
        case DW_FORM.block1: {
          const len = b[pos] ?? 0;
          lo = pos + 1;
          hi = len;
          pos += 1 + len;
          cls = ValueClass.Block;
          break;
        }
        case DW_FORM.block2: {
          const len = pos + 2 <= end ? v.getUint16(pos, le) : 0;
          lo = pos + 2;
          hi = len;
          pos += 2 + len;
          cls = ValueClass.Block;
          break;
        }
        case DW_FORM.block4: {
          const len = pos + 4 <= end ? v.getUint32(pos, le) : 0;
          lo = pos + 4;
          hi = len;
          pos += 4 + len;
          cls = ValueClass.Block;
          break;
        }
        case DW_FORM.data16:
          lo = pos;
          hi = 16;
          cls = ValueClass.Block;
          pos += 16;
          break;
        case DW_FORM.ref_sig8:
        case DW_FORM.ref_sup8:
          pos += 8;
          cls = ValueClass.Absent;
          break;
        case DW_FORM.ref_sup4:
          pos += 4;
          cls = ValueClass.Absent;
          break;
        default:
          this.bad(`unknown attribute form 0x${form.toString(16)} (attribute 0x${t.attr[s]!.toString(16)})`, dieAt);
      }
      if (pos > end) this.bad('DIE runs past the end of its unit', dieAt);
      if (slot >= 0 && cls !== ValueClass.Absent) {
        this.stamp[slot] = serial;
        this.cls[slot] = cls;
        this.lo[slot] = lo;
        this.hi[slot] = hi;
      }
    }
    if (pos > end) this.bad('DIE runs past the end of its unit', dieAt);
    this.pos = pos;
  }

  has(slot: number): boolean {
    return slot >= 0 && this.stamp[slot] === this.serial;
  }

  /** Unsigned value of a constant attribute (loses bits above 2^53: sizes and offsets only). */
  num(slot: number): number {
    const hi = this.hi[slot]!;
    if (this.cls[slot] === ValueClass.Signed && hi >= 0x80000000) return (hi - 0x100000000) * 0x100000000 + this.lo[slot]!;
    return hi * 0x100000000 + this.lo[slot]!;
  }

  /** The 64 bits of a constant attribute, as a signed or unsigned bigint. */
  big(slot: number, signed: boolean): bigint {
    const v = (BigInt(this.hi[slot]!) << 32n) | BigInt(this.lo[slot]!);
    return signed ? BigInt.asIntN(64, v) : v;
  }

  /** The string of a name-like attribute, or '' when absent. */
  string(slot: number): string {
    if (!this.has(slot)) return '';
    const off = this.lo[slot]!;
    switch (this.cls[slot] as ValueClass) {
      case ValueClass.Strp:
        return this.dwarf.str(off);
      case ValueClass.LineStr:
        return this.dwarf.lineStr(off);
      case ValueClass.Inline:
        return cString(this.bytes, off, '.debug_info');
      case ValueClass.Strx:
        return this.dwarf.str(this.strxOffset(off));
      default:
        return '';
    }
  }

  /** A key that is equal for equal strings of the same section (used to cache interned names). */
  stringKey(slot: number): number {
    const cls = this.cls[slot] as ValueClass;
    if (cls === ValueClass.Strp) return this.lo[slot]!;
    if (cls === ValueClass.Strx) return this.strxOffset(this.lo[slot]!);
    return -1;
  }

  /**
   * A number equal exactly for equal short inline strings (DW_FORM_string of at most 6 bytes,
   * which gcc uses for names shorter than a string offset), or -1: lets callers cache such
   * names without decoding them.
   */
  inlineStringKey(slot: number): number {
    if (this.cls[slot] !== ValueClass.Inline) return -1;
    const b = this.bytes;
    let key = 0;
    let mul = 1;
    for (let i = this.lo[slot]!; ; i++) {
      const c = b[i]!;
      if (c === 0) return key + mul; // the final multiplier encodes the length
      if (mul === 2 ** 48) return -1;
      key += c * mul;
      mul *= 256;
    }
  }

  private strxOffset(index: number): number {
    const so = this.dwarf.sections.strOffsets;
    const size = this.unit.offsetSize;
    const at = this.strOffsetsBase + index * size;
    if (at + size > so.length) this.bad(`string index ${index} is past the end of .debug_str_offsets`, this.offset);
    const dv = new DataView(so.buffer, so.byteOffset, so.byteLength);
    return size === 8 ? Number(dv.getBigUint64(at, this.le)) : dv.getUint32(at, this.le);
  }

  /** Address at index `index` of .debug_addr (for addrx forms and DW_OP_addrx). */
  addrx(index: number): bigint {
    const sec = this.dwarf.sections.addr;
    const size = this.unit.addressSize;
    const at = this.addrBase + index * size;
    if (at + size > sec.length) this.bad(`address index ${index} is past the end of .debug_addr`, this.offset);
    const dv = new DataView(sec.buffer, sec.byteOffset, sec.byteLength);
    return size === 8 ? dv.getBigUint64(at, this.le) : BigInt(dv.getUint32(at, this.le));
  }

  /** An address attribute (addr or addrx forms). */
  address(slot: number): bigint {
    if (this.cls[slot] === ValueClass.Addrx) return this.addrx(this.lo[slot]!);
    return this.big(slot, false);
  }

  /** Bytes of a block/exprloc attribute. */
  block(slot: number): Uint8Array {
    const lo = this.lo[slot]!;
    return this.bytes.subarray(lo, lo + this.hi[slot]!);
  }
}

/**
 * The low and high 32 bits of the 64-bit two's complement of an integer-valued number (exact:
 * ToUint32 is arithmetic modulo 2^32, and dividing by 2^32 rounds nothing). No BigInt per value.
 */
function lowWord(n: number): number {
  return n >>> 0;
}

function highWord(n: number): number {
  return Math.floor(n / 0x100000000) >>> 0;
}

function readUnsignedN(b: Uint8Array, pos: number, n: number, le: boolean): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const byte = b[pos + (le ? i : n - 1 - i)] ?? 0;
    v += byte * 2 ** (8 * i);
  }
  return v;
}

export const UNIT_TAGS: readonly number[] = [DW_TAG.compile_unit, DW_TAG.partial_unit, DW_TAG.skeleton_unit];
