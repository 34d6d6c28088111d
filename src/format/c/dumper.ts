/**
 * BTF → C declarations, producing the same text as libbpf's C dumper (btf_dump, libbpf 1.8):
 *
 * - `dumpType(id)` first orders the type's dependencies (a depth-first walk that tells
 *   "strong" links — the full definition must come first, e.g. an embedded struct — from
 *   "weak" ones that a forward declaration satisfies, e.g. a pointer to a named struct),
 *   then emits each queued named definition once, with forward declarations where a cycle
 *   needs them;
 * - anonymous structs, unions and enums are written inline where they are used;
 * - bitfields keep their widths and gaps become `long: N;`-style padding chosen so that the
 *   compiler reproduces every member offset; a struct whose layout cannot come from natural
 *   alignment gets `__attribute__((packed))`;
 * - enums of 1 byte get `__attribute__((mode(byte)))`, 8-byte enums whose values fit in 32
 *   bits get `__attribute__((mode(word)))`;
 * - a name used by two different types gets `___2`, `___3`, ... in the order the types are
 *   first written out.
 *
 * The state (what was emitted, which names were taken) lives in the dumper, so one dumper
 * over one BTF writes each type at most once across many `dumpType` calls.
 */

import { resolveSize } from '../../model/sizes.js';
import type { Btf } from '../../wire/btf.js';
import { BtfError } from '../../wire/errors.js';
import { infoKind, infoVlen, Kind, memberWordBitfieldSize, memberWordBitOffset } from '../../wire/kinds.js';
import { MAX_PADDING_LINES, MAX_WALK_DEPTH, outputBudget } from '../../wire/limits.js';
import { type ByteSink, ByteWriter, lit } from '../byte-writer.js';
import { NameCounts } from './names.js';
import { TypeTable, tooDeep } from './table.js';

const K_INT = Kind.INT;
const K_PTR = Kind.PTR;
const K_ARRAY = Kind.ARRAY;
const K_STRUCT = Kind.STRUCT;
const K_UNION = Kind.UNION;
const K_ENUM = Kind.ENUM;
const K_FWD = Kind.FWD;
const K_TYPEDEF = Kind.TYPEDEF;
const K_VOLATILE = Kind.VOLATILE;
const K_CONST = Kind.CONST;
const K_RESTRICT = Kind.RESTRICT;
const K_FUNC = Kind.FUNC;
const K_FUNC_PROTO = Kind.FUNC_PROTO;
const K_VAR = Kind.VAR;
const K_DATASEC = Kind.DATASEC;
const K_FLOAT = Kind.FLOAT;
const K_DECL_TAG = Kind.DECL_TAG;
const K_TYPE_TAG = Kind.TYPE_TAG;
const K_ENUM64 = Kind.ENUM64;

// order_state / emit_state values (0, a fresh array's value, is not ordered)
const ORDERING = 1;
const ORDERED = 2;
const NOT_EMITTED = 0;
const EMITTING = 1;
const EMITTED = 2;

const TABS = '\t\t\t\t\t\t\t\t\t\t\t\t\t';
/** Indentation for nesting level `lvl` (at most 13 tabs, as libbpf). */
const PREFIXES = Array.from({ length: 14 }, (_, lvl) => TABS.slice(0, lvl));
const pfx = (lvl: number): string => PREFIXES[Math.min(lvl, 13)]!;
const PREFIX_BYTES = PREFIXES.map(lit);
const pfxBytes = (lvl: number): Uint8Array => PREFIX_BYTES[Math.min(lvl, 13)]!;

// The dumper's punctuation and keywords, encoded once (ByteWriter.text decodes a string per call).
const L_NL = lit('\n');
const L_DEF_END = lit(';\n\n');
const L_STRUCT = lit('struct');
const L_UNION = lit('union');
const L_ENUM = lit('enum');
const L_OPEN = lit(' {');
const L_CLOSE = lit('}');
const L_PACKED = lit(' __attribute__((packed))');
const L_COLON = lit(': ');
const L_SEMI = lit(';');
const L_EQ = lit(' = ');
const L_COMMA = lit(',');
const L_DUP = lit('___');
const L_VOID = lit('void');
const L_STAR = lit('*');
const L_SP_STAR = lit(' *');
const L_SP_VOLATILE = lit(' volatile');
const L_SP_CONST = lit(' const');
const L_SP_RESTRICT = lit(' restrict');
const L_VOLATILE_SP = lit('volatile ');
const L_CONST_SP = lit('const ');
const L_RESTRICT_SP = lit('restrict ');
const L_LBRACKET = lit('[');
const L_RBRACKET = lit(']');
const L_LPAREN = lit('(');
const L_RPAREN = lit(')');
const L_SP_LPAREN = lit(' (');
const L_VOID_RPAREN = lit('void)');
const L_ARG_SEP = lit(', ');
const L_ELLIPSIS = lit('...');
const L_TYPEDEF = lit('typedef ');
const GNUC_VA_LIST = lit('__gnuc_va_list');

const BUILTIN_VA_LIST = lit('__builtin_va_list');
const utf8Decoder = new TextDecoder('utf-8');

const roundup = (x: number, y: number): number => Math.ceil(x / y) * y;

