/**
 * The explorer's worker: parses BTF, searches names, builds type pages (pahole layout, C
 * definition, references both ways), diffs, "where is field X" and relocation verdicts, so
 * that the page never stalls while typing.
 */

import { emitTypeDecl, emitTypeDefinition } from '../src/format/c/index.js';
import { PaholePrinter } from '../src/format/pahole.js';
import { openBtf } from '../src/open.js';
import { diffBtf } from '../src/ops/abi-diff.js';
import { distillBase } from '../src/ops/distill.js';
import { formatRelocationDiagnosis, tryRelocate } from '../src/ops/relocate.js';
import { whereMember } from '../src/ops/where.js';
import type { Btf } from '../src/wire/btf.js';
import { forEachTypeIdWord } from '../src/wire/fields.js';
import { Kind, kindName } from '../src/wire/kinds.js';
import type { Envelope, FileInfo, LayoutLine, Reply, Request, Result, SearchMode, TypePage, TypeRef } from './protocol.js';

interface Loaded {
  readonly info: FileInfo;
  readonly btf: Btf;
  names?: string[];
  kinds?: Uint8Array;
  /** Reverse references: users of id are usersList[usersStart[id]..usersStart[id+1]). */
  usersStart?: Uint32Array;
  usersList?: Uint32Array;
}

const files: Loaded[] = [];

function file(i: number): Loaded {
  const f = files[i];
  if (!f) throw new Error(`no file #${i}`);
  return f;
}

function load(req: Extract<Request, { op: 'load' }>): FileInfo[] {
  const added: FileInfo[] = [];
  const first = files.length;
  for (const src of req.files) {
    const index = files.length;
    let btf: Btf | undefined;
    let baseIndex: number | undefined;
    const explicit = src.base !== undefined ? files[first + src.base] : undefined;
    if (explicit) {
      btf = openBtf(src.bytes, { file: src.name, base: explicit.btf }).btf;
      baseIndex = explicit.info.index;
    } else {
      try {
        btf = openBtf(src.bytes, { file: src.name }).btf;
      } catch (e) {
        // Split BTF (a module) needs its vmlinux: try each standalone file loaded so far.
        for (const cand of files.filter((f) => f.info.baseIndex === undefined)) {
          try {
            btf = openBtf(src.bytes, { file: src.name, base: cand.btf }).btf;
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
    files.push({ info, btf });
    added.push(info);
  }
  return added;
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

/** Matching ids: exact name first, then names that start with the query (shortest first), then the rest in id order. */
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
    return k === Kind.STRUCT || k === Kind.UNION ? 0 : k === Kind.TYPEDEF || k === Kind.ENUM || k === Kind.ENUM64 ? 1 : 2;
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
    lines.push({ text: line, cls, ...(typeId !== undefined ? { typeId } : {}) });
  }
  return lines;
}

function typePage(f: Loaded, id: number): TypePage {
  const btf = f.btf;
  if (id <= 0 || id >= btf.nextId) throw new Error(`type id ${id} does not exist`);
  const k = btf.kind(id);
  const composite = k === Kind.STRUCT || k === Kind.UNION;
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
  const u = users(f);
  // Users through anonymous pointers, qualifiers and arrays count as users of the type
  // itself (task_struct uses mm_struct through `struct mm_struct *`).
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
        if (btf.nameOff(user) === 0 && (uk === Kind.PTR || uk === Kind.CONST || uk === Kind.VOLATILE || uk === Kind.RESTRICT || uk === Kind.TYPE_TAG || uk === Kind.ARRAY || uk === Kind.FUNC_PROTO)) {
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
  const usedByTotal = total;
  const base = f.info.baseIndex !== undefined ? files[f.info.baseIndex] : undefined;
  const size = k === Kind.STRUCT || k === Kind.UNION || k === Kind.ENUM || k === Kind.ENUM64 || k === Kind.INT || k === Kind.FLOAT || k === Kind.DATASEC ? btf.sizeOrType(id) : undefined;
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
    usedBy,
    usedByTotal,
  };
}

/** The type a deep link names: struct, then union, typedef, enum, then anything of that name. */
function resolve(f: Loaded, name: string): number | null {
  const btf = f.btf;
  for (const k of [Kind.STRUCT, Kind.UNION, Kind.TYPEDEF, Kind.ENUM, Kind.ENUM64, Kind.FUNC]) {
    const id = btf.findByNameKind(name, k);
    if (id !== undefined) return id;
  }
  return btf.findByName(name)[0] ?? null;
}

function handle(req: Request): Result {
  switch (req.op) {
    case 'load':
      return load(req);
    case 'names':
      return names(file(req.file));
    case 'search':
      return search(file(req.file), req.query, req.mode, req.kind);
    case 'type':
      return typePage(file(req.file), req.id);
    case 'resolve':
      return { id: resolve(file(req.file), req.name) };
    case 'diff':
      return diffBtf(file(req.a).btf, file(req.b).btf, { labelA: file(req.a).info.name, labelB: file(req.b).info.name });
    case 'where':
      return whereMember(
        files.map((f) => ({ file: f.info.name, btf: f.btf })),
        req.query,
      );
    case 'relocate': {
      const mod = file(req.module);
      const target = file(req.target);
      // A module read on its full vmlinux is distilled first, as `btfkit distill` does; the
      // kernel then relocates the distilled base onto the target.
      const base = mod.info.baseIndex !== undefined ? files[mod.info.baseIndex] : undefined;
      const distilled = base && base.btf.typeCount > 10000 ? distillBase(mod.btf).split : mod.btf;
      const outcome = tryRelocate(distilled, target.btf);
      if (outcome.ok) return { ok: true, text: `${mod.info.name} relocates onto ${target.info.name}: its ${distilled.base?.typeCount ?? 0} distilled base types all map, ${mod.btf.typeCount} module types kept.` };
      return { ok: false, text: formatRelocationDiagnosis(outcome.diagnosis, mod.info.name) };
    }
  }
}

self.onmessage = (ev: MessageEvent<Envelope>) => {
  const { seq, req } = ev.data;
  let reply: Reply;
  try {
    reply = { seq, ok: true, result: handle(req) };
  } catch (e) {
    reply = { seq, ok: false, error: (e as Error).message };
  }
  const transfer: Transferable[] = [];
  const r = reply.result as { ids?: Uint32Array } | undefined;
  if (r?.ids instanceof Uint32Array) transfer.push(r.ids.buffer);
  (self as unknown as Worker).postMessage(reply, transfer);
};
