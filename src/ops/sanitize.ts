/**
 * Down-converting BTF for an older kernel, the way libbpf's bpf_object__sanitize_btf does
 * before loading (spec §1.13): every record a kernel does not understand is rewritten into
 * one of the same byte size that it does, so type ids and all references stay as they are.
 *
 *   VAR, DECL_TAG            → INT (size 1, 8 bits)          without DATASEC / DECL_TAG
 *   DATASEC                  → STRUCT (secinfo → member, offset*8; '.'/'?' in name → '_')
 *   '?'-prefixed DATASEC     → '_' prefix                    without "?" DATASEC names (6.4)
 *   FUNC_PROTO / FUNC        → ENUM (size 4) / TYPEDEF       without FUNC
 *   global FUNC              → static FUNC                   without global functions
 *   FLOAT                    → anonymous empty STRUCT of the same size
 *   TYPE_TAG                 → anonymous CONST
 *   ENUM kind_flag           → cleared; ENUM64 → UNION of an added 1-byte INT "enum64_placeholder"
 *   kind_flag TYPE_TAG/DECL_TAG (attribute tags) → CONST / INT   (before 6.15, UNCERTAIN)
 *   layout section           → dropped, 24-byte header           before 7.1
 *
 * One deviation from libbpf: a FUNC_PROTO turned into an ENUM gives unnamed parameters a
 * name ("__arg<N>"), because the kernel requires every enumerator to be named.
 */

import { Btf } from '../wire/btf.js';
import { fail } from '../wire/errors.js';
import type { Endian } from '../wire/header.js';
import { infoKflag, infoKind, infoVlen, Kind, makeInfo } from '../wire/kinds.js';
import { StringTableBuilder } from '../wire/strings.js';
import { serializeBtf } from '../wire/write.js';
import { type BtfFeatures, featuresFor } from './kernel-rules.js';

/** The BTF features the target kernel has (`sanitizeFeaturesFor`). */
export interface SanitizeFeatures extends BtfFeatures {
  /** DATASEC names starting with '?' (libbpf FEAT_BTF_QMARK_DATASEC, 6.4, UNCERTAIN). */
  readonly qmarkDatasec: boolean;
}

/** Target features of a kernel release ("5.10", "6.1", ...). */
export function sanitizeFeaturesFor(version: string): SanitizeFeatures {
  const f = featuresFor(version);
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim())!;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return { ...f, qmarkDatasec: major > 6 || (major === 6 && minor >= 4) };
}

/** One kind of rewrite `sanitizeBtf` does (named after the libbpf feature it stands in for). */
export type SanitizeChange =
  | 'var-to-int'
  | 'decl-tag-to-int'
  | 'datasec-to-struct'
  | 'datasec-qmark'
  | 'func-proto-to-enum'
  | 'func-to-typedef'
  | 'global-func-to-static'
  | 'float-to-struct'
  | 'type-tag-to-const'
  | 'enum-kflag-cleared'
  | 'enum64-to-union'
  | 'layout-dropped';

/** The result of `sanitizeBtf`. */
export interface SanitizeResult {
  /**
   * The sanitized BTF, read on the input's base (as `dedup` and the other operations give
   * theirs); parsed on first read, since writing it out needs only `bytes`.
   */
  readonly btf: Btf;
  /** The sanitized BTF's bytes (own part, for split BTF). */
  readonly bytes: Uint8Array;
  /** How many records each conversion rewrote. */
  readonly changes: Partial<Record<SanitizeChange, number>>;
  /** Id of the added "enum64_placeholder" INT, if one was added. */
  readonly placeholderId: number | undefined;
}

/** Options of `sanitizeBtf`. */
export interface SanitizeOptions {
  /** Output byte order (default: the input's). */
  readonly endian?: Endian | undefined;
}

/**
 * Sanitize `btf` (its own types; a base is left alone) for a kernel with `target` features
 * (a release string or a feature set).
 */
