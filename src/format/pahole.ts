/**
 * Struct and union layouts as text, byte-identical to `pahole -F btf` (Debian's dwarves
 * 1.24): member rows with `/* offset size *\/`, bitfields, holes, padding, cacheline
 * boundaries, the statistics footer, nested anonymous types printed inline.
 *
 * The layout facts come from `model/layout.ts`; this file is only pahole's way of writing
 * them, including its quirks (`const char  *` with two spaces, a multi-dimensional array's
 * bounds in reverse, column arithmetic that can go negative), because people diff this
 * text against pahole's. The C declarations here are pahole's, not libbpf's: the C dumper
 * in `format/c` writes vmlinux.h style and cannot be reused for this text.
 */

import type { Btf } from '../wire/btf.js';
import { isComposite, Kind } from '../wire/kinds.js';
import { type CompositeLayout, LayoutModel, type LayoutOptions, type MemberLayout, type TagKind } from '../model/layout.js';
import { enumValue } from '../model/types.js';

/** Printing state pahole threads through its calls (its `struct conf_fprintf`); copied per level. */
interface Conf {
  indent: number;
  typeSpacing: number;
  nameSpacing: number;
  baseOffset: number;
  relOffset: boolean;
  /** Last cacheline announced; shared by a struct and everything printed inline in it. */
  cacheline: { v: number } | null;
  prefix: string | null;
  suffix: string | null;
  emitStats: boolean;
  unionMember: boolean;
  lastMember: boolean;
  firstMember: boolean;
}

const MAX_INDENT = 16 - 1;
const TABS = '\t'.repeat(MAX_INDENT);
const tabs = (n: number): string => TABS.slice(0, Math.max(0, Math.min(n, MAX_INDENT)));
/** printf's `%-*s`: a negative width left-justifies too. */
const padEnd = (s: string, w: number): string => s.padEnd(Math.abs(w));
/** printf's `%*s` of " ": at least one space. */
const gap = (w: number): string => ' '.repeat(Math.max(1, Math.abs(w)));
/** What fits a C buffer of `len` bytes (pahole formats names into fixed buffers). */
const fit = (s: string, len: number): string => (s.length >= len ? s.slice(0, len - 1) : s);
const plural = (n: number): string => (n !== 1 ? 's' : '');

/** What `formatPahole` prints: the layout model's options (names, expansion, anonymous-member rules). */
export type PaholeOptions = LayoutOptions;

/** pahole's layout text, and the asked-for names that matched no struct or union. */
export interface PaholeResult {
  readonly text: string;
  /** Names given with `names` that name no struct or union. */
  readonly notFound: readonly string[];
}

/**
 * pahole's text for a BTF: every named struct and union in id order (later ones with the
 * same name, size and member offsets are skipped, as pahole does), or with `names` the
 * first struct/union of each name, in the order given. Split BTF includes its base's types.
 */
export function formatPahole(btf: Btf, names?: readonly string[], opts: PaholeOptions = {}): PaholeResult {
  const p = new PaholePrinter(btf, opts);
  const parts: string[] = [];
  const notFound: string[] = [];
  if (names) {
    for (const name of names) {
      const id = p.findComposite(name);
      if (id === undefined) notFound.push(name);
      else parts.push(p.printTopLevel(id));
    }
  } else {
    for (const id of p.printedIds()) parts.push(p.printTopLevel(id));
  }
  return { text: parts.join(''), notFound };
}

/** pahole's printer over one BTF; its packed-inference state lives as long as it does. */
export class PaholePrinter {
  readonly model: LayoutModel;
  private readonly btf: Btf;
  /** Names printed so far, for pahole's skipping of look-alike repeats. */
  private readonly printedByName: Map<string, number[]>;

  constructor(btf: Btf, opts: PaholeOptions = {}, from?: { model: LayoutModel; printedByName: Map<string, number[]> }) {
    this.btf = btf;
    this.model = from?.model ?? new LayoutModel(btf, opts);
    this.printedByName = from?.printedByName ?? new Map();
  }

  /**
   * A printer for split BTF on this printer's BTF that continues where this one stands:
   * after `printedIds()` of the base, its `printedIds(split.startId)` and texts are what
   * pahole prints for the split part (many modules on one vmlinux without redoing the base).
   */
  forSplit(split: Btf): PaholePrinter {
    const seen = new Map<string, number[]>();
    for (const [k, v] of this.printedByName) seen.set(k, [...v]);
    return new PaholePrinter(split, {}, { model: this.model.forSplit(split), printedByName: seen });
  }