/** GCC's ARM SIMD polynomial types, aliased to standard integer types when an INT uses them. */
const MISSING_BASE_TYPES: ReadonlyArray<readonly [Uint8Array, string]> = [
  [lit('__Poly8_t'), 'unsigned char'],
  [lit('__Poly16_t'), 'unsigned short'],
  [lit('__Poly64_t'), 'unsigned long long'],
  [lit('__Poly128_t'), 'unsigned __int128'],
];

/** How a `CDumper` writes: pointer size, output budget, where its bytes go (a sink, or kept for `take()`), `___N` renaming. */
export interface CDumperOptions {
  /** Pointer size in bytes (default: guessed from the `long` INT, else 8). */
  readonly ptrSize?: number | undefined;
  /** Most bytes of text held between take() calls (default: limits.ts outputBudget of the BTF's size). */
  readonly maxOutputBytes?: number | undefined;
  /**
   * Where full output chunks go as they fill (see ByteWriter's ByteSink), so a whole
   * vmlinux.h is never held in memory; without it the output collects for take().
   */
  readonly sink?: ByteSink | undefined;
  /**
   * Write names as they are, never with libbpf's `___N` suffix for a second type of the same
   * name: for one dumper reused over many unrelated declarations (the ABI diff's C text).
   */
  readonly keepNames?: boolean | undefined;
}

/**
 * The name a declaration declares (a member, parameter, typedef or caller's name): a string
 * offset, its bytes copied from the string table as libbpf prints them (no JS string per
 * member: vmlinux has ~400k members and parameters), 0 for none; or, negative, -(i + 1) for
 * declNames[i].
 */
type DeclName = number;

/** The chunks as one array (the one chunk itself when there is one). */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const r = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    r.set(c, at);
    at += c.length;
  }
  return r;
}

/** Output chunk size (to the sink, or kept for take()). */
const CHUNK = 1 << 16;

/** libbpf's btf_dump as bytes: type definitions and declarations in C, each written once, forward-declared where a loop needs it. */
export class CDumper {
  readonly t: TypeTable;
  private readonly ptrSz: number;
  private readonly keepNames: boolean;
  private orderState: Uint8Array;
  private emitState: Uint8Array;
  private fwdEmitted: Uint8Array;
  private nameResolved: Uint8Array;
  private referenced: Uint8Array;
  /** Padding member types, widest first (libbpf btf_dump_emit_bit_padding). */
  private readonly pads: ReadonlyArray<readonly [string, number]>;
  /** alignOf(id) + 1, 0 = not computed yet (or too large to keep: only an absurd ptrSize gives one). */
  private alignMemo: Uint8Array;
  /** The ___N of each type's name (1 or less: none), valid where nameResolved is set. */
  private nameDup: Int32Array;
  /** Uses of struct/union/enum/fwd names, and of typedef and enumerator names (libbpf's two namespaces). */
  private readonly typeNames: NameCounts;
  private readonly identNames: NameCounts;
  /** Named types ordered by the current dumpType, to emit (each id is queued once ever). */
  private emitQueue: Int32Array;
  private queued = 0;
  private declStack: number[] = [];
  /** The names of declarations being written that are not copied from the string table (see DeclName). */
  private declNames: string[] = [];
  private declCnt = 0;
  /**
   * The declaration chain being written: declStack[dStart .. dStart + dCnt), consumed from
   * the top. Fields rather than an object per declaration (one per member and parameter):
   * a nested declaration saves and restores them.
   */
  private dStart = 0;
  private dCnt = 0;
  /** The output (UTF-8), in chunks to the sink, or to `kept` until take(). */
  private readonly w: ByteWriter;
  private kept: Uint8Array[] = [];
  private readonly maxOutput: number;
  /** Nesting of the recursive walks (ordering, emitting, declarations), bounded by MAX_WALK_DEPTH. */
  private depth = 0;
  /** The type dumpType is writing, for errors. */
  private current = 0;
  /** Bytes of output since the last take() (streamed output counts against maxOutput too). */
  private written = 0;
  /** Warnings libbpf would print with pr_warn (the output is still produced). */
  readonly warnings: string[] = [];

  constructor(btfOrTable: Btf | TypeTable, opts: CDumperOptions = {}) {
    this.t = btfOrTable instanceof TypeTable ? btfOrTable : TypeTable.of(btfOrTable);
    this.ptrSz = opts.ptrSize ?? this.t.ptrSize;
    const sink = opts.sink;
    this.w = new ByteWriter(sink ? (chunk) => this.count(chunk) && sink(chunk) : (chunk) => this.keep(chunk), CHUNK);
    this.maxOutput = opts.maxOutputBytes ?? outputBudget(this.t.words.length * 4);
    this.keepNames = opts.keepNames === true;
    this.pads = [
      ['long', this.ptrSz * 8],
      ['int', 32],
      ['short', 16],
      ['char', 8],
    ];
    const n = this.t.n;
    this.orderState = new Uint8Array(n);
    this.emitState = new Uint8Array(n);
    this.fwdEmitted = new Uint8Array(n);
    this.nameResolved = new Uint8Array(n);
    this.referenced = new Uint8Array(n);
    this.nameDup = new Int32Array(n);
    this.typeNames = new NameCounts(this.t.strBytes);
    this.identNames = new NameCounts(this.t.strBytes);
    this.alignMemo = new Uint8Array(n);
    this.emitQueue = new Int32Array(n);
    this.orderState[0] = ORDERED;
    this.emitState[0] = EMITTED;
  }

