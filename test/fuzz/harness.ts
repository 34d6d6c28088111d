/**
 * The fuzz/property harness: real inputs (fixtures) are truncated, bit-flipped, overwritten
 * with boundary values and have their length fields inflated, then fed to every reader
 * (Btf.parse, the ELF reader, the .BTF.ext reader, decompression), to `check`, and — when
 * they parse — to every writing path (writeBtf, BtfBuilder.copyType, sanitize, dedup), whose
 * output must parse again, and to the operations that walk the type graph: the C dumper
 * (`dump --format c`), CO-RE resolution and min-core with the mutant as the kernel, and the
 * ABI diff (`btfkit diff`) against the unmutated input.
 *
 * The property: each case ends in a valid result or a BtfError that names the rule and where
 * (byte offset, type id or section). Any other exception is a bug, as is a hang (every case
 * is timed) or memory growth driven by an unchecked length (the long mode watches RSS).
 *
 * Used by test/fuzz/fuzz.test.ts (short, fixed seed, part of the unit tests) and by
 * scripts/fuzz.mjs (`npm run fuzz -- --runs N`).
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { formatVmlinuxHBytes } from '../../src/format/c/index.js';
import { openBtf } from '../../src/open.js';
import { checkBtf } from '../../src/ops/check.js';
import { resolveCoreRelos } from '../../src/ops/core/resolve.js';
import { dedup } from '../../src/ops/dedup.js';
import { minCore, type MinCoreObject } from '../../src/ops/min-core.js';
import { diffBtf } from '../../src/ops/abi-diff.js';
import { sanitizeBtf } from '../../src/ops/sanitize.js';
import { isElf, parseElf } from '../../src/elf/index.js';
import { decompress, detectCompression } from '../../src/elf/compress.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { BtfError } from '../../src/wire/errors.js';
import { parseBtfExt } from '../../src/wire/ext.js';
import { writeBtf } from '../../src/wire/write.js';
import { encodeBtf } from '../../src/ops/encode/encode.js';
import { parseFeatures } from '../../src/ops/encode/features.js';
import { REPO_ROOT } from '../helpers.js';

const DEBIAN_FEATURES = parseFeatures('pahole-1.24');
// The default set reads parameters' locations (location lists) too.
const DEFAULT_FEATURES = parseFeatures('default');

export type Target = 'btf' | 'elf' | 'ext' | 'compressed' | 'dwarf';

export interface Seed {
  readonly name: string;
  readonly target: Target;
  readonly bytes: Uint8Array;
  /** Base for split BTF seeds. */
  readonly base?: Btf | undefined;
  /** Relative weight (big seeds are picked less often). */
  readonly weight: number;
  /** Byte range the mutations land in (a DWARF section of an object), default the whole input. */
  readonly focus?: { readonly start: number; readonly end: number } | undefined;
}

/** Every real input under fixtures/: raw BTF, ELF objects, their .BTF.ext, compressed files. */
export function loadSeeds(opts: { big?: boolean } = {}): Seed[] {
  const seeds: Seed[] = [];
  const fx = (...p: string[]): string => join(REPO_ROOT, 'fixtures', ...p);
  const file = (p: string): Uint8Array => new Uint8Array(readFileSync(p));
  const addElf = (name: string, bytes: Uint8Array): void => {
    seeds.push({ name, target: 'elf', bytes, weight: 3 });
    try {
      const elf = parseElf(bytes);
      const btf = elf.section('.BTF');
      if (btf) seeds.push({ name: `${name}:.BTF`, target: 'btf', bytes: elf.sectionData(btf).slice(), weight: 3 });
      const ext = elf.section('.BTF.ext');
      if (ext) seeds.push({ name: `${name}:.BTF.ext`, target: 'ext', bytes: elf.sectionData(ext).slice(), weight: 3 });
    } catch {
      /* not every fixture has BTF */
    }
  };
  for (const dir of ['btf', 'elf', 'third-party']) {
    for (const f of readdirSync(fx(dir)).sort()) {
      const p = fx(dir, f);
      if (/\.(json|txt|md|c)$|SHA256SUMS/.test(f)) continue;
      const bytes = file(p);
      if (f.endsWith('.btf.gz')) {
        if (opts.big) seeds.push({ name: f, target: 'btf', bytes: new Uint8Array(gunzipSync(bytes)), weight: 0.05 });
        seeds.push({ name: f, target: 'compressed', bytes: bytes.subarray(0, Math.min(bytes.length, 64 << 10)), weight: 0.5 });
        continue;
      }
      if (detectCompression(bytes) !== 'none') {
        seeds.push({ name: f, target: 'compressed', bytes, weight: 1 });
        continue;
      }
      if (isElf(bytes)) addElf(f, bytes);
      else if (f === 'btf_testmod.btf') {
        const base = Btf.parse(file(fx(dir, 'btf_testmod.btf.base')));
        seeds.push({ name: f, target: 'btf', bytes, base, weight: 2 });
      } else seeds.push({ name: f, target: 'btf', bytes, weight: 3 });
    }
  }
  // DWARF: compiled objects, damaged inside one debug section at a time, fed to the encoder.
  for (const f of readdirSync(fx('dwarf')).sort()) {
    if (!f.endsWith('.o')) continue;
    const bytes = file(fx('dwarf', f));
    const elf = parseElf(bytes);
    for (const name of ['.debug_info', '.debug_abbrev', '.debug_str', '.debug_str_offsets', '.rela.debug_info']) {
      const sec = elf.section(name);
      if (sec && sec.size > 0) seeds.push({ name: `${f}:${name}`, target: 'dwarf', bytes, weight: 1, focus: { start: sec.offset, end: sec.offset + sec.size } });
    }
  }
  return seeds;
}

