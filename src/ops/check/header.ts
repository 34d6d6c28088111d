/**
 * Header and section tiling (btf_parse_hdr, btf_check_sec_info) and the 7.1 layout section.
 */

import type { CheckContext } from './context.js';
import { E2BIG, EINVAL, ENOTSUPP } from './errno.js';

/** BTF_MAX_SIZE: the largest blob BPF_BTF_LOAD takes. */
const BTF_MAX_SIZE = 16 * 1024 * 1024;

export function parseHeader(c: CheckContext): void {
  const bytes = c.bytes;
  const size = bytes.length;
  if (size > BTF_MAX_SIZE) c.stop('header', 'btf-too-big', `BTF is ${size} bytes, more than BTF_MAX_SIZE (16 MiB)`, E2BIG, { offset: 0 });
  if (size < 8) c.stop('header', 'hdr-len-not-found', 'hdr_len not found', EINVAL, { offset: 0 });
  const hdrLen = c.u32(4);
  if (size < hdrLen) c.stop('header', 'btf-header-not-found', 'btf_header not found', EINVAL, { offset: 4, detail: `hdr_len ${hdrLen} > ${size} bytes` });
  const known = c.rules.layout ? 32 : 24;
  if (hdrLen > known) {
    for (let i = known; i < hdrLen; i++) {
      if (bytes[i] !== 0) c.stop('header', 'unsupported-btf-header', 'Unsupported btf_header', E2BIG, { offset: i, detail: `header bytes past the ${known} this kernel knows must be zero` });
    }
  }
  // The kernel copies min(hdr_len, sizeof(header)) bytes; missing fields read as zero.
  const hdr = new Uint8Array(32);
  hdr.set(bytes.subarray(0, Math.min(hdrLen, known)));
  const hv = new DataView(hdr.buffer);
  const magic = hv.getUint16(0, c.le);
  const version = hdr[2]!;
  const flags = hdr[3]!;
  c.hdrLen = hdrLen;
  c.typeOff = hv.getUint32(8, c.le);
  c.typeLen = hv.getUint32(12, c.le);
  c.strOff = hv.getUint32(16, c.le);
  c.strLen = hv.getUint32(20, c.le);
  c.layoutOff = c.rules.layout ? hv.getUint32(24, c.le) : 0;
  c.layoutLen = c.rules.layout ? hv.getUint32(28, c.le) : 0;
  if (magic !== 0xeb9f) {
    const detail =
      bytes[0] === 0xeb && bytes[1] === 0x9f ? 'big-endian BTF on a little-endian kernel' : bytes[0] === 0x9f && bytes[1] === 0xeb ? 'little-endian BTF on a big-endian kernel' : `magic 0x${magic.toString(16)}`;
    c.stop('header', 'invalid-magic', 'Invalid magic', EINVAL, { offset: 0, detail });
  }
  if (version !== 1) c.stop('header', 'unsupported-version', 'Unsupported version', ENOTSUPP, { offset: 2, detail: `version ${version}` });
  if (flags !== 0) c.stop('header', 'unsupported-flags', 'Unsupported flags', ENOTSUPP, { offset: 3, detail: `flags 0x${flags.toString(16)}` });
  if (!c.base && size === hdrLen) c.stop('header', 'no-data', 'No data', EINVAL, { offset: 4 });
  checkSecInfo(c, size);
}

/** btf_check_sec_info: the sections tile the data after the header, in offset order. */
function checkSecInfo(c: CheckContext, size: number): void {
  const secs: Array<{ off: number; len: number; field: number }> = [
    { off: c.typeOff, len: c.typeLen, field: 8 },
    { off: c.strOff, len: c.strLen, field: 16 },
  ];
  if (c.rules.layout) secs.push({ off: c.layoutOff, len: c.layoutLen, field: 24 });
  // The kernel's comparator subtracts u32s and looks at the sign of the int result.
  secs.sort((x, y) => ((x.off - y.off) | 0) || ((x.len - y.len) | 0));
  let total = 0;
  const expected = (size - c.hdrLen) >>> 0;
  for (const s of secs) {
    if (expected < s.off) c.stop('header', 'invalid-section-offset', 'Invalid section offset', EINVAL, { offset: s.field, detail: `offset ${s.off} past the ${expected} data bytes` });
    if (total < s.off) {
      const gap = s.off - total;
      if (!(c.rules.smallGaps && gap < 4)) c.stop('header', 'unsupported-section-found', 'Unsupported section found', EINVAL, { offset: s.field, detail: `gap of ${gap} bytes before the section at ${s.off}` });
      total = s.off;
    }
    if (total > s.off) c.stop('header', 'section-overlap-found', 'Section overlap found', EINVAL, { offset: s.field, detail: `section at ${s.off} starts before ${total}` });
    if (expected - total < s.len) c.stop('header', 'total-section-length-too-long', 'Total section length too long', EINVAL, { offset: s.field + 4, detail: `length ${s.len} from ${total} exceeds ${expected} data bytes` });
    total += s.len;
  }
  if (expected !== total) c.stop('header', 'unsupported-section-found', 'Unsupported section found', EINVAL, { offset: c.hdrLen + total, detail: `${expected - total} bytes after the last section` });
}

/** Layout section (7.1): aligned, whole entries, inside the blob (tiling checked above). */
export function parseLayout(c: CheckContext): void {
  if (c.layoutLen === 0) return;
  if (c.layoutOff % 4 !== 0) c.stop('layout', 'unaligned-layout-off', 'Unaligned layout_off', EINVAL, { offset: 24 });
  if (c.layoutLen < 4 || c.layoutLen % 4 !== 0) c.stop('layout', 'invalid-layout-section', 'Invalid layout section', EINVAL, { offset: 28, detail: `length ${c.layoutLen}` });
}
