/**
 * CO-RE names and access strings (spec §6.2, §6.3): the "essential" name of a flavoured
 * type (`task_struct___v1` → `task_struct`) and the parsing of access strings ("0:1:2").
 */

import { CoreError } from './types.js';

/** Maximum accessors in one access string (libbpf's BPF_CORE_SPEC_MAX_LEN). */
export const CORE_SPEC_MAX_LEN = 64;

const US = 0x5f; // '_'

/**
 * Length of the essential part of `name`: everything before the last `___` that has a
 * non-underscore on both sides (`a___b` → 1; `a____b` → 2, since `a_` + `___` + `b`; a
 * trailing or leading `___` is not a flavour separator).
 */
export function essentialNameLength(name: string): number {
  const n = name.length;
  for (let i = n - 5; i >= 0; i--) {
    if (
      name.charCodeAt(i) !== US &&
      name.charCodeAt(i + 1) === US &&
      name.charCodeAt(i + 2) === US &&
      name.charCodeAt(i + 3) === US &&
      name.charCodeAt(i + 4) !== US
    ) {
      return i + 1;
    }
  }
  return n;
}

/** The name without its flavour suffix. */
export function essentialName(name: string): string {
  return name.slice(0, essentialNameLength(name));
}

/** True when `name` carries a flavour suffix. */
export function hasFlavour(name: string): boolean {
  return essentialNameLength(name) !== name.length;
}

/**
 * Parse an access string into its indices. Each index is a non-negative decimal number;
 * indices are separated by exactly one colon. Empty strings, a leading or trailing colon, a
 * doubled colon, signs and anything non-decimal are rejected (CoreError EINVAL), as are more
 * than 64 indices (E2BIG), as libbpf's bpf_core_parse_spec does.
 */
export function parseAccessString(s: string): number[] {
  if (s.length === 0) throw new CoreError('EINVAL', 'access string is empty');
  if (s.charCodeAt(0) === 0x3a) throw new CoreError('EINVAL', `access string '${s}' starts with ':'`);
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    if (out.length > 0) {
      if (s.charCodeAt(i) !== 0x3a) throw new CoreError('EINVAL', `access string '${s}': expected ':' at position ${i}`);
      i++;
    }
    const start = i;
    let v = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + (c - 0x30);
      i++;
    }
    if (i === start) throw new CoreError('EINVAL', `access string '${s}': expected a decimal index at position ${start}`);
    if (v > 0x7fffffff) throw new CoreError('EINVAL', `access string '${s}': index ${s.slice(start, i)} is too large`);
    if (out.length === CORE_SPEC_MAX_LEN) throw new CoreError('E2BIG', `access string '${s}' has more than ${CORE_SPEC_MAX_LEN} indices`);
    out.push(v);
  }
  return out;
}