/** One way of damaging the input. */
export type Mutation =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'byte'; at: number; value: number }
  | { op: 'word'; at: number; value: number; le: boolean }
  | { op: 'inflate'; field: number; value: number }
  | { op: 'extend'; by: number };

const BOUNDARY = [0, 1, 3, 4, 8, 12, 24, 32, 0x7f, 0xff, 0xffff, 0x10000, 0xfffff, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffc, 0xffffffff];

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('word' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...BOUNDARY), fc.nat({ max: 0xffffffff })), le: fc.boolean() }) },
  // Header-ish length/offset fields in the first 64 bytes (BTF, .BTF.ext and ELF headers).
  { weight: 3, arbitrary: fc.record({ op: fc.constant('inflate' as const), field: fc.integer({ min: 0, max: 15 }), value: fc.constantFrom(...BOUNDARY) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('extend' as const), by: fc.integer({ min: 1, max: 64 }) }) },
);

export function applyMutations(src: Uint8Array, muts: readonly Mutation[], focus?: { start: number; end: number }): Uint8Array {
  let b = src.slice();
  for (const m of muts) {
    if (b.length === 0) break;
    // Positions land inside the focus range when there is one (and it is still inside b).
    const inFocus = focus !== undefined && focus.end <= b.length && focus.end > focus.start;
    const pos = (at: number, span: number): number => (inFocus ? focus.start + (at % Math.max(1, focus.end - focus.start - span)) : at % Math.max(1, b.length - span));
    switch (m.op) {
      case 'truncate':
        b = b.slice(0, inFocus ? pos(m.at, 0) : m.at % (b.length + 1));
        break;
      case 'flip':
        b[pos(m.at, 0)]! ^= 1 << m.bit;
        break;
      case 'byte':
        b[pos(m.at, 0)] = m.value;
        break;
      case 'word': {
        if (b.length < 4) break;
        const at = inFocus ? pos(m.at, 3) : (m.at % (b.length - 3)) & ~3;
        new DataView(b.buffer).setUint32(at, m.value >>> 0, m.le);
        break;
      }
      case 'inflate': {
        const at = m.field * 4;
        if (at + 4 > b.length) break;
        const le = !(b[0] === 0xeb && b[1] === 0x9f);
        new DataView(b.buffer).setUint32(at, m.value >>> 0, le);
        break;
      }
      case 'extend': {
        const n = new Uint8Array(b.length + m.by);
        n.set(b);
        b = n;
        break;
      }
    }
  }
  return b;
}

export class FuzzFailure extends Error {
  override readonly name = 'FuzzFailure';
}

/** A BtfError is fine when it says which rule and where; anything else is a failure. */
function expectBtfError(e: unknown, what: string, needWhere = true): void {
  if (!(e instanceof BtfError)) {
    throw new FuzzFailure(`${what}: threw ${(e as Error)?.name ?? typeof e} instead of BtfError: ${(e as Error)?.message ?? String(e)}\n${(e as Error)?.stack ?? ''}`);
  }
  if (!e.rule) throw new FuzzFailure(`${what}: BtfError without a rule`);
  if (needWhere && e.offset === undefined && e.typeId === undefined && e.section === undefined) {
    throw new FuzzFailure(`${what}: BtfError does not say where (${e.message})`);
  }
}