  /** The first struct or union (not a declaration) called `name`. */
  findComposite(name: string): number | undefined {
    let best: number | undefined;
    for (const id of this.btf.findByName(name)) {
      const k = this.btf.kind(id);
      if (isComposite(k) && (best === undefined || id < best)) best = id;
    }
    return best;
  }

  /** Ids pahole prints without `-C`: named structs/unions in id order (from `fromId`), minus look-alike repeats. */
  *printedIds(fromId = 1): Generator<number> {
    const btf = this.btf;
    const seen = this.printedByName;
    for (let id = fromId; id < btf.nextId; id++) {
      const k = btf.kind(id);
      if (!isComposite(k) || btf.nameOff(id) === 0) continue;
      const name = this.model.str(btf.nameOff(id));
      const same = seen.get(name);
      if (same?.some((other) => this.sameShape(other, id))) continue;
      if (same) same.push(id);
      else seen.set(name, [id]);
      yield id;
    }
  }

  /** pahole's duplicate test: size, member count, and each member's name, bit offset and width. */
  private sameShape(a: number, b: number): boolean {
    const btf = this.btf;
    if (btf.sizeOrType(a) !== btf.sizeOrType(b) || btf.vlen(a) !== btf.vlen(b)) return false;
    const la = this.model.layout(a).members;
    const lb = this.model.layout(b).members;
    for (let i = 0; i < la.length; i++) {
      const ma = la[i]!;
      const mb = lb[i]!;
      if (ma.name !== '' && mb.name !== '' && ma.name !== mb.name) return false;
      if (ma.bitOffset !== mb.bitOffset || ma.bitfieldSize !== mb.bitfieldSize) return false;
    }
    return true;
  }

  /** One type as pahole prints it at top level, with the `;` and newline after it. */
  printTopLevel(id: number): string {
    const isUnion = this.model.tagKind(id) === 'union';
    const conf: Conf = {
      indent: 0,
      typeSpacing: 26,
      nameSpacing: isUnion ? 21 : 23,
      baseOffset: 0,
      relOffset: false,
      cacheline: null,
      prefix: null,
      suffix: null,
      emitStats: true,
      unionMember: false,
      lastMember: false,
      firstMember: false,
    };
    return (isUnion ? this.union(id, conf) : this.struct(id, conf)) + ';\n';
  }

  /** A type's name as pahole writes it (`const char  *`), without pahole's trailing blank. */
  typeName(id: number): string {
    return this.tagName(id).trimEnd();
  }

  // ---- names (pahole's tag__name family) ----

  private tag(id: number): TagKind | null {
    return this.model.tagKind(id);
  }

  private nameOf(id: number): string | null {
    const off = this.btf.nameOff(id);
    return off === 0 ? null : this.model.str(off);
  }

  private isAnonymous(id: number): boolean {
    return this.btf.nameOff(id) === 0;
  }

  private notFound(id: number): string {
    return `<ERROR: type ${id} not found>`;
  }

  /** The name of a type as pahole writes it inside declarations, in a buffer of `len` bytes. */
  /** How deep tagName is nested: hostile BTF can loop (a pointer to itself, a prototype returning a pointer to itself). */
  private nameDepth = 0;

  private tagName(id: number, len = 128): string {
    if (this.nameDepth > 64) return '<ERROR: type loop>';
    this.nameDepth++;
    try {
      return this.tagNameInner(id, len);
    } finally {
      this.nameDepth--;
    }
  }

  private tagNameInner(id: number, len: number): string {
    const t = this.tag(id);
    if (t === null) return 'void';
    const m = this.model;
    switch (t) {
      case 'base': {
        const name = this.nameOf(id);
        if (name === null) return fit('nameless base type!', len);
        // dwarves' BTF loader marks every FLOAT as a "single" precision base type.
        return fit(this.btf.kind(id) === Kind.FLOAT ? `single ${name}` : name, len);
      }
      case 'function':
      case 'variable':
        return fit(this.nameOf(id) ?? '', len);
      case 'pointer':
        return this.pointerName(id, '*', len);
      case 'const':
      case 'volatile':
      case 'restrict': {
        const ref = m.refType(id);
        if (ref !== 0 && this.tag(ref) === null) return fit(this.notFound(ref), len);
        const inner = this.tagName(ref, 128);
        const s = t === 'restrict' ? `${inner} restrict ` : `${t} ${inner} `;
        return fit(s, len);
      }
      case 'array': {
        const ref = m.refType(id);
        if (this.tag(ref) === null) return fit(this.notFound(ref), len);
        return this.tagName(ref, len);
      }
      case 'subroutine':
        return fit(this.ftype(id, null, false, false, 0, true), len);
      case 'enum':
        return fit(`enum ${this.nameOf(id) ?? ''}`, len);
      case 'struct':
        return fit(`struct ${this.nameOf(id) ?? ''}`, len);
      case 'union':
        return fit(`union ${this.nameOf(id) ?? ''}`, len);
      case 'typedef':
        return fit(this.nameOf(id) ?? '', len);
    }
  }