  private referencedDone = false;

  /**
   * Which types something refers to (needed only to order; done on the first dumpType):
   * every type-id word the field visitor finds, except a FUNC_PROTO's return type, which
   * libbpf's btf_dump_mark_referenced leaves out (so an anonymous enum that is only ever
   * returned is still written as a definition of its own).
   */
  private ensureReferenced(): void {
    if (this.referencedDone) return;
    this.referencedDone = true;
    const t = this.t;
    const words = t.words;
    const off = t.off;
    const shapes = t.btf.shapes;
    const referenced = this.referenced;
    // The field visitor (forEachTypeIdWord) inlined, as Btf.sanityCheck does: a callback per
    // type-id word cost more than the marks themselves (13 -> 10 ms CPU for vmlinux, cold).
    for (let id = 1; id < t.n; id++) {
      const o = off[id]!;
      const info = words[o + 1]!;
      const k = infoKind(info);
      const shape = shapes[k];
      if (shape === undefined) continue;
      if (shape.sizeOrType === 'type' && k !== K_FUNC_PROTO) referenced[words[o + 2]!] = 1;
      const infoIds = shape.infoTypeWords;
      for (let i = 0; i < infoIds.length; i++) referenced[words[o + 3 + infoIds[i]!]!] = 1;
      const elemIds = shape.elemTypeWords;
      if (elemIds.length === 0) continue;
      const n = infoVlen(info);
      const stride = shape.elemSize >>> 2;
      let e = o + 3 + (shape.infoSize >>> 2);
      for (let j = 0; j < n; j++, e += stride) {
        for (let i = 0; i < elemIds.length; i++) referenced[words[e + elemIds[i]!]!] = 1;
      }
    }
  }

  // ---- output ----

  /** Count a full chunk against the output budget before it leaves: true, or a BtfError naming the type. */
  private count(chunk: Uint8Array): true {
    if (this.written + chunk.length > this.maxOutput) {
      throw new BtfError('unsupported', `format c: the C text would exceed ${this.maxOutput} bytes (limit for a BTF of this size)`, { typeId: this.current });
    }
    this.written += chunk.length;
    return true;
  }

  /**
   * Without a sink: keep the chunk for take(). A chunk at least half full is kept as it is
   * (the writer goes on in a new one); a short one, such as one declaration's text taken
   * between calls, is copied, so the writer's chunk is reused.
   */
  private keep(chunk: Uint8Array): boolean {
    this.count(chunk);
    const asItIs = chunk.length >= CHUNK >>> 1;
    this.kept.push(asItIs ? chunk : chunk.slice());
    return asItIs;
  }

  /** Append raw text to the output (for wrappers that frame the dumper's text). */
  write(s: string): void {
    this.w.text(s);
  }

  /** Hand what was written so far to the sink (without one, to what take() returns). */
  flush(): void {
    this.w.flush();
  }

  /** Everything written so far (without a sink) as UTF-8 bytes, clearing it. */
  takeBytes(): Uint8Array {
    this.w.flush();
    const kept = this.kept;
    this.kept = [];
    this.written = 0;
    return concatChunks(kept);
  }

  /** Everything written so far (without a sink) as text, clearing it. */
  take(): string {
    return utf8Decoder.decode(this.takeBytes());
  }

  // ---- public operations ----

  /**
   * Emit the C definition of `id` and of every type it needs that was not emitted yet
   * (libbpf btf_dump__dump_type). Throws on a type cycle that C cannot express.
   */
  dumpType(id: number): void {
    if (id < 0 || id >= this.t.n) throw new BtfError('invalid-argument', `type id ${id} does not exist`, { typeId: id });
    this.ensureReferenced();
    this.queued = 0;
    this.depth = 0;
    this.current = id;
    this.orderType(id, false);
    // Emitting never orders, so the queue stays as it is while it is walked.
    const q = this.emitQueue;
    const count = this.queued;
    for (let i = 0; i < count; i++) this.emitType(q[i]!, 0);
  }

  /**
   * Emit the declaration of a field/variable named `fieldName` of type `id`, e.g.
   * `const char *name` or `int (*cb)(void *)` (libbpf btf_dump__emit_type_decl). Anonymous
   * structs/unions/enums are written inline, indented for nesting level `lvl`.
   */
  emitTypeDecl(id: number, fieldName = '', lvl = 0): void {
    const mark = this.declNames.length;
    this.typeDecl(id, this.declName(fieldName), lvl);
    this.declNames.length = mark;
  }

  /** emitTypeDecl with the name at string offset `nameOff` of the BTF (copied as bytes; 0 for none). */
  emitTypeDeclNamed(id: number, nameOff: number, lvl = 0): void {
    this.typeDecl(id, nameOff, lvl);
  }

  /** Emit just the definition of `id` (struct/union/enum body, typedef, fwd), without dependencies. */
  emitDefinition(id: number, lvl = 0): void {
    const k = this.t.kind(id);
    switch (k) {
      case K_STRUCT:
      case K_UNION:
        this.structDef(id, lvl);
        break;
      case K_ENUM:
      case K_ENUM64:
        this.enumDef(id, lvl);
        break;
      case K_FWD:
        this.fwdDef(id);
        break;
      case K_TYPEDEF:
        this.typedefDef(id, lvl);
        break;
      default:
        this.typeDecl(id, 0, lvl);
    }
  }