export function sanitizeBtf(btf: Btf, target: string | SanitizeFeatures, opts: SanitizeOptions = {}): SanitizeResult {
  const f = typeof target === 'string' ? sanitizeFeaturesFor(target) : target;
  const words = btf.words.slice();
  // Strings: same offsets (in-place edits), plus appended ones for added names.
  const strings = btf.strings.slice();
  const extra = new StringTableBuilder(btf.startStrOff + strings.length);
  const extraMap = new Map<string, number>();
  const addString = (s: string): number => {
    let off = extraMap.get(s);
    if (off === undefined) {
      off = extra.add(s);
      extraMap.set(s, off);
    }
    return off;
  };
  const changes: Partial<Record<SanitizeChange, number>> = {};
  const count = (c: SanitizeChange): void => {
    changes[c] = (changes[c] ?? 0) + 1;
  };
  /** Replace '.' and '?' (or only a leading '?') in an own string, in place, like libbpf. */
  const editName = (off: number, all: boolean): void => {
    const i = off - btf.startStrOff;
    if (i < 0 || i >= strings.length) return; // base strings are not ours to change
    for (let j = i; j < strings.length && strings[j] !== 0; j++) {
      if (all ? strings[j] === 0x2e || strings[j] === 0x3f : j === i && strings[j] === 0x3f) strings[j] = 0x5f;
      if (!all) break;
    }
  };
  const placeholder: { id: number | undefined } = { id: undefined };
  const canInfoMask = f.layout; // before 7.1, info must fit the classic 16-bit vlen / 5-bit kind
  const n = btf.typeCount;
  for (let i = 0; i < n; i++) {
    const id = btf.startId + i;
    const off = btf.offsets[i]!;
    const info = words[off + 1]!;
    const kind = infoKind(info);
    const vlen = infoVlen(info);
    const kflag = infoKflag(info);
    const shape = btf.shapes[kind];
    if (!shape || shape.fromLayout) fail('unsupported', `kind ${kind} is only known from the layout section; no older kernel can load it`, { typeId: id });
    if (!canInfoMask && vlen > 0xffff) fail('unsupported', `${shape.name} has ${vlen} elements; kernels before 7.1 allow at most 65535`, { typeId: id });
    const toInt = (): void => {
      words[off + 1] = makeInfo(Kind.INT, 0, false);
      words[off + 2] = 1;
      words[off + 3] = 8;
    };
    switch (kind) {
      case Kind.VAR:
        if (!f.datasec) {
          toInt();
          count('var-to-int');
        }
        break;
      case Kind.DECL_TAG:
        if (!f.declTag || (kflag && !f.tagKflag)) {
          toInt();
          count('decl-tag-to-int');
        }
        break;
      case Kind.DATASEC:
        if (!f.datasec) {
          editName(words[off]!, true);
          words[off + 1] = makeInfo(Kind.STRUCT, vlen, false);
          for (let j = 0; j < vlen; j++) {
            const e = off + 3 + j * 3;
            const varId = words[e]!;
            const varOff = words[e + 1]!;
            // member { name_off, type, offset } over secinfo { type, offset, size }
            words[e + 2] = (varOff * 8) >>> 0;
            words[e + 1] = varId;
            words[e] = varId >= btf.startId && varId < btf.nextId ? words[btf.offsets[varId - btf.startId]!]! : btf.hasType(varId) ? btf.nameOff(varId) : 0;
          }
          count('datasec-to-struct');
        } else if (!f.qmarkDatasec) {
          const name = btf.str(words[off]!);
          if (name.startsWith('?')) {
            editName(words[off]!, false);
            count('datasec-qmark');
          }
        }
        break;
      case Kind.FUNC_PROTO:
        if (!f.func) {
          words[off + 1] = makeInfo(Kind.ENUM, vlen, false);
          words[off + 2] = 4;
          for (let j = 0; j < vlen; j++) {
            const e = off + 3 + j * 2;
            if (words[e] === 0) words[e] = addString(`__arg${j}`);
          }
          count('func-proto-to-enum');
        }
        break;
      case Kind.FUNC:
        if (!f.func) {
          words[off + 1] = makeInfo(Kind.TYPEDEF, 0, false);
          count('func-to-typedef');
        } else if (!f.globalFunc && vlen !== 0) {
          words[off + 1] = makeInfo(Kind.FUNC, 0, false);
          count('global-func-to-static');
        }
        break;
      case Kind.FLOAT:
        if (!f.float) {
          words[off] = 0;
          words[off + 1] = makeInfo(Kind.STRUCT, 0, false);
          count('float-to-struct');
        }
        break;
      case Kind.TYPE_TAG:
        if (!f.typeTag || (kflag && !f.tagKflag)) {
          words[off] = 0;
          words[off + 1] = makeInfo(Kind.CONST, 0, false);
          count('type-tag-to-const');
        }
        break;
      case Kind.ENUM:
        if (!f.enum64 && kflag) {
          words[off + 1] = makeInfo(Kind.ENUM, vlen, false);
          count('enum-kflag-cleared');
        }
        break;
      case Kind.ENUM64:
        if (!f.enum64) {
          placeholder.id ??= btf.nextId;
          words[off + 1] = makeInfo(Kind.UNION, vlen, false);
          for (let j = 0; j < vlen; j++) {
            const e = off + 3 + j * 3;
            words[e + 1] = placeholder.id;
            words[e + 2] = 0;
          }
          count('enum64-to-union');
        }
        break;
      default:
        break;
    }
  }
  let outWords = words;
  if (placeholder.id !== undefined) {
    outWords = new Uint32Array(words.length + 4);
    outWords.set(words);
    outWords.set([addString('enum64_placeholder'), makeInfo(Kind.INT, 0, false), 1, 8], words.length);
  }
  const extraBytes = extra.bytes();
  const allStrings = new Uint8Array(strings.length + extraBytes.length);
  allStrings.set(strings);
  allStrings.set(extraBytes, strings.length);
  const keepLayout = f.layout && btf.layout !== undefined;
  if (btf.layout && !f.layout) changes['layout-dropped'] = 1;
  const bytes = serializeBtf({
    words: outWords,
    strings: allStrings,
    layout: keepLayout ? btf.layout : undefined,
    endian: opts.endian ?? btf.endian,
    hdrLen: keepLayout ? 32 : 24,
  });
  let sanitized: Btf | undefined;
  return {
    get btf(): Btf {
      sanitized ??= Btf.parse(bytes, { base: btf.base, file: btf.file, section: btf.section, sanityCheck: false });
      return sanitized;
    },
    bytes,
    changes,
    placeholderId: placeholder.id,
  };
}
