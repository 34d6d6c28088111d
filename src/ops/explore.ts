/**
 * The explorer's model, independent of any page: BTF files loaded side by side (modules on
 * their vmlinux), name search, type pages (pahole layout rows, C definition, references both
 * ways, split boundary), diff, "where is field X" and relocation verdicts. The web app runs
 * it in a Web Worker (web/worker.ts); it has no DOM or Node dependency.
 */

import { emitTypeDecl, emitTypeDefinition } from '../format/c/index.js';
import { PaholePrinter } from '../format/pahole.js';
import { openBtf } from '../open.js';
import type { Btf } from '../wire/btf.js';
import { BtfError } from '../wire/errors.js';
import { forEachTypeIdWord } from '../wire/fields.js';
import { hasSize, isAnyEnum, isComposite, isModifierLibbpf, Kind, kindName } from '../wire/kinds.js';
import { type AbiDiffReport, diffBtf } from './abi-diff.js';
import { distillBase } from './distill.js';
import { tryRelocate } from './relocate.js';
import { formatRelocationDiagnosis } from './relocate-diagnosis.js';
import { type WhereResult, whereMember } from './where.js';

/** One file loaded into an explore session. */
export interface FileInfo {
  readonly index: number;
  readonly name: string;
  readonly types: number;
  /** First own type id (1 for a standalone BTF). */
  readonly startId: number;
  /** ids 1..nextId-1 are searchable (a split file includes its base's types). */
  readonly nextId: number;
  /** For split BTF: the loaded file it sits on. */
  readonly baseIndex?: number;
}

/** A file given to an explore session: its name and bytes. */
export interface SourceFile {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Server mode: index (in this load request) of the base, when the server knows it. */
  readonly base?: number;
}

/** How `ExploreSession.search` matches names. */
export type SearchMode = 'prefix' | 'substring' | 'regex';

/** One line of a type's pahole layout, classed for display. */
export interface LayoutLine {
  readonly text: string;
  /** member, hole, bithole, padding, cacheline, footer, or plain (braces, comments). */
  readonly cls: 'member' | 'hole' | 'bithole' | 'padding' | 'cacheline' | 'footer' | 'plain' | 'changed';
  /** Type of the member on this row, for top-level members. */
  readonly typeId?: number;
  /** Split BTF: the member's (pointed-to) named type lives in the base, not the module. */
  readonly fromBase?: true;
}

/** A type named on a page (id, kind, name), for links. */
export interface TypeRef {
  readonly id: number;
  readonly kind: string;
  readonly name: string;
  /** The member or parameter that refers. */
  readonly via?: string;
  /** Through what: `*` a pointer, `[]` an array, `()` a function prototype. */
  readonly how?: string;
}

/** Everything the explorer shows for one type. */
export interface TypePage {
  readonly file: number;
  readonly id: number;
  readonly kind: string;
  readonly name: string;
  readonly size?: number;
  /** For split BTF: 'base' (with the base file's name) or 'module'. */
  readonly owner?: { readonly side: 'base' | 'module'; readonly file: string };
  readonly layout?: readonly LayoutLine[];
  readonly c: string;
  readonly refs: readonly TypeRef[];
}

/** A module's relocation onto its base, as the explorer shows it. */
export interface RelocationView {
  readonly ok: boolean;
  readonly text: string;
}

interface Loaded {
  readonly info: FileInfo;
  readonly btf: Btf;
  names?: string[];
  kinds?: Uint8Array;
  /** Reverse references: users of id are usersList[usersStart[id]..usersStart[id+1]). */
  usersStart?: Uint32Array;
  usersList?: Uint32Array;
}

function names(f: Loaded): { names: string[]; kinds: Uint8Array } {
  if (!f.names || !f.kinds) {
    const btf = f.btf;
    const n = btf.nextId;
    const list = new Array<string>(n);
    const kinds = new Uint8Array(n);
    list[0] = 'void';
    for (let id = 1; id < n; id++) {
      list[id] = btf.name(id);
      kinds[id] = btf.kind(id);
    }
    f.names = list;
    f.kinds = kinds;
  }
  return { names: f.names, kinds: f.kinds };
}