  private pointerName(id: number, suffix: string, len: number): string {
    const ref = this.model.refType(id);
    if (ref === 0) return fit(`void ${suffix}`, len);
    if (this.tag(ref) === null) return fit(`${this.notFound(ref)} ${suffix}`, len);
    let target = ref;
    let constPointer = '';
    // `T * const *`: the const belongs to the pointer it qualifies.
    if (this.tag(ref) === 'const') {
      const next = this.model.refType(ref);
      if (this.tag(next) === 'pointer') {
        constPointer = 'const ';
        target = next;
      }
    }
    return fit(`${this.tagName(target, 1024)} ${constPointer}${suffix}`, len);
  }

  /** A function type: `ret (*name)(params)` and the like (pahole's ftype__fprintf). */
  private ftype(proto: number, name: string | null, inlined: boolean, isPointer: boolean, typeSpacing: number, isPrototype: boolean): string {
    const stype = fit(this.tagName(this.model.refType(proto)), 128);
    return (
      (inlined ? 'inline ' : '') +
      padEnd(stype, typeSpacing) +
      ' ' +
      (isPrototype ? '(' : '') +
      (isPointer ? '*' : '') +
      (name ?? '') +
      (isPrototype ? ')' : '') +
      this.params(proto)
    );
  }

  private params(proto: number): string {
    const btf = this.btf;
    let s = '(';
    let first = true;
    let unspecified = false;
    const n = btf.vlen(proto);
    for (let i = 0; i < n; i++) {
      const type = btf.elemWord(proto, i, 1);
      if (type === 0) {
        unspecified = true;
        continue;
      }
      if (!first) s += ', ';
      first = false;
      const nameOff = btf.elemWord(proto, i, 0);
      const name = nameOff === 0 ? null : this.model.str(nameOff);
      const t = this.tag(type);
      if (t === null) {
        s += `<ERROR: type ${type} not found>${name !== null ? ' ' + name : ''}`;
        continue;
      }
      if (t === 'pointer') {
        const ref = this.model.refType(type);
        if (ref !== 0) {
          const pt = this.tag(ref);
          if (pt === null) {
            s += this.notFound(ref);
            continue;
          }
          if (pt === 'subroutine') {
            s += this.ftype(ref, name, false, true, 0, true);
            continue;
          }
        }
      } else if (t === 'subroutine') {
        s += this.ftype(type, name, true, false, 0, false);
        continue;
      }
      s += fit(this.tagName(type), 128) + (name !== null ? ' ' + name : '');
    }
    if (first) s += 'void)';
    else if (unspecified) s += ', ...)';
    else s += ')';
    return s;
  }

  // ---- declarations with a name (pahole's type__fprintf) ----

  /** Inline types being printed; an anonymous type that contains itself (hostile BTF) would nest forever. */
  private nesting = 0;

  private type(id: number, name: string | null, conf: Conf): string {
    if (this.nesting > 64) return '<ERROR: nesting too deep>';
    this.nesting++;
    try {
      return this.typeInner(id, name, conf);
    } finally {
      this.nesting--;
    }
  }

