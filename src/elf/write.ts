/**
 * ELF rewriting: replace the contents of some sections and append new ones, leaving every other
 * section's bytes, order and index as they were (so sh_link/sh_info of relocation sections, symbol
 * st_shndx values and section groups stay valid).
 *
 * Relocatable objects (ET_REL, e.g. BPF objects and .ko modules) get a fresh layout: ELF header,
 * then each section's data at the next offset aligned to its sh_addralign, in original file order,
 * then the section header table. Their section addresses are not tied to file offsets, so moving
 * data is safe.
 *
 * Everything else (ET_EXEC, ET_DYN, ET_CORE, or anything with program headers) keeps the file up
 * to the end of the last segment or allocated section byte for byte, because segments map those
 * bytes by file offset. Only non-allocated sections can move (to the tail). An allocated section
 * may be replaced only in place, by data no longer than the old contents.
 */

import { fail } from '../wire/errors.js';
import {
  ET_REL,
  SHF_ALLOC,
  SHN_LORESERVE,
  SHN_XINDEX,
  SHT_NOBITS,
  SHT_NULL,
  SHT_PROGBITS,
  type ElfFile,
  type ElfLayout,
  type ElfSection,
} from './elf.js';

/** A section `rewriteElf` appends. */
export interface ElfSectionAddition {
  /** Name of the new section; must not already exist. */
  name: string;
  data: Uint8Array;
  /** sh_type; SHT_PROGBITS when omitted. */
  type?: number | undefined;
  /** sh_addralign, a power of two; 1 when omitted (what objcopy --add-section uses). */
  align?: number | undefined;
}

/** What `rewriteElf` changes: sections replaced and sections added. */
export interface ElfChanges {
  /** New contents for existing sections, by name. Each name must match exactly one section. */
  replace?: Readonly<Record<string, Uint8Array>> | undefined;
  /** Sections to append (non-allocated, after all existing sections, in this order). */
  add?: readonly ElfSectionAddition[] | undefined;
}

/** Padding beyond the input size that alignment alone may add before we call the layout absurd. */
const MAX_ALIGNMENT_SLACK = 64 * 1024 * 1024;

const utf8 = new TextEncoder();