  // ---- ordering (topological sort with strong/weak links) ----

  /**
   * The recursive walks go through these guards: past MAX_WALK_DEPTH levels they stop with
   * a BtfError naming the type (and the loop, when the chain comes back to itself) instead
   * of overflowing the stack.
   */
  private enter(id: number): void {
    if (++this.depth > MAX_WALK_DEPTH) throw tooDeep(this.t, id);
  }

  private orderType(id: number, throughPtr: boolean): number {
    this.enter(id);
    const r = this.orderTypeAt(id, throughPtr);
    this.depth--;
    return r;
  }

  private emitType(id: number, contId: number): void {
    this.enter(id);
    this.emitTypeAt(id, contId);
    this.depth--;
  }

  private typeChain(fname: DeclName, lvl: number): void {
    this.enter(this.declStack[this.dStart + this.dCnt - 1] ?? 0);
    this.typeChainAt(fname, lvl);
    this.depth--;
  }

  /** Returns 1 for a strong link, 0 for a weak one (libbpf btf_dump_order_type). */
  private orderTypeAt(id: number, throughPtr: boolean): number {
    const t = this.t;
    const st = this.orderState[id]!;
    if (st === ORDERED) return 1;
    const k = t.kind(id);
    if (st === ORDERING) {
      if ((k === K_STRUCT || k === K_UNION) && throughPtr && t.nameOff(id) !== 0) return 0;
      throw new BtfError('invalid-argument', `unsatisfiable type cycle, id:[${id}]`, { typeId: id });
    }
    switch (k) {
      case K_INT:
      case K_FLOAT:
        this.orderState[id] = ORDERED;
        return 0;
      case K_PTR: {
        const r = this.orderType(t.type(id), true);
        this.orderState[id] = ORDERED;
        return r;
      }
      case K_ARRAY:
        return this.orderType(t.arrayElem(id), false);
      case K_STRUCT:
      case K_UNION: {
        const named = t.nameOff(id) !== 0;
        if (throughPtr && named) return 0;
        this.orderState[id] = ORDERING;
        const n = t.vlen(id);
        const e0 = t.elems(id);
        for (let i = 0; i < n; i++) this.orderType(t.words[e0 + i * 3 + 1]!, false);
        if (named) this.emitQueue[this.queued++] = id;
        this.orderState[id] = ORDERED;
        return 1;
      }
      case K_ENUM:
      case K_ENUM64:
      case K_FWD:
        if (t.nameOff(id) !== 0 || !this.referenced[id]) this.emitQueue[this.queued++] = id;
        this.orderState[id] = ORDERED;
        return 1;
      case K_TYPEDEF: {
        const strong = this.orderType(t.type(id), throughPtr);
        if (throughPtr && !strong) return 0;
        this.emitQueue[this.queued++] = id;
        this.orderState[id] = ORDERED;
        return 1;
      }
      case K_VOLATILE:
      case K_CONST:
      case K_RESTRICT:
      case K_TYPE_TAG:
        return this.orderType(t.type(id), throughPtr);
      case K_FUNC_PROTO: {
        let strong = this.orderType(t.type(id), throughPtr) > 0;
        const n = t.vlen(id);
        const e0 = t.elems(id);
        for (let i = 0; i < n; i++) if (this.orderType(t.words[e0 + i * 2 + 1]!, throughPtr) > 0) strong = true;
        return strong ? 1 : 0;
      }
      case K_FUNC:
      case K_VAR:
      case K_DATASEC:
      case K_DECL_TAG:
        this.orderState[id] = ORDERED;
        return 0;
      default:
        throw new BtfError('unsupported', `format c: kind ${k} of type [${id}] is not supported`, { typeId: id });
    }
  }

  // ---- emitting ----

  private isBlacklisted(id: number): boolean {
    const t = this.t;
    return t.nameIs(t.nameOff(id), BUILTIN_VA_LIST);
  }