  private typeInner(id: number, name: string | null, conf: Conf): string {
    let t = id;
    let kind = this.tag(t);
    let label = name;
    if (kind === null) return padEnd('<ERROR', conf.typeSpacing) + '> ' + (label ?? '(null)');
    // Most members (base types, typedefs, pointers) only read the spacing: copy the
    // printing state only for what prints nested types.
    let tconf = conf;
    const own = (): Conf => (tconf === conf ? (tconf = { ...conf }) : tconf);
    if (kind === 'struct' || kind === 'union' || kind === 'enum') {
      const c = own();
      c.prefix = null;
      c.suffix = label;
      c.emitStats = false;
    }
    let out = '';
    for (let guard = 0; guard < 1000; guard++) {
      switch (kind) {
        case 'pointer': {
          const ref = this.model.refType(t);
          if (ref !== 0) {
            const pt = this.tag(ref);
            if (pt === null) return out + padEnd('<ERROR', tconf.typeSpacing) + '> ' + (label ?? '(null)');
            if (pt === 'subroutine') return out + this.ftype(ref, label, false, true, tconf.typeSpacing, true);
            if ((pt === 'struct' || pt === 'union' || pt === 'enum') && this.isAnonymous(ref)) {
              // A pointer to a type defined in place: the type inline, then `* name`.
              label = `* ${label ?? '(null)'}`;
              const c = own();
              c.relOffset = true;
              c.typeSpacing -= 8;
              c.prefix = null;
              c.suffix = label;
              c.emitStats = false;
              t = ref;
              kind = pt;
              continue;
            }
          }
          return out + padEnd(this.tagName(t), tconf.typeSpacing) + ' ' + (label ?? '(null)');
        }
        case 'subroutine':
          return out + this.ftype(t, label, false, false, tconf.typeSpacing, true);
        case 'const': {
          out += 'const ';
          own().typeSpacing -= 6;
          const ref = this.model.refType(t);
          const rt = this.tag(ref);
          if (rt !== null) {
            t = ref;
            kind = rt;
            continue;
          }
          return out + padEnd(this.tagName(t), tconf.typeSpacing) + ' ' + (label ?? '(null)');
        }
        case 'array':
          return out + this.array(t, label, tconf);
        case 'struct':
          if (!this.isAnonymous(t)) return out + 'struct ' + padEnd(this.nameOf(t)!, tconf.typeSpacing - 7) + ' ' + (label ?? '');
          own().typeSpacing -= 8;
          return out + this.struct(t, tconf);
        case 'union':
          if (!this.isAnonymous(t)) return out + 'union ' + padEnd(this.nameOf(t)!, tconf.typeSpacing - 6) + ' ' + (label ?? '');
          own().typeSpacing -= 8;
          return out + this.union(t, tconf);
        case 'enum':
          if (!this.isAnonymous(t)) return out + 'enum ' + padEnd(this.nameOf(t)!, tconf.typeSpacing - 5) + ' ' + (label ?? '');
          return out + this.enumeration(t, tconf);
        default:
          return out + padEnd(this.tagName(t), tconf.typeSpacing) + ' ' + (label ?? '(null)');
      }
    }
    return out;
  }

  /** `elem name[N]`: the element declared with the name, then the bound (so `int a[2][3]` reads `a[3][2]`, as in pahole). */
  private array(id: number, name: string | null, conf: Conf): string {
    const m = this.model;
    let elem = m.refType(id);
    const nelems = m.arrayLength(id);
    if (this.tag(elem) === null) return this.notFound(elem);
    if (nelems === 0 && this.tag(elem) === 'const') elem = m.refType(elem);
    const single = conf.lastMember && conf.firstMember;
    const bound = nelems !== 0 || !conf.lastMember || single || conf.unionMember ? `[${nelems}]` : '[]';
    return this.type(elem, name, conf) + bound;
  }

  private enumeration(id: number, conf: Conf): string {
    const btf = this.btf;
    const name = this.nameOf(id);
    let s = 'enum' + (name !== null ? ' ' + name : '');
    const n = btf.vlen(id);
    if (n === 0) return s;
    s += ' {\n';
    const indent = Math.min(conf.indent, MAX_INDENT);
    let width = 0;
    for (let i = 0; i < n; i++) width = Math.max(width, this.model.str(btf.elemWord(id, i, 0)).length);
    // dwarves 1.24 prints enumerators unsigned, whatever the kind flag says.
    const bits = btf.kind(id) === Kind.ENUM64 ? 64 : 32;
    for (let i = 0; i < n; i++) {
      s += `${tabs(indent)}\t${this.model.str(btf.elemWord(id, i, 0)).padEnd(width)} = ${BigInt.asUintN(bits, enumValue(btf, id, i))},\n`;
    }
    s += tabs(indent) + '}';
    const size = btf.sizeOrType(id);
    if (size !== 0 && size !== 4) s += ' __attribute__((__packed__))';
    if (conf.suffix !== null) s += ' ' + conf.suffix;
    return s;
  }