/** Produce a new ELF image with the given sections replaced and added. The input is not modified. */
export function rewriteElf(file: ElfFile, changes: ElfChanges = {}): Uint8Array {
  const L = file.layout;
  const le = file.endian === 'little';
  const sections = file.sections;

  const newData = resolveReplacements(file, changes.replace ?? {});
  const additions = resolveAdditions(file, changes.add ?? [], newData);

  if (sections.length === 0) {
    // Without a section header table there is nothing to rewrite, and resolve* above already
    // rejected any change (no section can match and there is no name table to add to).
    return file.bytes.slice();
  }

  // Original file order: sort by offset; the index breaks ties so empty sections keep their order.
  const order = sections
    .filter((s) => s.index !== 0)
    .sort((a, b) => a.offset - b.offset || a.index - b.index);

  const fresh = file.type === ET_REL && file.segments.length === 0;
  const prefixEnd = fresh ? L.ehdrSize : pinnedPrefixEnd(file, order, newData);

  /** New sh_offset for every section whose offset changes. */
  const newOffset = new Map<number, number>();
  /** Sections whose bytes are written at newOffset (moved or fresh layout). */
  const placed: Array<{ offset: number; data: Uint8Array }> = [];
  /** Allocated sections of pinned files replaced where they are. */
  const inPlace: Array<{ section: ElfSection; data: Uint8Array }> = [];

  let cursor = prefixEnd;
  for (const s of order) {
    const replacement = newData.get(s.index);
    if (!occupiesFile(s)) {
      // NOBITS/NULL sections have no bytes; in a fresh layout point them at where the data before
      // them ended (as linkers do), in a pinned one leave them alone.
      if (fresh && s.type === SHT_NOBITS) newOffset.set(s.index, cursor);
      continue;
    }
    if (!fresh && (isAlloc(s) || (replacement === undefined && s.offset < prefixEnd))) {
      if (replacement !== undefined) {
        if (replacement.length > s.size) {
          const growth = `from ${s.size} to ${replacement.length} bytes`;
          return fail('unsupported', `cannot grow allocated section ${s.name} ${growth} in a non-relocatable ELF file`, {
            section: s.name,
            offset: s.offset,
          });
        }
        inPlace.push({ section: s, data: replacement });
      }
      continue;
    }
    const data = replacement ?? file.sectionData(s);
    cursor = alignUp(cursor, s.addralign);
    newOffset.set(s.index, cursor);
    placed.push({ offset: cursor, data });
    cursor += data.length;
  }

  // Sections that stay where they are must not share bytes with anything this rewrite changes:
  // the ELF header (e_shoff, e_shnum, ...) or an allocated section replaced in place. Only
  // malformed or exotic files do that, and their other sections would silently change too.
  const kept = order.filter((o) => occupiesFile(o) && o.size > 0 && !newOffset.has(o.index));
  for (const other of kept) {
    if (other.offset < L.ehdrSize) {
      return fail('unsupported', `cannot rewrite: section ${other.name} overlaps the ELF header`, {
        section: other.name,
        offset: other.offset,
      });
    }
  }
  for (const { section } of inPlace) {
    const end = section.offset + section.size;
    for (const other of kept) {
      if (other === section) continue;
      if (other.offset < end && section.offset < other.offset + other.size) {
        return fail('unsupported', `cannot replace ${section.name} in place: it overlaps section ${other.name}`, {
          section: section.name,
          offset: section.offset,
        });
      }
    }
  }

  const addedOffsets: number[] = [];
  for (const a of additions) {
    cursor = alignUp(cursor, a.align);
    addedOffsets.push(cursor);
    placed.push({ offset: cursor, data: a.data });
    cursor += a.data.length;
  }

  const count = sections.length + additions.length;
  const shoff = alignUp(cursor, L.word);
  const total = shoff + count * L.shdrSize;
  checkOutputSize(file, total, newData, additions);

  const out = new Uint8Array(total);
  out.set(file.bytes.subarray(0, prefixEnd), 0);
  for (const p of placed) out.set(p.data, p.offset);
  for (const { section, data } of inPlace) {
    out.set(data, section.offset);
    // Stale tail bytes of the old contents would otherwise leak into the segment image.
    out.fill(0, section.offset + data.length, section.offset + section.size);
  }

  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const writeWord = (off: number, value: number): void => {
    if (L.word === 4) view.setUint32(off, value, le);
    else view.setBigUint64(off, BigInt(value), le);
  };

  // Existing headers are copied verbatim (keeping flag bits, addresses and anything a tool put in
  // fields we do not model) and only the fields we changed are patched.
  for (const s of sections) {
    const h = shoff + s.index * L.shdrSize;
    out.set(file.bytes.subarray(s.headerOffset, s.headerOffset + L.shdrSize), h);
    const offset = newOffset.get(s.index);
    if (offset !== undefined) writeWord(h + L.sh_offset, offset);
    const replacement = newData.get(s.index);
    if (replacement !== undefined) writeWord(h + L.sh_size, replacement.length);
  }
  additions.forEach((a, i) => {
    const h = shoff + (sections.length + i) * L.shdrSize;
    view.setUint32(h + L.sh_name, a.nameOffset, le);
    view.setUint32(h + L.sh_type, a.type, le);
    writeWord(h + L.sh_flags, 0);
    writeWord(h + L.sh_addr, 0);
    writeWord(h + L.sh_offset, addedOffsets[i] ?? 0);
    writeWord(h + L.sh_size, a.data.length);
    view.setUint32(h + L.sh_link, 0, le);
    view.setUint32(h + L.sh_info, 0, le);
    writeWord(h + L.sh_addralign, a.align);
    writeWord(h + L.sh_entsize, 0);
  });

  // Counts that do not fit the 16-bit header fields live in section 0 (and adding sections can
  // push a file across that line, so both fields are recomputed rather than copied).
  const shstrndx = file.shstrndx;
  writeWord(shoff + L.sh_size, count >= SHN_LORESERVE ? count : 0);
  view.setUint32(shoff + L.sh_link, shstrndx >= SHN_LORESERVE ? shstrndx : 0, le);
  writeWord(L.e_shoff, shoff);
  view.setUint16(L.e_shentsize, L.shdrSize, le);
  view.setUint16(L.e_shnum, count >= SHN_LORESERVE ? 0 : count, le);
  view.setUint16(L.e_shstrndx, shstrndx >= SHN_LORESERVE ? SHN_XINDEX : shstrndx, le);
  return out;
}

interface ResolvedAddition {
  nameOffset: number;
  data: Uint8Array;
  type: number;
  align: number;
}

function resolveReplacements(file: ElfFile, replace: Readonly<Record<string, Uint8Array>>): Map<number, Uint8Array> {
  const newData = new Map<number, Uint8Array>();
  for (const [name, data] of Object.entries(replace)) {
    if (!(data instanceof Uint8Array)) {
      return fail('invalid-argument', `replacement for ${name} is not a Uint8Array`, { section: name });
    }
    const matches = file.sectionsNamed(name);
    const section = matches[0];
    if (section === undefined) {
      return fail('invalid-argument', `no section named ${name} to replace (use add)`, { section: name });
    }
    if (matches.length > 1) {
      return fail('invalid-argument', `${matches.length} sections are named ${name}; replacement is ambiguous`, {
        section: name,
      });
    }
    if (!occupiesFile(section)) {
      return fail('unsupported', `cannot replace the contents of ${name}: its type ${section.type} has no file data`, {
        section: name,
      });
    }
    newData.set(section.index, data);
  }
  return newData;
}

