/**
 * Candidate search (spec §6.3): target types whose kind is CO-RE compatible with the local
 * type and whose essential name equals the local essential name. vmlinux first (from id 1);
 * module BTFs (their own types only) only when vmlinux has none.
 */

import type { Btf } from '../../wire/btf.js';
import { encodeString } from '../../wire/strings.js';
import { CoreLayout, instantiateCore, reserveInput } from '../../wasm/core.js';
import { NAMES_CORE_WASM } from './names-core-wasm.js';
import { essentialName } from './names.js';
import { kindsCoreCompat } from './types.js';

/** A BTF CO-RE relocations resolve against: vmlinux or a module on it. */
export interface CoreTargetBtf {
  /** Name for reports: "vmlinux" or the module name. */
  readonly name: string;
  /** vmlinux, or a module's split BTF on it. */
  readonly btf: Btf;
}

/** A target type a CO-RE relocation may resolve to. */
export interface Candidate {
  readonly target: CoreTargetBtf;
  readonly id: number;
}

/**
 * Per-blob index from essential name to own type ids, filled for the names asked for: one
 * pass over the types compares each type's name, as bytes, with the wanted names that start
 * with the same two bytes (flavoured names included: their essential name is compared).
 */
class NameIndex {
  private readonly byName = new Map<string, number[]>();

  constructor(private readonly btf: Btf) {}

  ensure(names: Iterable<string>): void {
    // Wanted names by their first two bytes (a one-byte name also by itself + '_', the start
    // of a flavour): a type's name is compared only with the names that start as it does.
    // This loop runs once over every type of vmlinux in a cold process, so it stays small.
    const byPrefix = new Map<number, PrefixList>();
    const keys = new Uint8Array(65536);
    const found: Array<{ name: string; ids: number[] }> = [];
    const wanted: PrefixList = [];
    for (const n of names) {
      if (n === '' || this.byName.has(n) || found.some((f) => f.name === n)) continue;
      const bytes = encodeString(n);
      const e = { bytes, ids: [] as number[] };
      wanted.push(e);
      const prefixes = bytes.length > 1 ? [(bytes[0]! << 8) | bytes[1]!] : [bytes[0]! << 8, (bytes[0]! << 8) | 0x5f];
      for (const k of prefixes) {
        keys[k] = 1;
        let list = byPrefix.get(k);
        if (!list) byPrefix.set(k, (list = []));
        list.push(e);
      }
      found.push({ name: n, ids: e.ids });
    }
    if (found.length === 0) return;
    if (!scanInCore(this.btf, wanted)) this.scan(keys, byPrefix);
    for (const f of found) this.byName.set(f.name, f.ids);
  }

  /** The scan in JavaScript (every BTF; the reference names-core.c is tested against). */
  private scan(keys: Uint8Array, byPrefix: Map<number, PrefixList>): void {
    const btf = this.btf;
    const { words, offsets, startId } = btf;
    const own = btf.strings;
    const ownStart = btf.startStrOff;
    // p < last: the name and the byte after its first are inside the table (its last byte
    // is NUL, the empty name). No wanted name starts with NUL, so offset 0 never matches.
    const last = own.length - 1;
    const n = offsets.length;
    for (let i = 0; i < n; i++) {
      const p = words[offsets[i]!]! - ownStart;
      if (p >= 0 && p < last) {
        const key = (own[p]! << 8) | own[p + 1]!;
        // Nothing but a call on a hit: the loop is optimised (on stack) before the first hit,
        // and an operation it has not seen yet would throw it back to the interpreter.
        if (keys[key] === 1) collect(byPrefix, key, own, p, i, startId);
      } else if (p < 0) {
        this.collectBaseName(p, keys, byPrefix, i);
      }
      // Beyond every string table (unchecked input): names nothing.
    }
  }

  /** Own type `startId + i` of a split blob is named by a base string (at `p` before its own table): find its table in the chain. */
  private collectBaseName(p: number, keys: Uint8Array, byPrefix: Map<number, PrefixList>, i: number): void {
    const { startId, startStrOff } = this.btf;
    const off = p + startStrOff;
    let owner = this.btf.base;
    while (owner && off < owner.startStrOff) owner = owner.base;
    if (!owner || off === 0) return;
    const t = owner.strings;
    const at = off - owner.startStrOff;
    if (at >= t.length - 1) return;
    const key = (t[at]! << 8) | t[at + 1]!;
    if (keys[key] === 1) collect(byPrefix, key, t, at, i, startId);
  }

  get(name: string): readonly number[] {
    this.ensure([name]);
    return this.byName.get(name) ?? [];
  }
}

/** Wanted names that share a two-byte prefix, each with the ids found so far. */
type PrefixList = Array<{ bytes: Uint8Array; ids: number[] }>;

/** Add type `startId + i` to the first wanted name (with the prefix `key`) whose essential name the string at `p` of `t` is. */
function collect(byPrefix: Map<number, PrefixList>, key: number, t: Uint8Array, p: number, i: number, startId: number): void {
  const wanted = byPrefix.get(key)!;
  for (let j = 0; j < wanted.length; j++) {
    const w = wanted[j]!;
    const len = w.bytes.length;
    let k = 2;
    while (k < len && t[p + k] === w.bytes[k]) k++;
    if (k < len) continue;
    const next = t[p + len];
    // A flavoured name has its last `___` separator right after the essential name.
    if (next === 0 || (next === 0x5f && t[p + len + 1] === 0x5f && t[p + len + 2] === 0x5f && essentialLengthAt(t, p) === len)) {
      w.ids.push(startId + i);
      return;
    }
  }
}