  private emitTypeAt(id: number, contId: number): void {
    const t = this.t;
    const es = this.emitState[id]!;
    if (es === EMITTED) return;
    const topLevel = contId === 0;
    const k = t.kind(id);

    if (es === EMITTING) {
      if (this.fwdEmitted[id]) return;
      switch (k) {
        case K_STRUCT:
        case K_UNION:
          if (id === contId) return;
          if (t.nameOff(id) === 0) {
            this.warnings.push(`anonymous struct/union loop, id:[${id}]`);
            return;
          }
          this.structFwd(id);
          this.w.lit(L_DEF_END);
          this.fwdEmitted[id] = 1;
          break;
        case K_TYPEDEF:
          if (!this.isBlacklisted(id)) {
            this.typedefDef(id, 0);
            this.w.lit(L_DEF_END);
          }
          this.fwdEmitted[id] = 1;
          break;
        default:
          break;
      }
      return;
    }

    switch (k) {
      case K_INT:
        this.emitMissingAliases(id);
        this.emitState[id] = EMITTED;
        break;
      case K_ENUM:
      case K_ENUM64:
        if (topLevel) {
          this.enumDef(id, 0);
          this.w.lit(L_DEF_END);
        }
        this.emitState[id] = EMITTED;
        break;
      case K_PTR:
      case K_VOLATILE:
      case K_CONST:
      case K_RESTRICT:
      case K_TYPE_TAG:
        this.emitType(t.type(id), contId);
        break;
      case K_ARRAY:
        this.emitType(t.arrayElem(id), contId);
        break;
      case K_FWD:
        this.fwdDef(id);
        this.w.lit(L_DEF_END);
        this.emitState[id] = EMITTED;
        break;
      case K_TYPEDEF:
        this.emitState[id] = EMITTING;
        this.emitType(t.type(id), id);
        if (!this.fwdEmitted[id] && !this.isBlacklisted(id)) {
          this.typedefDef(id, 0);
          this.w.lit(L_DEF_END);
        }
        this.emitState[id] = EMITTED;
        break;
      case K_STRUCT:
      case K_UNION: {
        this.emitState[id] = EMITTING;
        const anon = t.nameOff(id) === 0;
        if (topLevel || anon) {
          const n = t.vlen(id);
          const e0 = t.elems(id);
          const newCont = anon ? contId : id;
          for (let i = 0; i < n; i++) this.emitType(t.words[e0 + i * 3 + 1]!, newCont);
        } else if (!this.fwdEmitted[id] && id !== contId) {
          this.structFwd(id);
          this.w.lit(L_DEF_END);
          this.fwdEmitted[id] = 1;
        }
        if (topLevel) {
          this.structDef(id, 0);
          this.w.lit(L_DEF_END);
          this.emitState[id] = EMITTED;
        } else {
          this.emitState[id] = NOT_EMITTED;
        }
        break;
      }
      case K_FUNC_PROTO: {
        this.emitType(t.type(id), contId);
        const n = t.vlen(id);
        const e0 = t.elems(id);
        for (let i = 0; i < n; i++) this.emitType(t.words[e0 + i * 2 + 1]!, contId);
        break;
      }
      default:
        break;
    }
  }

  private emitMissingAliases(id: number): void {
    // Compared as bytes: no string per INT. The name's ___N is taken as libbpf takes it here.
    const dup = this.nameDupOf(id, this.typeNames);
    if (dup > 1) return;
    const nameOff = this.t.nameOff(id);
    for (const [from, to] of MISSING_BASE_TYPES) {
      if (this.t.nameIs(nameOff, from)) {
        this.w.text(`typedef ${to} `);
        this.w.lit(from);
        this.w.lit(L_DEF_END);
        break;
      }
    }
  }

  // ---- layout helpers (libbpf btf__align_of / btf__resolve_size) ----

  /** Alignment of `id` in bytes; 0 when it has none (FWD, FUNC_PROTO, void). */
  alignOf(id: number): number {
    const m = this.alignMemo[id]!;
    if (m !== 0) return m - 1;
    this.enter(id);
    const a = this.computeAlign(id);
    this.depth--;
    if (a < 255) this.alignMemo[id] = a + 1;
    return a;
  }

  private computeAlign(id: number): number {
    const t = this.t;
    switch (t.kind(id)) {
      case K_INT:
      case K_ENUM:
      case K_ENUM64:
      case K_FLOAT:
        return Math.min(this.ptrSz, t.size(id));
      case K_PTR:
        return this.ptrSz;
      case K_TYPEDEF:
      case K_VOLATILE:
      case K_CONST:
      case K_RESTRICT:
      case K_TYPE_TAG:
        return this.alignOf(t.type(id));
      case K_ARRAY:
        return this.alignOf(t.arrayElem(id));
      case K_STRUCT:
      case K_UNION: {
        // libbpf: a member without alignment makes the whole type unalignable; a misaligned
        // non-bitfield member, or a size that is not a multiple, means packed (align 1).
        const scan = this.scanMembers(id, true);
        if (scan.stop === 'no-align') return scan.align;
        if (scan.stop === 'misaligned') return 1;
        return t.size(id) % scan.maxAlign !== 0 ? 1 : scan.maxAlign;
      }
      default:
        return 0;
    }
  }

  /** Byte size of `id` (libbpf's btf__resolve_size with this dumper's pointer size); negative when it has none. */
  resolveSize(id: number): number {
    return resolveSize(this.t, id, this.ptrSz);
  }

  private isStructPacked(id: number): boolean {
    // libbpf's btf_is_struct_packed: members without alignment are skipped, not fatal.
    const scan = this.scanMembers(id, false);
    return scan.stop === 'misaligned' || this.t.size(id) % scan.maxAlign !== 0;
  }

  /**
   * One walk over a struct/union's members for both alignment questions: the largest member
   * alignment, and the first member that stops the walk — one without alignment (only when
   * `stopOnNoAlign`) or a non-bitfield member off its alignment.
   */
  private scanMembers(id: number, stopOnNoAlign: boolean): { maxAlign: number; stop: 'none' | 'no-align' | 'misaligned'; align: number } {
    const t = this.t;
    const n = t.vlen(id);
    const e0 = t.elems(id);
    const kflag = t.kflag(id);
    let maxAlign = 1;
    for (let i = 0; i < n; i++) {
      const e = e0 + i * 3;
      const a = this.alignOf(t.words[e + 1]!);
      if (a <= 0 && stopOnNoAlign) return { maxAlign, stop: 'no-align', align: a };
      if (a > maxAlign) maxAlign = a;
      const off = t.words[e + 2]!;
      const bitSz = memberWordBitfieldSize(off, kflag);
      const bitOff = memberWordBitOffset(off, kflag);
      if (a > 0 && bitSz === 0 && bitOff % (8 * a) !== 0) return { maxAlign, stop: 'misaligned', align: a };
    }
    return { maxAlign, stop: 'none', align: maxAlign };
  }