function search(f: Loaded, query: string, mode: SearchMode, kind: number): { ids: Uint32Array; total: number; ms: number } {
  const t0 = performance.now();
  const { names: list, kinds } = names(f);
  const n = list.length;
  const exact: number[] = [];
  const prefix: number[] = [];
  const rest: number[] = [];
  let re: RegExp | undefined;
  if (mode === 'regex') {
    try {
      re = new RegExp(query);
    } catch {
      return { ids: new Uint32Array(0), total: 0, ms: performance.now() - t0 };
    }
  }
  for (let id = 1; id < n; id++) {
    if (kind !== -1 && kinds[id] !== kind) continue;
    const name = list[id]!;
    if (query === '') {
      if (name !== '') rest.push(id);
      continue;
    }
    if (name === query) exact.push(id);
    else if (re ? re.test(name) : mode === 'prefix' ? name.startsWith(query) : name.includes(query)) {
      if (name.startsWith(query)) prefix.push(id);
      else rest.push(id);
    }
  }
  // Types people look for first: structs and unions, then typedefs and enums, then the rest.
  const rank = (id: number): number => {
    const k = kinds[id]!;
    return isComposite(k) ? 0 : k === Kind.TYPEDEF || isAnyEnum(k) ? 1 : 2;
  };
  if (prefix.length < 5000) prefix.sort((a, b) => rank(a) - rank(b) || list[a]!.length - list[b]!.length || a - b);
  const ids = new Uint32Array(exact.length + prefix.length + rest.length);
  ids.set(exact, 0);
  ids.set(prefix, exact.length);
  ids.set(rest, exact.length + prefix.length);
  return { ids, total: ids.length, ms: performance.now() - t0 };
}

function kindLabel(btf: Btf, id: number): string {
  if (id === 0) return 'void';
  return kindName(btf.kind(id)).toLowerCase();
}

/** A type for a list: its name, or its C spelling when anonymous (`struct sched_entity *`). */
function ref(btf: Btf, id: number, via?: string, how?: string): TypeRef {
  const name = id === 0 ? 'void' : btf.nameOff(id) !== 0 ? btf.name(id) : emitTypeDecl(btf, id).split('\n')[0]!.replace(/\s*\{$/, ' {…}');
  return { id, kind: kindLabel(btf, id), name, ...(via !== undefined ? { via } : {}), ...(how ? { how } : {}) };
}

/** Build the reverse-reference index once per file (every type-id field, through the kind table's visitor). */
function users(f: Loaded): { start: Uint32Array; list: Uint32Array } {
  if (!f.usersStart || !f.usersList) {
    const btf = f.btf;
    const n = btf.nextId;
    const counts = new Uint32Array(n + 1);
    const edges: number[] = [];
    for (let id = 1; id < n; id++) {
      const { words, offset, owner } = btf.record(id);
      forEachTypeIdWord(words, offset, owner.shapeOf(id), (w) => {
        const target = words[w]!;
        if (target > 0 && target < n && target !== id) {
          edges.push(target, id);
          counts[target + 1]!++;
        }
      });
    }
    for (let i = 1; i <= n; i++) counts[i]! += counts[i - 1]!;
    const list = new Uint32Array(edges.length / 2);
    const fill = counts.slice(0, n);
    for (let e = 0; e < edges.length; e += 2) list[fill[edges[e]!]!++] = edges[e + 1]!;
    f.usersStart = counts;
    f.usersList = list;
  }
  return { start: f.usersStart, list: f.usersList };
}

function memberVia(btf: Btf, user: number, target: number): string | undefined {
  const k = btf.kind(user);
  if (k !== Kind.STRUCT && k !== Kind.UNION && k !== Kind.FUNC_PROTO) return undefined;
  const n = btf.vlen(user);
  for (let i = 0; i < n; i++) {
    if (btf.elemWord(user, i, 1) === target) {
      const off = btf.elemWord(user, i, 0);
      return off === 0 ? `#${i}` : btf.str(off);
    }
  }
  return undefined;
}

const MEMBER_ROW = /\/\*\s+\d+(:\s*\d+)?\s+\d+ \*\/$/;

/** The first named type reached through anonymous pointers, qualifiers and arrays. */
function namedTarget(btf: Btf, id: number): number {
  let t = id;
  for (let guard = 0; guard < 64 && t !== 0 && btf.nameOff(t) === 0; guard++) {
    const k = btf.kind(t);
    if (k === Kind.ARRAY) t = btf.word(t, 3);
    else if (k === Kind.PTR || isModifierLibbpf(k)) t = btf.sizeOrType(t);
    else break;
  }
  return t;
}

function layoutLines(btf: Btf, id: number): LayoutLine[] {
  const printer = new PaholePrinter(btf);
  const text = printer.printTopLevel(id);
  const members = printer.model.layout(id).members;
  let k = 0;
  let footer = false;
  const lines: LayoutLine[] = [];
  for (const line of text.replace(/\n$/, '').split('\n')) {
    if (/^\t\/\* size: /.test(line)) footer = true;
    if (/^\}/.test(line)) footer = false;
    let cls: LayoutLine['cls'] = footer ? 'footer' : 'plain';
    if (/\/\* --- cacheline/.test(line)) cls = 'cacheline';
    else if (/XXX \d+ bytes? hole/.test(line)) cls = 'hole';
    else if (/XXX \d+ bits? hole/.test(line)) cls = 'bithole';
    else if (/XXX last struct has|\/\* (padding|bit_padding): /.test(line)) cls = 'padding';
    else if (!footer && MEMBER_ROW.test(line)) cls = 'member';
    // Rows of top-level members are at one tab; nested inline members are deeper.
    const top = cls === 'member' && /^\t[^\t]/.test(line);
    const typeId = top ? members[k++]?.typeId : undefined;
    const fromBase = typeId !== undefined && btf.isSplit && namedTarget(btf, typeId) < btf.startId;
    lines.push({ text: line, cls, ...(typeId !== undefined ? { typeId } : {}), ...(fromBase ? { fromBase: true as const } : {}) });
  }
  return lines;
}