/** Essential length of the NUL-terminated string at `p` (the flavour rule on bytes). */
function essentialLengthAt(t: Uint8Array, p: number): number {
  let j = p;
  let ess = -1;
  while (j < t.length && t[j] !== 0) {
    if (t[j] === 0x5f && j > p && t[j - 1] !== 0x5f && t[j + 1] === 0x5f && t[j + 2] === 0x5f && j + 3 < t.length && t[j + 3] !== 0x5f && t[j + 3] !== 0) ess = j - p;
    j++;
  }
  return ess >= 0 ? ess : j - p;
}

interface NamesCoreExports {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  scan_names(words: number, offsets: number, n: number, strs: number, strLen: number, wanted: number, wantedCount: number, out: number, outCap: number): number;
}

/** Pairs (type, name) the core's answer has room for; more, and the JavaScript scan runs. */
const SCAN_PAIRS = 1 << 16;
/** Room after the input for the wanted names (the core's answer is SCAN_PAIRS pairs). */
const SCAN_NAMES_ROOM = 1 << 20;

/** Cores whose memory holds a BTF read in place (candidateScanInput), by that memory's buffer. */
const scanCores = new WeakMap<ArrayBufferLike, { exports: NamesCoreExports; freeAt: number }>();

/**
 * Room for a target BTF of `byteLength` bytes in the memory of a fresh names-core.c (see
 * reserveInput), for loadBtf's `allocate`: the candidate scan over a base BTF read there
 * runs in WebAssembly over the BTF where it lies. Undefined where no core runs.
 */
export function candidateScanInput(byteLength: number): Uint8Array | undefined {
  const exports = instantiateCore(NAMES_CORE_WASM) as NamesCoreExports | undefined;
  if (!exports) return undefined;
  const room = reserveInput(exports.memory, exports.heap_base(), byteLength, Math.ceil(byteLength / 3) + SCAN_NAMES_ROOM + SCAN_PAIRS * 8 + 64);
  if (!room) return undefined;
  scanCores.set(exports.memory.buffer, { exports, freeAt: room.freeAt });
  return room.input;
}

/**
 * NameIndex's scan by names-core.c, for a base BTF read into a core's memory: each type
 * whose name is a wanted one goes to that name's ids, in id order. False, with nothing
 * added, where it cannot run (split BTF, BTF elsewhere, more names or matches than fit).
 */
function scanInCore(btf: Btf, wanted: PrefixList): boolean {
  const host = scanCores.get(btf.words.buffer);
  if (!host || btf.base !== undefined || btf.strings.buffer !== btf.words.buffer || wanted.some((w) => w.bytes.includes(0))) return false;
  const { exports } = host;
  const names = new Uint8Array(wanted.reduce((n, w) => n + w.bytes.length + 1, 0));
  let at = 0;
  for (const w of wanted) {
    names.set(w.bytes, at);
    at += w.bytes.length + 1;
  }
  const layout = new CoreLayout(exports.memory, host.freeAt);
  const offsetsAt = layout.copy(btf.offsets);
  const namesAt = layout.copy(names);
  const outAt = layout.place(SCAN_PAIRS * 8);
  // Growing would detach the memory the BTF is read from.
  if (outAt + SCAN_PAIRS * 8 > exports.memory.buffer.byteLength || !layout.commit()) return false;
  const count = exports.scan_names(btf.words.byteOffset, offsetsAt, btf.offsets.length, btf.strings.byteOffset, btf.strings.length, namesAt, wanted.length, outAt, SCAN_PAIRS);
  if (count > SCAN_PAIRS) return false;
  const pairs = new Uint32Array(exports.memory.buffer, outAt, 2 * count);
  for (let k = 0; k < count; k++) wanted[pairs[2 * k + 1]!]!.ids.push(btf.startId + pairs[2 * k]!);
  return true;
}

const indexes = new WeakMap<Btf, NameIndex>();

function nameIndex(btf: Btf): NameIndex {
  let ix = indexes.get(btf);
  if (!ix) indexes.set(btf, (ix = new NameIndex(btf)));
  return ix;
}

/** Prepare candidate lookups for many local names at once (one pass over the target). */
export function prepareCandidates(btf: Btf, localNames: Iterable<string>): void {
  const ess = new Set<string>();
  for (const n of localNames) ess.add(essentialName(n));
  nameIndex(btf).ensure(ess);
}

/** Own types of `btf` (ids >= startId) that are candidates for a local type of this kind and name. */
export function candidatesIn(btf: Btf, localKind: number, localName: string): number[] {
  const ess = essentialName(localName);
  if (ess === '') return [];
  return nameIndex(btf)
    .get(ess)
    .filter((id) => kindsCoreCompat(btf.kind(id), localKind));
}

/** libbpf's candidate list: vmlinux, else every module. */
export function findCandidates(localBtf: Btf, localId: number, vmlinux: CoreTargetBtf, modules: readonly CoreTargetBtf[] = []): Candidate[] {
  const kind = localBtf.kind(localId);
  const name = localBtf.name(localId);
  const out: Candidate[] = candidatesIn(vmlinux.btf, kind, name).map((id) => ({ target: vmlinux, id }));
  if (out.length > 0) return out;
  for (const m of modules) for (const id of candidatesIn(m.btf, kind, name)) out.push({ target: m, id });
  return out;
}