  // ---- members ----

  private cachelineBoundary(conf: Conf, offset: number): string {
    const size = this.model.cachelineSize;
    const line = Math.floor(offset / size);
    const ref = conf.cacheline!;
    if (line <= ref.v) return '';
    const pos = offset % size;
    const bytes = offset - pos;
    ref.v = line;
    const text =
      pos === 0
        ? `/* --- cacheline ${line} boundary (${bytes} bytes) --- */\n`
        : `/* --- cacheline ${line} boundary (${bytes} bytes) was ${pos} byte${pos > 1 ? 's' : ''} ago --- */\n`;
    return text + tabs(conf.indent);
  }

  private member(m: MemberLayout, unionMember: boolean, conf: Conf): string {
    let sconf = conf;
    let offset = m.byteOffset;
    if (!conf.relOffset) {
      offset += conf.baseOffset;
      // Nested inline types count offsets from here.
      if (!unionMember && offset !== conf.baseOffset) sconf = { ...conf, baseOffset: offset };
    }
    const boundary = this.cachelineBoundary(conf, offset);
    const name = m.name === '' ? null : m.name;
    const t = this.tag(m.typeId);
    const aggregate = t === 'struct' || t === 'union' || t === 'enum';
    let s: string;
    if (aggregate) {
      s = this.type(m.typeId, null, sconf);
      if (name !== null) s += (this.isAnonymous(m.typeId) ? ' ' : '') + name;
    } else {
      s = this.type(m.typeId, name, sconf);
    }
    if (m.bitfieldSize !== 0) s += `:${m.bitfieldSize}`;
    const aligned = m.alignment !== 0 ? ` __attribute__((__aligned__(${m.alignment})))` : '';
    s += aligned + ';';
    const bits = m.bitfieldSize !== 0 ? `:${String(m.bitfieldOffset).padStart(2)}` : '';
    const sizeText = ` ${String(m.byteSize).padStart(m.bitfieldSize !== 0 ? 2 : 5)} */`;
    if (aggregate && this.isAnonymous(m.typeId)) {
      // Columns counted from the member name only: pahole ignores what the inline body printed.
      let slen = aligned.length + (name !== null ? name.length : -1);
      if (t === 'struct' && this.model.isPacked(m.typeId)) slen += 28;
      s += gap(sconf.typeSpacing + sconf.nameSpacing - slen - 3) + `/* ${String(offset).padStart(5)}${bits}${sizeText}`;
    } else {
      const spacing = sconf.typeSpacing + sconf.nameSpacing - s.length;
      s += gap(Math.max(spacing, 0)) + `/* ${String(offset).padStart(5)}${bits}${sizeText}`;
    }
    return boundary + s;
  }

  // ---- aggregates ----

  private union(id: number, conf: Conf): string {
    const indent = Math.min(conf.indent, MAX_INDENT);
    const name = this.nameOf(id);
    let s = (conf.prefix !== null ? conf.prefix + ' ' : '') + 'union' + (name !== null ? ' ' + name : '') + ' {\n';
    const uconf: Conf = { ...conf, indent: indent + 1 };
    this.model.inferUnionPacked(id);
    if (uconf.cacheline === null) uconf.cacheline = { v: 0 };
    const initial = uconf.cacheline.v;
    for (const m of this.model.layout(id).members) {
      if (this.tag(m.typeId) === null) {
        s += tabs(uconf.indent) + this.notFound(m.typeId);
        continue;
      }
      uconf.unionMember = true;
      s += tabs(uconf.indent) + this.member(m, true, uconf) + '\n';
      // Each member starts again from the union's own cacheline.
      uconf.cacheline.v = initial;
    }
    return s + tabs(indent) + '}' + (conf.suffix !== null ? ' ' + conf.suffix : '');
  }