/** Validates additions and, when there are any, queues the grown section name table in newData. */
function resolveAdditions(
  file: ElfFile,
  add: readonly ElfSectionAddition[],
  newData: Map<number, Uint8Array>,
): ResolvedAddition[] {
  if (add.length === 0) return [];
  const nameTable = file.sectionNameTable;
  if (nameTable === undefined) {
    return fail('unsupported', 'cannot add sections to an ELF file without a section name table');
  }
  if (newData.has(nameTable.index)) {
    return fail('invalid-argument', `cannot both replace ${nameTable.name} and add sections`, {
      section: nameTable.name,
    });
  }

  const oldNames = file.sectionData(nameTable);
  const encoded: Uint8Array[] = [];
  const resolved: ResolvedAddition[] = [];
  const seen = new Set<string>();
  let nameOffset = oldNames.length;
  for (const a of add) {
    const { name, data } = a;
    if (typeof name !== 'string' || name === '' || name.includes('\0')) {
      return fail('invalid-argument', `invalid section name ${JSON.stringify(name)}`);
    }
    if (file.hasSection(name) || seen.has(name)) {
      return fail('invalid-argument', `section ${name} already exists (use replace)`, { section: name });
    }
    if (!(data instanceof Uint8Array)) {
      return fail('invalid-argument', `data for new section ${name} is not a Uint8Array`, { section: name });
    }
    const align = a.align ?? 1;
    if (!Number.isInteger(align) || align < 1 || align > 2 ** 30 || (align & (align - 1)) !== 0) {
      return fail('invalid-argument', `alignment ${align} of new section ${name} is not a power of two`, {
        section: name,
      });
    }
    const type = a.type ?? SHT_PROGBITS;
    if (!Number.isInteger(type) || type < 0 || type > 0xffffffff || type === SHT_NOBITS || type === SHT_NULL) {
      return fail('invalid-argument', `type ${type} of new section ${name} cannot carry data`, { section: name });
    }
    seen.add(name);
    const bytes = utf8.encode(name);
    encoded.push(bytes);
    resolved.push({ nameOffset, data, type, align });
    nameOffset += bytes.length + 1;
  }

  // New names go after the old table so every existing sh_name stays valid.
  const names = new Uint8Array(nameOffset);
  names.set(oldNames, 0);
  let at = oldNames.length;
  for (const bytes of encoded) {
    names.set(bytes, at);
    at += bytes.length + 1; // the byte after each name is already 0
  }
  newData.set(nameTable.index, names);
  return resolved;
}

/**
 * End of the region a non-relocatable file must keep byte for byte: the ELF header, program
 * headers, every segment's file image and every allocated section, extended over unchanged
 * sections that start inside it (so nothing straddling the line gets cut).
 */
function pinnedPrefixEnd(file: ElfFile, order: readonly ElfSection[], newData: Map<number, Uint8Array>): number {
  const L: ElfLayout = file.layout;
  let end = L.ehdrSize;
  if (file.segments.length > 0) end = Math.max(end, file.phoff + file.segments.length * L.phdrSize);
  for (const seg of file.segments) {
    if (seg.filesz > 0) end = Math.max(end, seg.offset + seg.filesz);
  }
  for (const s of order) {
    if (occupiesFile(s) && isAlloc(s)) end = Math.max(end, s.offset + s.size);
  }
  // Sorted by offset, so one pass sees every section that starts before the (growing) end.
  for (const s of order) {
    if (occupiesFile(s) && !newData.has(s.index) && s.offset < end) end = Math.max(end, s.offset + s.size);
  }
  return Math.min(end, file.bytes.length);
}

function checkOutputSize(
  file: ElfFile,
  total: number,
  newData: Map<number, Uint8Array>,
  additions: readonly ResolvedAddition[],
): void {
  if (file.class === 32 && total > 0xffffffff) {
    fail('unsupported', `rewritten ELF32 file would be ${total} bytes, beyond 32-bit offsets`);
  }
  let budget = file.bytes.length + MAX_ALIGNMENT_SLACK + (file.sections.length + additions.length) * file.layout.shdrSize;
  for (const d of newData.values()) budget += d.length;
  for (const a of additions) budget += a.data.length + a.align;
  if (total > budget) {
    fail('unsupported', `section alignments would pad the rewritten file to ${total} bytes`);
  }
}

function occupiesFile(s: ElfSection): boolean {
  return s.index !== 0 && s.type !== SHT_NOBITS && s.type !== SHT_NULL;
}

function isAlloc(s: ElfSection): boolean {
  return (s.flags & SHF_ALLOC) !== 0;
}

function alignUp(value: number, align: number): number {
  if (align <= 1) return value;
  const rem = value % align;
  return rem === 0 ? value : value + (align - rem);
}