  private bitPadding(curOff: number, nextOff: number, nextAlign: number, inBitfield: boolean, lvl: number): void {
    if (curOff >= nextOff) return;
    if ((nextOff - curOff) / this.ptrSz / 8 > MAX_PADDING_LINES) {
      // A gap of more than MAX_PADDING_LINES words (a struct of gigabytes): one array of
      // bytes keeps every offset where libbpf would write a line per word (after a char
      // bitfield up to the next byte, which fits in the byte the last bitfield ends in).
      if (curOff % 8 !== 0) {
        this.w.text(`\n${pfx(lvl)}char: ${8 - (curOff % 8)};`);
        curOff += 8 - (curOff % 8);
      }
      const bytes = Math.floor((nextOff - curOff) / 8);
      this.w.text(`\n${pfx(lvl)}char __pad_${curOff / 8}[${bytes}];`);
      curOff += bytes * 8;
      if (curOff === nextOff) return;
    }
    const pads = this.pads;
    let newOff = 0;
    let padBits = 0;
    let padType = '';
    for (const [name, bits] of pads) {
      padBits = bits;
      padType = name;
      newOff = roundup(curOff, padBits);
      if (newOff <= nextOff) break;
    }
    const ind = pfx(lvl);
    if (newOff > curOff && newOff <= nextOff) {
      if (
        inBitfield ||
        (newOff === nextOff && (nextAlign === 0 || roundup(curOff, nextAlign * 8) !== newOff)) ||
        (newOff !== nextOff && nextOff - newOff <= newOff - curOff)
      ) {
        this.w.text(`\n${ind}${padType}: ${inBitfield ? newOff - curOff : 0};`);
      }
      curOff = newOff;
    }
    while (curOff !== nextOff) {
      const bits = Math.min(nextOff - curOff, padBits);
      if (bits === padBits) {
        this.w.text(`\n${ind}${padType}: ${padBits};`);
        curOff += bits;
        continue;
      }
      for (let i = pads.length - 1; i >= 0; i--) {
        const [name, pb] = pads[i]!;
        padType = name;
        padBits = pb;
        if (padBits < bits) continue;
        this.w.text(`\n${ind}${padType}: ${bits};`);
        curOff += bits;
        break;
      }
    }
  }

  // ---- definitions ----

  private structFwd(id: number): void {
    const t = this.t;
    this.w.lit(t.kind(id) === K_STRUCT ? L_STRUCT : L_UNION);
    if (t.nameOff(id) !== 0) {
      this.w.byte(32);
      this.writeName(id, this.typeNames);
    }
  }

  private structDef(id: number, lvl: number): void {
    const t = this.t;
    const isStruct = t.kind(id) === K_STRUCT;
    const n = t.vlen(id);
    const e0 = t.elems(id);
    const kflag = t.kflag(id);
    const size = t.size(id);
    const align = this.alignOf(id);
    const packed = isStruct ? this.isStructPacked(id) : false;
    this.w.lit(isStruct ? L_STRUCT : L_UNION);
    if (t.nameOff(id) !== 0) {
      this.w.byte(32);
      this.writeName(id, this.typeNames);
    }
    this.w.lit(L_OPEN);
    let off = 0;
    let prevBitfield = false;
    const ind = pfxBytes(lvl + 1);
    for (let i = 0; i < n; i++) {
      const e = e0 + i * 3;
      const mtype = t.words[e + 1]!;
      const moff = t.words[e + 2]!;
      const mSz = memberWordBitfieldSize(moff, kflag);
      const mOff = memberWordBitOffset(moff, kflag);
      const mAlign = packed ? 1 : this.alignOf(mtype);
      const inBitfield = prevBitfield && mSz !== 0;
      this.bitPadding(off, mOff, mAlign, inBitfield, lvl + 1);
      this.w.lit(L_NL);
      this.w.lit(ind);
      this.typeDecl(mtype, t.words[e]!, lvl + 1);
      if (mSz) {
        this.w.lit(L_COLON);
        this.w.int(mSz);
        off = mOff + mSz;
        prevBitfield = true;
      } else {
        const sz = Math.max(0, this.resolveSize(mtype));
        off = mOff + sz * 8;
        prevBitfield = false;
      }
      this.w.lit(L_SEMI);
    }
    if (isStruct) this.bitPadding(off, size * 8, align, false, lvl + 1);
    if (n || size) {
      this.w.lit(L_NL);
      this.w.lit(pfxBytes(lvl));
    }
    this.w.lit(L_CLOSE);
    if (packed) this.w.lit(L_PACKED);
  }