  private struct(id: number, conf: Conf): string {
    const model = this.model;
    const indent = Math.min(conf.indent, MAX_INDENT);
    const name = this.nameOf(id);
    let s = (conf.prefix !== null ? conf.prefix + ' ' : '') + 'struct' + (name !== null ? ' ' + name : '');
    const cconf: Conf = { ...conf, indent: indent + 1 };
    if (cconf.cacheline === null) cconf.cacheline = { v: 0 };
    const ci = tabs(cconf.indent);
    model.inferPacked(id);
    const layout: CompositeLayout = model.layout(id);
    s += ' {\n';
    let newline = false;
    let sumHoles = 0;
    let sumBitHoles = 0;
    let sumBytes = 0;
    let sumBits = 0;
    let nrPaddings = 0;
    let sumPaddings = 0;
    let nrForced = 0;
    let nrForcedHoles = 0;
    let sumForcedHoles = 0;
    const blank = (): void => {
      if (!newline) s += '\n';
      newline = true;
    };
    if (layout.preBitHole > 0) {
      blank();
      s += `${ci}/* XXX ${layout.preBitHole} bit${plural(layout.preBitHole)} hole, try to pack */\n`;
      sumBitHoles += layout.preBitHole;
    }
    if (layout.preHole > 0) {
      blank();
      s += `${ci}/* XXX ${layout.preHole} byte${plural(layout.preHole)} hole, try to pack */\n`;
      sumHoles += layout.preHole;
    }
    let last: MemberLayout | undefined;
    let lastSize = 0;
    const members = layout.members;
    for (let i = 0; i < members.length; i++) {
      const pos = members[i]!;
      if (pos.alignment !== 0) {
        const forcedHole = last ? last.hole : layout.preHole;
        if (forcedHole !== 0) {
          nrForcedHoles++;
          sumForcedHoles += forcedHole;
        }
        nrForced++;
      }
      const posType = this.tag(pos.typeId);
      if (last !== undefined && lastSize !== 0) {
        if (last.bitHole !== 0 && pos.bitfieldSize !== 0) {
          if (posType === null) {
            s += ci + this.notFound(pos.typeId);
            continue;
          }
          let width = last.bitHole;
          // A new storage unit: say so, and pad with `:0` as the compiler would.
          if (last.byteOffset !== pos.byteOffset) {
            s += `\n${ci}/* Force alignment to the next boundary: */\n`;
            width = 0;
          }
          s += ci + this.type(pos.typeId, '', cconf) + `:${width};\n`;
        }
        if (pos.byteOffset < last.byteOffset || (pos.byteOffset === last.byteOffset && last.bitfieldSize === 0 && pos.bitfieldSize !== 0)) {
          blank();
          s += `${ci}/* Bitfield combined with previous fields */\n`;
        } else {
          const delta = pos.byteOffset - last.byteOffset;
          if (delta > 0 && delta < lastSize) {
            blank();
            s += `${ci}/* Bitfield combined with next fields */\n`;
          }
        }
      }
      if (newline) {
        s += '\n';
        newline = false;
      }
      if (posType === null) {
        s += ci + this.notFound(pos.typeId);
        continue;
      }
      cconf.lastMember = i === members.length - 1;
      cconf.firstMember = last === undefined;
      s += ci + this.member(pos, false, cconf);
      if (posType === 'struct') {
        model.inferPacked(pos.typeId);
        const padding = model.layout(pos.typeId).padding;
        if (padding > 0) {
          nrPaddings++;
          sumPaddings += padding;
          blank();
          s += `\n${ci}/* XXX last struct has ${padding} byte${plural(padding)} of padding */`;
        }
      }
      if (pos.bitHole !== 0) {
        blank();
        s += `\n${ci}/* XXX ${pos.bitHole} bit${plural(pos.bitHole)} hole, try to pack */`;
        sumBitHoles += pos.bitHole;
      }
      if (pos.hole > 0) {
        blank();
        s += `\n${ci}/* XXX ${pos.hole} byte${plural(pos.hole)} hole, try to pack */`;
        sumHoles += pos.hole;
      }
      s += '\n';
      if (pos.bitfieldSize !== 0) sumBits += pos.bitfieldSize;
      else sumBytes += pos.byteSize;
      if (last === undefined || lastSize === 0 || last.byteOffset !== pos.byteOffset) lastSize = pos.byteSize;
      else if (last.bitfieldSize === 0 && pos.bitfieldSize !== 0) lastSize = pos.byteSize;
      last = pos;
    }
    if (cconf.emitStats) {
      s += `\n${ci}/* size: ${layout.size}, cachelines: ${layout.cachelines}, members: ${members.length} */\n`;
      if (sumHoles > 0 || sumBitHoles > 0) {
        if (sumBytes > 0) {
          s += `${ci}/* sum members: ${sumBytes}`;
          if (sumHoles > 0) s += `, holes: ${layout.nrHoles}, sum holes: ${sumHoles}`;
          s += ' */\n';
        }
        if (sumBits > 0) {
          s += `${ci}/* sum bitfield members: ${sumBits} bits`;
          if (sumBitHoles > 0) s += `, bit holes: ${layout.nrBitHoles}, sum bit holes: ${sumBitHoles} bits`;
          else s += ` (${Math.floor(sumBits / 8)} bytes)`;
          s += ' */\n';
        }
      }
      if (layout.padding > 0) s += `${ci}/* padding: ${layout.padding} */\n`;
      if (nrPaddings > 0) s += `${ci}/* paddings: ${nrPaddings}, sum paddings: ${sumPaddings} */\n`;
      if (layout.bitPadding > 0) s += `${ci}/* bit_padding: ${layout.bitPadding} bits */\n`;
      if (nrForced !== 0) {
        s += `${ci}/* forced alignments: ${nrForced}`;
        if (nrForcedHoles !== 0) s += `, forced holes: ${nrForcedHoles}, sum forced holes: ${sumForcedHoles}`;
        s += ' */\n';
      }
      const lastLine = (cconf.baseOffset + layout.size) % model.cachelineSize;
      if (lastLine !== 0) s += `${ci}/* last cacheline: ${lastLine} bytes */\n`;
      const diff = layout.size * 8 - (sumBytes * 8 + sumBits + sumHoles * 8 + sumBitHoles + layout.padding * 8 + layout.bitPadding);
      if (diff !== 0 && members.length !== 0) {
        s += `\n${ci}/* BRAIN FART ALERT! ${layout.size} bytes != ${sumBytes} (member bytes) + ${sumBits} (member bits) + ${sumHoles} (byte holes) + ${sumBitHoles} (bit holes), diff = ${diff} bits */\n`;
      }
    }
    s += tabs(indent) + '}';
    const packed = model.isPacked(id);
    if (packed) s += ' __attribute__((__packed__))';
    if (cconf.suffix !== null) s += ' ' + cconf.suffix;
    if (layout.alignment !== 0 && !packed) s += ` __attribute__((__aligned__(${layout.alignment})))`;
    return s;
  }
}

