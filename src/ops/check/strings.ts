/**
 * The string section (btf_parse_str_sec) and the name rules every phase applies to string
 * offsets: btf_name_offset_valid, btf_name_valid_identifier, btf_name_valid_section.
 */

import { KERNEL_MAX_NAME_OFFSET } from '../../wire/kinds.js';
import type { CheckContext } from './context.js';
import { EINVAL } from './errno.js';

/** Kernel ctype classes for bytes 0..255 (lib/ctype.c: Latin-1 above 0xa0). */
const CT_ALPHA = 1;
const CT_DIGIT = 2;
const CT_PRINT = 4;
const CTYPE: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 32; c < 127; c++) t[c] = CT_PRINT;
  for (let c = 48; c <= 57; c++) t[c]! |= CT_DIGIT;
  for (let c = 65; c <= 90; c++) t[c]! |= CT_ALPHA;
  for (let c = 97; c <= 122; c++) t[c]! |= CT_ALPHA;
  for (let c = 160; c <= 255; c++) t[c] = CT_PRINT;
  for (let c = 192; c <= 255; c++) if (c !== 215 && c !== 247) t[c]! |= CT_ALPHA;
  return t;
})();

/** btf_parse_str_sec: where the section is, that it ends in NUL and starts with "" (base BTF). */
export function parseStrings(c: CheckContext): void {
  const start = c.hdrLen + c.strOff;
  const end = start + c.strLen;
  const strLast = !c.rules.layout || c.hdrLen < 32;
  if (strLast && end !== c.bytes.length) c.stop('strings', 'string-section-is-not-at-the-end', 'String section is not at the end', EINVAL, { offset: 16 });
  c.strings = c.bytes.subarray(start, end);
  if (c.base && c.strLen === 0) return;
  if (c.strLen === 0 || c.strLen - 1 > KERNEL_MAX_NAME_OFFSET || c.bytes[end - 1] !== 0) {
    c.stop('strings', 'invalid-string-section', 'Invalid string section', EINVAL, {
      offset: c.strLen === 0 ? 20 : end - 1,
      detail: c.strLen === 0 ? 'empty' : c.strLen - 1 > KERNEL_MAX_NAME_OFFSET ? 'longer than 16 MiB' : 'last byte is not NUL',
    });
  }
  if (!c.base && c.bytes[start] !== 0) c.stop('strings', 'first-string-not-empty', 'Invalid string section', EINVAL, { offset: start, detail: 'first string of base BTF must be empty' });
}

/** btf_name_offset_valid. */
export function nameOffsetValid(c: CheckContext, off: number): boolean {
  if (off > KERNEL_MAX_NAME_OFFSET) return false;
  if (off < c.startStrOff) return c.base ? c.base.strValid(off) : false;
  return off - c.startStrOff < c.strLen;
}

/** Table and index of a (valid) string offset. */
function strLoc(c: CheckContext, off: number): { table: Uint8Array; index: number } | undefined {
  if (off < c.startStrOff) return c.base?.strLocation(off);
  const i = off - c.startStrOff;
  return i < c.strings.length ? { table: c.strings, index: i } : undefined;
}

export function strAt(c: CheckContext, off: number): string | undefined {
  const loc = strLoc(c, off);
  if (!loc) return undefined;
  let end = loc.index;
  while (end < loc.table.length && loc.table[end] !== 0) end++;
  return new TextDecoder('latin1').decode(loc.table.subarray(loc.index, end));
}

export function nonEmpty(c: CheckContext, off: number): boolean {
  const loc = strLoc(c, off);
  return loc !== undefined && loc.index < loc.table.length && loc.table[loc.index] !== 0;
}

/** btf_name_valid_identifier: [A-Za-z_.][A-Za-z0-9_.]* (kernel ctype), at most KSYM_NAME_LEN. */
export function validIdentifier(c: CheckContext, off: number): boolean {
  let t: Uint8Array;
  let i: number;
  if (off >= c.startStrOff && off - c.startStrOff < c.strings.length) {
    t = c.strings;
    i = off - c.startStrOff;
  } else {
    const loc = strLoc(c, off);
    if (!loc) return false;
    t = loc.table;
    i = loc.index;
  }
  const start = i;
  const c0 = t[i] ?? 0;
  if (!((CTYPE[c0]! & CT_ALPHA) !== 0 || c0 === 0x5f || c0 === 0x2e)) return false;
  const limit = start + c.rules.ksymNameLen;
  i++;
  while (i < t.length && t[i] !== 0 && i < limit) {
    const ch = t[i]!;
    if (!((CTYPE[ch]! & (CT_ALPHA | CT_DIGIT)) !== 0 || ch === 0x5f || ch === 0x2e)) return false;
    i++;
  }
  return (t[i] ?? 0) === 0;
}

/** btf_name_valid_section: non-empty, every byte isprint, at most KSYM_NAME_LEN. */
export function validSection(c: CheckContext, off: number): boolean {
  const loc = strLoc(c, off);
  if (!loc) return false;
  const t = loc.table;
  let i = loc.index;
  if ((t[i] ?? 0) === 0) return false;
  const limit = loc.index + c.rules.ksymNameLen;
  while (i < t.length && t[i] !== 0 && i < limit) {
    if ((CTYPE[t[i]!]! & CT_PRINT) === 0) return false;
    i++;
  }
  return (t[i] ?? 0) === 0;
}