/** Loaded BTF files and what the explorer asks of them. */
export class ExploreSession {
  private readonly files: Loaded[] = [];

  /** The files loaded so far. */
  get loaded(): FileInfo[] {
    return this.files.map((f) => f.info);
  }

  private file(i: number): Loaded {
    const f = this.files[i];
    if (!f) throw new BtfError('invalid-argument', `no file #${i}`);
    return f;
  }

  /** The BTF of file `i`. */
  btf(i: number): Btf {
    return this.file(i).btf;
  }

  /**
   * Open files (raw BTF or ELF bytes) in order. A file with `base` sits on that file (index
   * within `sources`); a split file without one goes on the latest standalone file loaded so
   * far on which it passes the sanity check.
   */
  load(sources: readonly SourceFile[]): FileInfo[] {
    const added: FileInfo[] = [];
    const first = this.files.length;
    for (const src of sources) {
      const index = this.files.length;
      let btf: Btf | undefined;
      let baseIndex: number | undefined;
      const explicit = src.base !== undefined ? this.files[first + src.base] : undefined;
      if (explicit) {
        btf = openBtf(src.bytes, { file: src.name, base: explicit.btf }).btf;
        baseIndex = explicit.info.index;
      } else {
        try {
          btf = openBtf(src.bytes, { file: src.name }).btf;
        } catch (e) {
          // Split BTF (a module) needs its vmlinux: try the standalone files loaded so far,
          // latest first, keeping the first on which every id and string checks out.
          for (const cand of this.files.filter((f) => f.info.baseIndex === undefined).reverse()) {
            try {
              btf = openBtf(src.bytes, { file: src.name, base: cand.btf, sanityCheck: true }).btf;
              baseIndex = cand.info.index;
              break;
            } catch {
              // not this one
            }
          }
          if (!btf) throw e;
        }
      }
      const info: FileInfo = { index, name: src.name, types: btf.typeCount, startId: btf.startId, nextId: btf.nextId, ...(baseIndex !== undefined ? { baseIndex } : {}) };
      this.files.push({ info, btf });
      added.push(info);
    }
    return added;
  }

  /** Every type's name and kind, indexed by id (a split file includes its base's). */
  names(file: number): { names: string[]; kinds: Uint8Array } {
    return names(this.file(file));
  }

  /** Matching ids: exact name first, then names that start with the query (structs and unions first, shortest first), then the rest in id order. */
  search(file: number, query: string, mode: SearchMode, kind = -1): { ids: Uint32Array; total: number; ms: number } {
    return search(this.file(file), query, mode, kind);
  }