/** Every operation that must either succeed or fail with a BtfError. */
async function exercise(seed: Seed, bytes: Uint8Array): Promise<string> {
  let outcome = 'ok';
  const guard = async (what: string, fn: () => unknown): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch (e) {
      if (e instanceof FuzzFailure) throw e;
      // A corrupt compressed stream has no meaningful byte offset: the rule is enough there.
      expectBtfError(e, `${seed.name}: ${what}`, seed.target !== 'compressed');
      outcome = `error:${(e as BtfError).code}`;
      return false;
    }
  };
  // check never throws, whatever the bytes.
  try {
    checkBtf(bytes, { base: seed.base, maxFindings: 20 });
  } catch (e) {
    throw new FuzzFailure(`${seed.name}: check threw ${(e as Error).message}\n${(e as Error).stack ?? ''}`);
  }
  switch (seed.target) {
    case 'dwarf': {
      // The WebAssembly walk (walk-core.c) and the JavaScript one must end alike: the same
      // BTF or the same error.
      const features = bytes.length % 2 === 0 ? DEBIAN_FEATURES : DEFAULT_FEATURES;
      const ending = async (walker: 'wasm' | 'js'): Promise<{ text: string; error?: unknown }> => {
        try {
          return { text: `ok:${Buffer.from(writeBtf((await encodeBtf(bytes, { features, walker })).btf)).toString('base64')}` };
        } catch (e) {
          return { text: e instanceof BtfError ? `${e.code} ${e.message}` : String(e), error: e };
        }
      };
      let core: { text: string; error?: unknown } = { text: '' };
      await guard('encodeBtf', async () => {
        core = await ending('wasm');
        if ('error' in core) throw core.error;
      });
      const viaCore = core.text;
      const viaJs = (await ending('js')).text;
      if (viaCore !== viaJs) throw new FuzzFailure(`${seed.name}: the WebAssembly walk ends in ${viaCore.slice(0, 200)}, the JavaScript one in ${viaJs.slice(0, 200)}`);
      return outcome;
    }
    case 'compressed':
      await guard('decompress', () => decompress(bytes, { maxBytes: 64 << 20 }));
      return outcome;
    case 'ext':
      await guard('parseBtfExt', () => parseBtfExt(bytes));
      return outcome;
    case 'elf': {
      await guard('parseElf', () => {
        const elf = parseElf(bytes);
        for (const s of elf.sections) {
          elf.sectionData(s);
        }
        const btf = elf.section('.BTF');
        if (btf) {
          const data = elf.sectionData(btf);
          checkBtf(data);
          const parsed = Btf.parse(data);
          roundTrip(parsed, seed.name);
          graphOps(parsed, seed);
        }
        const ext = elf.section('.BTF.ext');
        if (ext) parseBtfExt(elf.sectionData(ext));
      });
      return outcome;
    }
    case 'btf': {
      await guard('Btf.parse', () => {
        const btf = Btf.parse(bytes, { base: seed.base });
        for (let id = btf.startId; id < btf.nextId; id++) {
          btf.kind(id);
          btf.name(id);
          btf.recordSize(id);
        }
        roundTrip(btf, seed.name);
        graphOps(btf, seed);
      });
      return outcome;
    }
  }
}

/** Writing paths: what parsed must be written and read back. */
function roundTrip(btf: Btf, name: string): void {
  const reparse = (bytes: Uint8Array, what: string): Btf => {
    try {
      return Btf.parse(bytes, { base: btf.base });
    } catch (e) {
      throw new FuzzFailure(`${name}: output of ${what} does not parse: ${(e as Error).message}`);
    }
  };
  const same = reparse(writeBtf(btf), 'writeBtf');
  if (same.typeCount !== btf.typeCount) throw new FuzzFailure(`${name}: writeBtf lost types`);
  reparse(writeBtf(btf, { layout: true, endian: btf.base ? btf.endian : btf.endian === 'little' ? 'big' : 'little' }), 'writeBtf --layout --endian');
  const hasUnknown = btf.shapes.some((s, k) => k >= 20 && s !== undefined) && btf.offsets.length > 0;
  try {
    const b = new BtfBuilder({ base: btf.base, endian: btf.endian });
    for (let id = btf.startId; id < btf.nextId; id++) b.copyType(btf, id);
    reparse(b.toBytes(), 'BtfBuilder.copyType');
  } catch (e) {
    if (!(e instanceof BtfError) || (!hasUnknown && e.code !== 'unsupported')) {
      if (e instanceof FuzzFailure) throw e;
      expectBtfError(e, `${name}: BtfBuilder.copyType`);
    }
  }
  for (const v of ['5.4', '6.1']) {
    try {
      reparse(sanitizeBtf(btf, v).bytes, `sanitize --for ${v}`);
    } catch (e) {
      if (e instanceof FuzzFailure) throw e;
      expectBtfError(e, `${name}: sanitize --for ${v}`);
    }
  }
}