  private enumDef(id: number, lvl: number): void {
    const t = this.t;
    const n = t.vlen(id);
    this.writeEnumFwd(id);
    if (!n) return;
    this.w.lit(L_OPEN);
    const signed = t.kflag(id);
    const ind = pfxBytes(lvl + 1);
    const e0 = t.elems(id);
    const is64 = t.kind(id) === K_ENUM64;
    let anyHi = false;
    for (let i = 0; i < n; i++) {
      const e = e0 + i * (is64 ? 3 : 2);
      const nameOff = t.words[e]!;
      const dup = this.identNames.take(nameOff);
      this.w.lit(L_NL);
      this.w.lit(ind);
      this.w.cstr(t.strBytes, nameOff);
      if (dup > 1) {
        this.w.lit(L_DUP);
        this.w.int(dup);
      }
      this.w.lit(L_EQ);
      if (is64) {
        const lo = t.words[e + 1]!;
        const hi = t.words[e + 2]!;
        if (hi !== 0) anyHi = true;
        const u = (BigInt(hi) << 32n) | BigInt(lo);
        this.w.text(signed ? `${BigInt.asIntN(64, u)}LL` : `${u}ULL`);
      } else {
        const v = t.words[e + 1]!;
        this.w.int(signed ? v | 0 : v);
      }
      this.w.lit(L_COMMA);
    }
    this.w.lit(L_NL);
    this.w.lit(pfxBytes(lvl));
    this.w.lit(L_CLOSE);
    const size = t.size(id);
    if (size === 1) this.w.text(' __attribute__((mode(byte)))');
    else if (size === 8 && this.ptrSz === 8 && (!is64 || !anyHi)) this.w.text(' __attribute__((mode(word)))');
  }

  private fwdDef(id: number): void {
    const t = this.t;
    this.w.lit(t.kflag(id) ? L_UNION : L_STRUCT);
    this.w.byte(32);
    this.writeName(id, this.typeNames);
  }

  /** `enum NAME` (de-conflicted), or `enum` for an anonymous one. */
  private writeEnumFwd(id: number): void {
    this.w.lit(L_ENUM);
    if (this.t.nameOff(id) !== 0) {
      this.w.byte(32);
      this.writeName(id, this.typeNames);
    }
  }

  private typedefDef(id: number, lvl: number): void {
    const t = this.t;
    const dup = this.nameDupOf(id, this.identNames);
    const nameOff = t.nameOff(id);
    if (t.type(id) === 0 && dup <= 1 && t.nameIs(nameOff, GNUC_VA_LIST)) {
      this.w.text('typedef __builtin_va_list __gnuc_va_list');
      return;
    }
    this.w.lit(L_TYPEDEF);
    const mark = this.declNames.length;
    // The name straight from the string table, unless it needs its ___N.
    this.typeDecl(t.type(id), dup > 1 ? this.declName(`${t.name(id)}___${dup}`) : nameOff, lvl);
    this.declNames.length = mark;
  }

  // ---- declarations (type chains) ----

  private typeDecl(id: number, fname: DeclName, lvl: number): void {
    const t = this.t;
    const stack = this.declStack;
    const start = this.declCnt;
    for (;;) {
      if (this.declCnt - start > MAX_WALK_DEPTH) throw tooDeep(t, stack[start]!);
      stack[this.declCnt++] = id;
      if (id === 0) break;
      const k = t.kind(id);
      if (k === K_PTR || k === K_VOLATILE || k === K_CONST || k === K_RESTRICT || k === K_FUNC_PROTO || k === K_TYPE_TAG) {
        id = t.type(id);
      } else if (k === K_ARRAY) {
        id = t.arrayElem(id);
      } else {
        if (
          k !== K_INT && k !== K_ENUM && k !== K_ENUM64 && k !== K_FWD && k !== K_STRUCT &&
          k !== K_UNION && k !== K_TYPEDEF && k !== K_FLOAT
        ) {
          this.warnings.push(`unexpected type in decl chain, kind:${k}, id:[${id}]`);
        }
        break;
      }
    }
    const outerStart = this.dStart;
    const outerCnt = this.dCnt;
    this.dStart = start;
    this.dCnt = this.declCnt - start;
    this.typeChain(fname, lvl);
    this.dStart = outerStart;
    this.dCnt = outerCnt;
    this.declCnt = start;
  }

  private emitMods(): void {
    const t = this.t;
    const stack = this.declStack;
    while (this.dCnt) {
      const id = stack[this.dStart + this.dCnt - 1]!;
      const k = t.kind(id);
      if (k === K_VOLATILE) this.w.lit(L_VOLATILE_SP);
      else if (k === K_CONST) this.w.lit(L_CONST_SP);
      else if (k === K_RESTRICT) this.w.lit(L_RESTRICT_SP);
      else return;
      this.dCnt--;
    }
  }

  private dropMods(): void {
    const t = this.t;
    const stack = this.declStack;
    while (this.dCnt) {
      const k = t.kind(stack[this.dStart + this.dCnt - 1]!);
      if (k !== K_VOLATILE && k !== K_CONST && k !== K_RESTRICT && k !== K_TYPE_TAG) return;
      this.dCnt--;
    }
  }

  /** `name` as a DeclName (a string of its own: typedef names with ___N, names from callers). */
  private declName(name: string): DeclName {
    if (name === '') return 0;
    this.declNames.push(name);
    return -this.declNames.length;
  }

  private hasName(name: DeclName): boolean {
    return name > 0 ? this.t.strBytes[name] !== 0 : name < 0 && this.declNames[-name - 1] !== '';
  }

  private emitName(name: DeclName, lastWasPtr: boolean): void {
    if (!this.hasName(name)) return;
    if (!lastWasPtr) this.w.byte(32);
    if (name > 0) this.w.cstr(this.t.strBytes, name);
    else this.w.text(this.declNames[-name - 1]!);
  }