  /** Everything the type page shows for type `id` of file `file`. */
  typePage(file: number, id: number): TypePage {
    const f = this.file(file);
    const btf = f.btf;
    if (id <= 0 || id >= btf.nextId) throw new BtfError('bad-type-id', `type id ${id} does not exist (valid: 1..${btf.nextId - 1})`, { typeId: id });
    const k = btf.kind(id);
    const composite = isComposite(k);
    const refs: TypeRef[] = [];
    const { words, offset, owner: blob } = btf.record(id);
    const seen = new Set<number>();
    forEachTypeIdWord(words, offset, blob.shapeOf(id), (w) => {
      const t = words[w]!;
      if (!seen.has(t)) {
        seen.add(t);
        refs.push(ref(btf, t, memberVia(btf, id, t)));
      }
    });
    const base = f.info.baseIndex !== undefined ? this.files[f.info.baseIndex] : undefined;
    const size = hasSize(k) ? btf.sizeOrType(id) : undefined;
    return {
      file: f.info.index,
      id,
      kind: kindLabel(btf, id),
      name: btf.name(id),
      ...(size !== undefined ? { size } : {}),
      ...(base ? { owner: id < btf.startId ? { side: 'base' as const, file: base.info.name } : { side: 'module' as const, file: f.info.name } } : {}),
      ...(composite ? { layout: layoutLines(btf, id) } : {}),
      c: emitTypeDefinition(btf, id),
      refs,
    };
  }

  /**
   * Who uses type `id` (up to 1000, and how many in all). Users through anonymous pointers,
   * qualifiers, arrays and prototypes count as users of the type itself (task_struct uses
   * mm_struct through `struct mm_struct *`). The first call builds the file's reverse index.
   */
  usedBy(file: number, id: number): { usedBy: TypeRef[]; total: number } {
    const f = this.file(file);
    const btf = f.btf;
    if (id <= 0 || id >= btf.nextId) throw new BtfError('bad-type-id', `type id ${id} does not exist (valid: 1..${btf.nextId - 1})`, { typeId: id });
    const u = users(f);
    const usedBy: TypeRef[] = [];
    const userSeen = new Set<number>([id]);
    let total = 0;
    let frontier: Array<[number, string]> = [[id, '']];
    for (let depth = 0; depth < 4 && frontier.length > 0; depth++) {
      const next: Array<[number, string]> = [];
      for (const [t, how] of frontier) {
        for (let i = u.start[t]!; i < u.start[t + 1]!; i++) {
          const user = u.list[i]!;
          if (userSeen.has(user)) continue;
          userSeen.add(user);
          const uk = btf.kind(user);
          if (btf.nameOff(user) === 0 && (uk === Kind.PTR || isModifierLibbpf(uk) || uk === Kind.ARRAY || uk === Kind.FUNC_PROTO)) {
            next.push([user, how + (uk === Kind.PTR ? '*' : uk === Kind.ARRAY ? '[]' : uk === Kind.FUNC_PROTO ? '()' : '')]);
            continue;
          }
          total++;
          if (usedBy.length < 1000) {
            usedBy.push(ref(btf, user, memberVia(btf, user, t), how));
          }
        }
      }
      frontier = next;
    }
    return { usedBy, total };
  }

  /** The type a deep link names: struct, then union, typedef, enum, then anything of that name. */
  resolve(file: number, name: string): number | null {
    const btf = this.file(file).btf;
    for (const k of [Kind.STRUCT, Kind.UNION, Kind.TYPEDEF, Kind.ENUM, Kind.ENUM64, Kind.FUNC]) {
      const id = btf.findByNameKind(name, k);
      if (id !== undefined) return id;
    }
    return btf.findByName(name)[0] ?? null;
  }

  /** The ABI diff of two loaded files (src/ops/abi-diff.ts). */
  diff(a: number, b: number): AbiDiffReport {
    return diffBtf(this.file(a).btf, this.file(b).btf, { labelA: this.file(a).info.name, labelB: this.file(b).info.name });
  }

  /** "Where is field X" across every loaded file. */
  where(query: string): WhereResult[] {
    return whereMember(
      this.files.map((f) => ({ file: f.info.name, btf: f.btf })),
      query,
    );
  }

  /** Whether module `module` (split BTF) relocates onto standalone `target`, and why not. */
  relocate(module: number, target: number): RelocationView {
    const mod = this.file(module);
    const tgt = this.file(target);
    // A module read on its full vmlinux is distilled first, as `btfkit distill` does; the
    // kernel then relocates the distilled base onto the target.
    const base = mod.info.baseIndex !== undefined ? this.files[mod.info.baseIndex] : undefined;
    const distilled = base && base.btf.typeCount > 10000 ? distillBase(mod.btf).split : mod.btf;
    const outcome = tryRelocate(distilled, tgt.btf);
    if (outcome.ok) return { ok: true, text: `${mod.info.name} relocates onto ${tgt.info.name}: its ${distilled.base?.typeCount ?? 0} distilled base types all map, ${mod.btf.typeCount} module types kept.` };
    return { ok: false, text: formatRelocationDiagnosis(outcome.diagnosis, mod.info.name) };
  }
}