/** The CO-RE object the mutants are resolved against as kernels. */
let coreObject: MinCoreObject | undefined;
function theCoreObject(): MinCoreObject {
  if (!coreObject) {
    const file = join(REPO_ROOT, 'fixtures', 'core', 'vmlinux_relocs.o');
    const o = openBtf(new Uint8Array(readFileSync(file)), { file });
    coreObject = { btf: o.btf, ext: o.ext, file };
  }
  return coreObject;
}

/** The unmutated seed, parsed, for the diff. */
const pristine = new WeakMap<Seed, Btf | null>();
function pristineOf(seed: Seed): Btf | undefined {
  let p = pristine.get(seed);
  if (p === undefined) {
    let bytes = seed.bytes;
    try {
      if (seed.target === 'elf') {
        const elf = parseElf(bytes);
        const s = elf.section('.BTF');
        if (!s) throw new Error('no .BTF');
        bytes = elf.sectionData(s);
      }
      p = Btf.parse(bytes, { base: seed.base });
    } catch {
      p = null;
    }
    pristine.set(seed, p);
  }
  return p ?? undefined;
}

/**
 * The operations that walk the type graph (recursively in C, in libbpf and bpftool): each
 * ends in a result or a BtfError naming a rule and a place, never a stack overflow or a hang.
 */
function graphOps(btf: Btf, seed: Seed): void {
  const name = seed.name;
  const op = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      if (e instanceof FuzzFailure) throw e;
      expectBtfError(e, `${name}: ${what}`);
    }
  };
  op('dump --format c', () => formatVmlinuxHBytes(btf));
  op('dedup', () => {
    const out = dedup(btf).btf;
    try {
      Btf.parse(writeBtf(out), { base: btf.base });
    } catch (e) {
      throw new FuzzFailure(`${name}: output of dedup does not parse: ${(e as Error).message}`);
    }
  });
  if (!btf.base) {
    const obj = theCoreObject();
    op('core explain', () => resolveCoreRelos(obj, btf));
    op('min-core', () => minCore([obj], btf));
  }
  const before = pristineOf(seed);
  if (before && before.base === btf.base) op('diff', () => diffBtf(before, btf));
}

export interface FuzzOptions {
  readonly runs: number;
  readonly seed: number;
  readonly seeds?: Seed[] | undefined;
  /** Per-case time limit in ms (a hang fails the run). */
  readonly caseTimeoutMs?: number | undefined;
  readonly onCase?: ((n: number) => void) | undefined;
}

export interface FuzzStats {
  runs: number;
  outcomes: Record<string, number>;
  slowestMs: number;
}

/** Run the property `runs` times with fast-check (fixed seed: reproducible). */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzStats> {
  const seeds = opts.seeds ?? loadSeeds();
  const totalWeight = seeds.reduce((a, s) => a + s.weight, 0);
  const pickSeed = (n: number): Seed => {
    // fast-check favours small and extreme numbers; spread them evenly before weighting.
    const x = (Math.imul(n, 2654435761) >>> 0) / 0x100000000;
    let r = x * totalWeight;
    for (const s of seeds) {
      r -= s.weight;
      if (r < 0) return s;
    }
    return seeds[seeds.length - 1]!;
  };
  const stats: FuzzStats = { runs: 0, outcomes: {}, slowestMs: 0 };
  const limit = opts.caseTimeoutMs ?? 5000;
  try {
    await fc.assert(
    fc.asyncProperty(fc.nat(), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), async (x, muts) => {
      const seed = pickSeed(x);
      const bytes = applyMutations(seed.bytes, muts, seed.focus);
      const t0 = performance.now();
      const outcome = await exercise(seed, bytes);
      const ms = performance.now() - t0;
      if (ms > stats.slowestMs) stats.slowestMs = ms;
      if (ms > limit) throw new FuzzFailure(`${seed.name}: one case took ${ms.toFixed(0)} ms (limit ${limit})`);
      const key = `${seed.target}:${outcome}`;
      stats.outcomes[key] = (stats.outcomes[key] ?? 0) + 1;
      stats.runs++;
      opts.onCase?.(stats.runs);
    }),
    { numRuns: opts.runs, seed: opts.seed, endOnFailure: true },
    );
  } catch (e) {
    const cause = (e as Error & { cause?: unknown }).cause;
    throw new FuzzFailure(`${(e as Error).message}\n${cause instanceof Error ? cause.message : String(cause)}`);
  }
  return stats;
}