/** The facts behind one layout, as data (`btfkit layout --json`, the explorer). */
export interface LayoutFacts {
  readonly id: number;
  readonly kind: 'struct' | 'union';
  readonly name: string;
  readonly size: number;
  readonly cachelines: number;
  readonly packed: boolean;
  /** Inferred `__aligned__(N)` of the type, 0 when natural. */
  readonly alignment: number;
  readonly padding: number;
  readonly bitPadding: number;
  readonly holes: number;
  readonly bitHoles: number;
  readonly sumHoles: number;
  readonly members: ReadonlyArray<{
    readonly name: string;
    readonly typeId: number;
    /** The member's type as pahole names it (`struct list_head *`, `unsigned int`). */
    readonly type: string;
    readonly offset: number;
    readonly size: number;
    readonly bitOffset: number;
    readonly bitfieldSize?: number;
    readonly bitfieldOffset?: number;
    readonly hole: number;
    readonly bitHole: number;
    readonly alignment: number;
  }>;
}

/** Layout facts of `id`, as pahole would decide them after printing what this printer printed so far. */
export function layoutFacts(p: PaholePrinter, id: number): LayoutFacts {
  const m = p.model;
  const l = m.layout(id);
  const packed = l.kind === 'struct' ? m.inferPacked(id) : false;
  let sumHoles = Math.max(l.preHole, 0);
  for (const x of l.members) if (x.hole > 0) sumHoles += x.hole;
  return {
    id,
    kind: l.kind,
    name: l.name,
    size: l.size,
    cachelines: l.cachelines,
    packed,
    alignment: l.alignment,
    padding: l.padding,
    bitPadding: l.bitPadding,
    holes: l.nrHoles,
    bitHoles: l.nrBitHoles,
    sumHoles,
    members: l.members.map((x) => ({
      name: x.name,
      typeId: x.typeId,
      type: p.typeName(x.typeId),
      offset: x.byteOffset,
      size: x.byteSize,
      bitOffset: x.bitOffset,
      ...(x.bitfieldSize !== 0 ? { bitfieldSize: x.bitfieldSize, bitfieldOffset: x.bitfieldOffset } : {}),
      hole: x.hole,
      bitHole: x.bitHole,
      alignment: x.alignment,
    })),
  };
}