  private typeChainAt(fname: DeclName, lvl: number): void {
    const t = this.t;
    const stack = this.declStack;
    let lastWasPtr = true;
    while (this.dCnt) {
      const id = stack[this.dStart + --this.dCnt]!;
      if (id === 0) {
        this.emitMods();
        this.w.lit(L_VOID);
        lastWasPtr = false;
        continue;
      }
      const k = t.kind(id);
      switch (k) {
        case K_INT:
        case K_FLOAT:
          this.emitMods();
          this.w.cstr(t.strBytes, t.nameOff(id));
          break;
        case K_STRUCT:
        case K_UNION:
          this.emitMods();
          if (t.nameOff(id) === 0) this.structDef(id, lvl);
          else this.structFwd(id);
          break;
        case K_ENUM:
        case K_ENUM64:
          this.emitMods();
          if (t.nameOff(id) === 0) this.enumDef(id, lvl);
          else this.writeEnumFwd(id);
          break;
        case K_FWD:
          this.emitMods();
          this.fwdDef(id);
          break;
        case K_TYPEDEF:
          this.emitMods();
          this.writeName(id, this.identNames);
          break;
        case K_PTR:
          this.w.lit(lastWasPtr ? L_STAR : L_SP_STAR);
          break;
        case K_VOLATILE:
          this.w.lit(L_SP_VOLATILE);
          break;
        case K_CONST:
          this.w.lit(L_SP_CONST);
          break;
        case K_RESTRICT:
          this.w.lit(L_SP_RESTRICT);
          break;
        case K_TYPE_TAG: {
          this.emitMods();
          const name = t.name(id);
          this.w.text(t.kflag(id) ? ` __attribute__((${name}))` : ` __attribute__((btf_type_tag("${name}")))`);
          break;
        }
        case K_ARRAY: {
          const nelems = t.arrayNelems(id);
          this.dropMods();
          if (this.dCnt === 0) {
            this.emitName(fname, lastWasPtr);
            this.w.lit(L_LBRACKET);
            this.w.int(nelems);
            this.w.lit(L_RBRACKET);
            return;
          }
          const next = stack[this.dStart + this.dCnt - 1]!;
          const multidim = t.kind(next) === K_ARRAY && next !== 0;
          if (this.hasName(fname) && !lastWasPtr) this.w.byte(32);
          if (!multidim) this.w.lit(L_LPAREN);
          this.typeChain(fname, lvl);
          if (!multidim) this.w.lit(L_RPAREN);
          this.w.lit(L_LBRACKET);
          this.w.int(nelems);
          this.w.lit(L_RBRACKET);
          return;
        }
        case K_FUNC_PROTO: {
          const n = t.vlen(id);
          const e0 = t.elems(id);
          this.dropMods();
          if (this.dCnt) {
            this.w.lit(L_SP_LPAREN);
            this.typeChain(fname, lvl);
            this.w.lit(L_RPAREN);
          } else {
            this.emitName(fname, lastWasPtr);
          }
          this.w.lit(L_LPAREN);
          if (n === 0 || (n === 1 && t.words[e0 + 1] === 0)) {
            this.w.lit(L_VOID_RPAREN);
            return;
          }
          for (let i = 0; i < n; i++) {
            const ptype = t.words[e0 + i * 2 + 1]!;
            if (i > 0) this.w.lit(L_ARG_SEP);
            if (i === n - 1 && ptype === 0) {
              this.w.lit(L_ELLIPSIS);
              break;
            }
            this.typeDecl(ptype, t.words[e0 + i * 2]!, lvl);
          }
          this.w.lit(L_RPAREN);
          return;
        }
        default:
          this.warnings.push(`unexpected type in decl chain, kind:${k}, id:[${id}]`);
          return;
      }
      lastWasPtr = k === K_PTR;
    }
    this.emitName(fname, lastWasPtr);
  }

  // ---- names ----

  /**
   * The ___N of `id`'s name (1 or less: none), taken in `counts` the first time it is asked
   * for (libbpf: the order types are first written out); 0 for an anonymous type.
   */
  private nameDupOf(id: number, counts: NameCounts): number {
    if (this.nameResolved[id]) return this.nameDup[id]!;
    const t = this.t;
    const nameOff = t.nameOff(id);
    if (nameOff === 0) return 0;
    this.nameResolved[id] = 1;
    const k = t.kind(id);
    const dup = !this.keepNames && k !== K_FWD && !(k === K_ENUM && t.vlen(id) === 0) ? counts.take(nameOff) : 1;
    this.nameDup[id] = dup;
    return dup;
  }

  /** Write `id`'s name, de-conflicted: its bytes from the string table, then any ___N. */
  private writeName(id: number, counts: NameCounts): void {
    const dup = this.nameDupOf(id, counts);
    this.w.cstr(this.t.strBytes, this.t.nameOff(id));
    if (dup > 1) {
      this.w.lit(L_DUP);
      this.w.int(dup);
    }
  }

  private nameString(id: number, counts: NameCounts): string {
    const dup = this.nameDupOf(id, counts);
    const name = this.t.name(id);
    return dup > 1 ? `${name}___${dup}` : name;
  }

  /** Struct/union/enum/fwd name, de-conflicted. */
  typeName(id: number): string {
    return this.nameString(id, this.typeNames);
  }

  /** Typedef name, de-conflicted (shares its namespace with enumerators). */
  identName(id: number): string {
    return this.nameString(id, this.identNames);
  }
}
