import { fail } from './errors.js';

/** Byte order. */
export type Endian = 'little' | 'big';

export const BTF_MAGIC = 0xeb9f;
/** Header through str_len: what every reader needs. */
export const HEADER_LEN_CLASSIC = 24;
/** Header with layout_off/layout_len (Linux 7.1). */
export const HEADER_LEN_LAYOUT = 32;

export const HOST_ENDIAN: Endian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'little' : 'big';

/** The BTF header (struct btf_header), with the 7.1 layout section fields. */
export interface BtfHeader {
  readonly magic: number;
  readonly version: number;
  readonly flags: number;
  readonly hdrLen: number;
  readonly typeOff: number;
  readonly typeLen: number;
  readonly strOff: number;
  readonly strLen: number;
  readonly layoutOff: number;
  readonly layoutLen: number;
  /** Header bytes beyond the 32 this version understands contain something other than zero. */
  readonly hasNonZeroExtra: boolean;
}

/** Which byte order a BTF or .BTF.ext blob is in, from its magic; undefined if neither. */
export function detectEndian(bytes: Uint8Array): Endian | undefined {
  if (bytes.length < 2) return undefined;
  if (bytes[0] === 0x9f && bytes[1] === 0xeb) return 'little';
  if (bytes[0] === 0xeb && bytes[1] === 0x9f) return 'big';
  return undefined;
}

/**
 * Parse and check a BTF header the way libbpf does (tolerant: version/flags are not
 * checked here, the kernel-grade checker does that), plus the section bounds that a reader
 * needs to not read outside the blob.
 */
export function parseHeader(bytes: Uint8Array, section = '.BTF'): { header: BtfHeader; endian: Endian } {
  if (bytes.length < HEADER_LEN_CLASSIC) {
    fail('truncated', `BTF needs at least ${HEADER_LEN_CLASSIC} header bytes, have ${bytes.length}`, { offset: 0, section });
  }
  const endian = detectEndian(bytes);
  if (endian === undefined) {
    const got = ((bytes[0] ?? 0) | ((bytes[1] ?? 0) << 8)).toString(16).padStart(4, '0');
    fail('bad-magic', `magic must be 0xeb9f in either byte order, found bytes ${got.slice(2)} ${got.slice(0, 2)}`, { offset: 0, section });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = endian === 'little';
  const u32 = (o: number): number => view.getUint32(o, le);
  const hdrLen = u32(4);
  if (hdrLen < HEADER_LEN_CLASSIC) {
    fail('bad-header', `hdr_len ${hdrLen} is shorter than the ${HEADER_LEN_CLASSIC}-byte header`, { offset: 4, section });
  }
  if (hdrLen > bytes.length) {
    fail('truncated', `hdr_len ${hdrLen} exceeds the ${bytes.length} bytes of the blob`, { offset: 4, section });
  }
  if (hdrLen % 4 !== 0) {
    fail('bad-header', `hdr_len ${hdrLen} is not a multiple of 4`, { offset: 4, section });
  }
  const hasLayoutFields = hdrLen >= HEADER_LEN_LAYOUT;
  let hasNonZeroExtra = false;
  for (let i = HEADER_LEN_LAYOUT; i < hdrLen; i++) {
    if (bytes[i] !== 0) {
      hasNonZeroExtra = true;
      break;
    }
  }
  const header: BtfHeader = {
    magic: view.getUint16(0, le),
    version: bytes[2] ?? 0,
    flags: bytes[3] ?? 0,
    hdrLen,
    typeOff: u32(8),
    typeLen: u32(12),
    strOff: u32(16),
    strLen: u32(20),
    layoutOff: hasLayoutFields ? u32(24) : 0,
    layoutLen: hasLayoutFields ? u32(28) : 0,
    hasNonZeroExtra,
  };
  const dataLen = bytes.length - hdrLen;
  const { typeOff, typeLen, strOff, strLen, layoutOff, layoutLen } = header;
  // Offsets are relative to the end of the header; use plain numbers so no u32 sum wraps.
  if (typeOff % 4 !== 0) fail('bad-section', `type section offset ${typeOff} is not 4-byte aligned`, { offset: 8, section });
  if (typeLen % 4 !== 0) fail('bad-section', `type section length ${typeLen} is not a multiple of 4`, { offset: 12, section });
  if (typeOff + typeLen > dataLen) {
    fail('truncated', `type section [${typeOff}, ${typeOff + typeLen}) ends past the ${dataLen} data bytes`, { offset: 8, section });
  }
  if (strOff + strLen > dataLen) {
    fail('truncated', `string section [${strOff}, ${strOff + strLen}) ends past the ${dataLen} data bytes`, { offset: 16, section });
  }
  if (layoutLen !== 0) {
    if (layoutOff % 4 !== 0) fail('bad-layout', `layout section offset ${layoutOff} is not 4-byte aligned`, { offset: 24, section });
    if (layoutLen % 4 !== 0) fail('bad-layout', `layout section length ${layoutLen} is not a multiple of 4`, { offset: 28, section });
    if (layoutOff + layoutLen > dataLen) {
      fail('truncated', `layout section [${layoutOff}, ${layoutOff + layoutLen}) ends past the ${dataLen} data bytes`, { offset: 24, section });
    }
  }
  const overlap = (a: number, al: number, b: number, bl: number): boolean => al > 0 && bl > 0 && a < b + bl && b < a + al;
  if (overlap(typeOff, typeLen, strOff, strLen)) fail('bad-section', 'type and string sections overlap', { offset: 8, section });
  if (overlap(typeOff, typeLen, layoutOff, layoutLen)) fail('bad-section', 'type and layout sections overlap', { offset: 24, section });
  if (overlap(strOff, strLen, layoutOff, layoutLen)) fail('bad-section', 'string and layout sections overlap', { offset: 24, section });
  return { header, endian };
}

/** Serialize a header. `hdrLen` 24 drops the layout fields; they must then be zero. */
export function writeHeader(out: DataView, h: Omit<BtfHeader, 'hasNonZeroExtra' | 'magic'>, endian: Endian): void {
  const le = endian === 'little';
  out.setUint16(0, BTF_MAGIC, le);
  out.setUint8(2, h.version);
  out.setUint8(3, h.flags);
  out.setUint32(4, h.hdrLen, le);
  out.setUint32(8, h.typeOff, le);
  out.setUint32(12, h.typeLen, le);
  out.setUint32(16, h.strOff, le);
  out.setUint32(20, h.strLen, le);
  if (h.hdrLen >= HEADER_LEN_LAYOUT) {
    out.setUint32(24, h.layoutOff, le);
    out.setUint32(28, h.layoutLen, le);
  }
}

/** Reverse the bytes of every 32-bit word (every field of the type section is one). */
export function swapWords(src: Uint8Array): Uint32Array {
  const n = src.length >>> 2;
  const out = new Uint32Array(n);
  const view = new DataView(src.buffer, src.byteOffset, n * 4);
  const hostLittle = HOST_ENDIAN === 'little';
  // Reading with the opposite flag of the host order is the byte swap.
  for (let i = 0; i < n; i++) out[i] = view.getUint32(i * 4, !hostLittle);
  return out;
}
