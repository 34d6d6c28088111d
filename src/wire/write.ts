/**
 * Serializing BTF: header | types | layout | strings, the order libbpf writes and the
 * kernel accepts. Any byte order, with or without the layout section.
 */

import { Btf, type LayoutEntry } from './btf.js';
import { BtfError } from './errors.js';
import { type Endian, HEADER_LEN_CLASSIC, HEADER_LEN_LAYOUT, HOST_ENDIAN, writeHeader } from './header.js';
import { infoKind, KIND_SHAPES } from './kinds.js';

/** The parts `serializeBtf` assembles into a blob. */
export interface SerializeParts {
  /** Host-order words of the type section. */
  readonly words: Uint32Array;
  readonly strings: Uint8Array;
  readonly layout?: readonly LayoutEntry[] | undefined;
  readonly endian: Endian;
  /** 24 or 32; forced to 32 when a layout section is written. */
  readonly hdrLen?: number | undefined;
  readonly version?: number | undefined;
  readonly flags?: number | undefined;
  /** Where the blob goes: room of that many bytes, zeroed (e.g. btf-core.ts btfCoreInput); default, or when it gives undefined, a fresh array. */
  readonly into?: ((byteLength: number) => Uint8Array | undefined) | undefined;
}

/** Assemble header, type words, strings and layout into BTF bytes. */
export function serializeBtf(parts: SerializeParts): Uint8Array {
  const layoutLen = parts.layout ? parts.layout.length * 4 : 0;
  const hdrLen = layoutLen > 0 ? HEADER_LEN_LAYOUT : parts.hdrLen === HEADER_LEN_LAYOUT ? HEADER_LEN_LAYOUT : HEADER_LEN_CLASSIC;
  const typeLen = parts.words.length * 4;
  const total = hdrLen + typeLen + layoutLen + parts.strings.length;
  const out = parts.into?.(total) ?? new Uint8Array(total);
  const view = new DataView(out.buffer, out.byteOffset, total);
  writeHeader(
    view,
    {
      version: parts.version ?? 1,
      flags: parts.flags ?? 0,
      hdrLen,
      typeOff: 0,
      typeLen,
      strOff: typeLen + layoutLen,
      strLen: parts.strings.length,
      layoutOff: layoutLen > 0 ? typeLen : 0,
      layoutLen,
    },
    parts.endian,
  );
  if (parts.endian === HOST_ENDIAN) {
    out.set(new Uint8Array(parts.words.buffer, parts.words.byteOffset, typeLen), hdrLen);
  } else {
    const le = parts.endian === 'little';
    const w = parts.words;
    for (let i = 0; i < w.length; i++) view.setUint32(hdrLen + i * 4, w[i]!, le);
  }
  if (parts.layout) {
    let p = hdrLen + typeLen;
    for (const e of parts.layout) {
      out[p] = e.infoSize;
      out[p + 1] = e.elemSize;
      view.setUint16(p + 2, e.flags, parts.endian === 'little');
      p += 4;
    }
  }
  out.set(parts.strings, hdrLen + typeLen + layoutLen);
  return out;
}

/** Options of `writeBtf`. */
export interface WriteOptions {
  /** Byte order of the output (default: the input's). */
  readonly endian?: Endian | undefined;
  /**
   * Layout section: true writes one (libbpf's table for kinds 0..19, plus the input's
   * entries for kinds btfkit does not know), false drops it, undefined keeps what the
   * input had.
   */
  readonly layout?: boolean | undefined;
}

/** The layout table to write: libbpf's for known kinds, extended by the input's entries. */
export function layoutTableFor(existing: readonly LayoutEntry[] | undefined): LayoutEntry[] {
  const table: LayoutEntry[] = KIND_SHAPES.map((s) => ({ infoSize: s.infoSize, elemSize: s.elemSize, flags: 0 }));
  if (existing) for (let k = table.length; k < existing.length; k++) table.push(existing[k]!);
  return table;
}

/** Serialize a parsed BTF (its own part, for split BTF). Unmodified input round-trips. */
export function writeBtf(btf: Btf, opts: WriteOptions = {}): Uint8Array {
  const ownLayout = btf.layout;
  const layout = opts.layout === undefined ? ownLayout : opts.layout ? layoutTableFor(ownLayout ?? btf.base?.layout) : undefined;
  if (!layout && ownLayout) {
    // Without the layout section nobody could find where records of unknown kinds end.
    for (let i = 0; i < btf.offsets.length; i++) {
      const kind = infoKind(btf.words[btf.offsets[i]! + 1]!);
      if (btf.shapes[kind]?.fromLayout) {
        throw new BtfError('unsupported', `type [${btf.startId + i}] has kind ${kind}, which only the layout section describes; the layout section cannot be dropped`, { typeId: btf.startId + i });
      }
    }
  }
  return serializeBtf({
    words: btf.words,
    strings: btf.strings,
    layout,
    endian: opts.endian ?? btf.endian,
    hdrLen: btf.header.hdrLen >= HEADER_LEN_LAYOUT ? HEADER_LEN_LAYOUT : HEADER_LEN_CLASSIC,
    version: btf.header.version,
    flags: btf.header.flags,
  });
}

/**
 * `btf` with its type words replaced by `words` (same strings, layout and header size),
 * written in `base`'s byte order and parsed on `base`: what relocation and renumbering
 * produce after rewriting ids and string offsets with the field visitor.
 */
export function reparseOnBase(btf: Btf, words: Uint32Array, base: Btf, opts: { file?: string | undefined; sanityCheck?: boolean | undefined } = {}): Btf {
  const bytes = serializeBtf({
    words,
    strings: btf.strings,
    layout: btf.layout,
    endian: base.endian,
    hdrLen: Math.min(btf.header.hdrLen, HEADER_LEN_LAYOUT),
  });
  const file = opts.file ?? btf.file;
  return Btf.parse(bytes, { base, sanityCheck: opts.sanityCheck, file });
}
