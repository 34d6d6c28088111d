/**
 * The WebAssembly walk (src/ops/encode/walk-core.c) against the JavaScript walk it ports
 * (UnitEncoder.walkUnit + exportDraft): the same draft for every unit of every fixture object,
 * with each feature set that changes what the walk reads, and the same encoded bytes. A unit
 * the core cannot take goes to the JavaScript walk, which gives the located error.
 */

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DW_TAG } from '../../src/dwarf/constants.js';
import { DieCursor, DwarfInfo, type UnitHeader } from '../../src/dwarf/reader.js';
import { RELOC_CORE_WASM } from '../../src/dwarf/reloc-core-wasm.js';
import { loadDwarfSections, relocateInCore, relocationCoreInput } from '../../src/dwarf/sections.js';
import { ET_REL, parseElf } from '../../src/elf/index.js';
import { readElfForDebugInfo } from '../../src/node/elf-read.js';
import { encoderSlotMap, type UnitDraft, UnitEncoder } from '../../src/ops/encode/cu.js';
import { encodeBtf, encodeUndeduplicated } from '../../src/ops/encode/encode.js';
import { type FeatureSet, parseFeatures } from '../../src/ops/encode/features.js';
import { parameterLocationInputs } from '../../src/ops/encode/locations.js';
import { WasmUnitWalker, walkCoreInput } from '../../src/ops/encode/walk-core.js';
import { dedup } from '../../src/ops/dedup.js';
import { CoreLayout, instantiateCore } from '../../src/wasm/core.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { BtfError } from '../../src/wire/errors.js';
import { Kind, makeInfo } from '../../src/wire/kinds.js';
import { baseStringBytes, baseStringIndex, indexStringsJs, offerBaseStringIndex } from '../../src/wire/strings.js';
import { serializeBtf, writeBtf } from '../../src/wire/write.js';
import { fixturePath, readFixture } from '../helpers.js';
import { walkersMade } from './walkers-made.js';

const objects = readdirSync(fixturePath('dwarf')).filter((f) => f.endsWith('.o')).map((f) => f.slice(0, -2)).sort();
// pahole 1.24's set; the default (parameter locations read for consistent_func); every data section's variables.
const FEATURE_SETS = ['pahole-1.24', 'default', 'default,+global_var', 'float'];

/** A draft with function names decoded as the finishing encoder would (the core leaves .debug_str names to it). */
function normalized(d: UnitDraft, dwarf: DwarfInfo): unknown {
  const fn = (f: UnitDraft['fns'][number]): unknown => ({ ...f, name: f.name ?? (f.nameOffset >= 0 ? dwarf.str(f.nameOffset) : undefined), tags: f.tags ?? [] });
  // The core hands over its DIE map whole: as (offset, local) pairs, as the JavaScript does.
  const pairs: number[] = [];
  if (d.denseDies) for (let rel = 0; rel < d.dies.length; rel++) if (d.dies[rel] !== 0) pairs.push(rel, d.dies[rel]!);
  const { denseDies: _dense, diesAgain, ...rest } = d;
  // The map viewed again is the map.
  if (diesAgain) assert.deepStrictEqual(diesAgain(), d.dies);
  // (Copies: the core's arrays are views of its memory, reused by the next unit.)
  const copied = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, ArrayBuffer.isView(v) ? (v as Int32Array).slice() : v]));
  return { ...copied, dies: d.denseDies ? Int32Array.from(pairs) : d.dies.slice(), fns: d.fns.map(fn), fnDecls: d.fnDecls.map(fn) };
}

async function drafts(name: string, features: FeatureSet): Promise<{ js: unknown[]; core: unknown[] }> {
  const elf = parseElf(readFixture('dwarf', `${name}.o`));
  const locations = parameterLocationInputs(elf.machine, features);
  const dwarf = new DwarfInfo(await loadDwarfSections(elf, { lists: locations.lists }));
  // A builder and the core's string table fed the same names in the same order give the same string offsets.
  const jsBuilder = new BtfBuilder();
  const encoder = new UnitEncoder(dwarf, new DieCursor(dwarf, encoderSlotMap()), features, jsBuilder, undefined, locations.registers);
  const walker = WasmUnitWalker.create(dwarf, features, undefined, locations.registers);
  assert.ok(walker, 'the core instantiates');
  const js: unknown[] = [];
  const core: unknown[] = [];
  for (const unit of dwarf.units) {
    js.push(encoder.walkUnit(unit) ? normalized(encoder.exportDraft(), dwarf) : undefined);
    const draft = walker.walk(unit);
    assert.notEqual(draft, 'fallback', `${name}: the core walks unit ${unit.offset}`);
    core.push(draft === undefined || draft === 'fallback' ? undefined : normalized(draft, dwarf));
  }
  return { js, core };
}

/**
 * Counts the units the core's finisher takes (ok: from a draft, or without one, `walked`) or
 * gives back (failed) until done() is called.
 */
function countFinished(): { done(): { ok: number; failed: number; walked: number } } {
  const original = WasmUnitWalker.prototype.finisher;
  const counts = { ok: 0, failed: 0, walked: 0 };
  WasmUnitWalker.prototype.finisher = function (this: WasmUnitWalker) {
    const inner = original.call(this);
    assert.ok(inner?.walked && inner.finishWalked, 'the core finishes units');
    const { walked, finishWalked } = inner;
    return {
      finish(...args: Parameters<typeof inner.finish>) {
        const r = inner.finish(...args);
        if (r) counts.ok++;
        else counts.failed++;
        return r;
      },
      walked,
      finishWalked(...args: Parameters<typeof finishWalked>) {
        const r = finishWalked(...args);
        if (r) {
          counts.ok++;
          counts.walked++;
        } else counts.failed++;
        return r;
      },
    };
  };
  return {
    done() {
      WasmUnitWalker.prototype.finisher = original;
      return counts;
    },
  };
}

/** How encoding `bytes` (named bad.o) with `walker` ends: 'ok', or the BtfError's code and message. */
async function encodeOutcome(bytes: Uint8Array, walker: 'js' | 'wasm'): Promise<string> {
  try {
    await encodeBtf(bytes, { walker, file: 'bad.o' });
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof BtfError);
    return `${e.code} ${e.message}`;
  }
}

describe('the WebAssembly DWARF walk', () => {
  for (const name of objects) {
    test(`${name}: the same draft as the JavaScript walk, unit by unit, and the same BTF`, async () => {
      for (const list of FEATURE_SETS) {
        const features = parseFeatures(list);
        const { js, core } = await drafts(name, features);
        assert.deepStrictEqual(core, js, `${name} (${list})`);
        const bytes = readFixture('dwarf', `${name}.o`);
        // Every unit finished by the core too, and the records before the dedup already the same.
        const finished = countFinished();
        const before = (await encodeUndeduplicated(bytes, { features, walker: 'wasm' })).builder.toBytes();
        // Every unit the core walked, without reading its draft.
        assert.deepEqual(finished.done(), { ok: js.length, failed: 0, walked: js.length }, `${name} (${list}): the core finished every unit`);
        assert.ok(Buffer.from(before).equals(Buffer.from((await encodeUndeduplicated(bytes, { features, walker: 'js' })).builder.toBytes())), `${name} (${list}): records before the dedup differ`);
        const viaCore = writeBtf((await encodeBtf(bytes, { features, walker: 'wasm' })).btf);
        const viaJs = writeBtf((await encodeBtf(bytes, { features, walker: 'js' })).btf);
        assert.ok(Buffer.from(viaCore).equals(Buffer.from(viaJs)), `${name} (${list}): encoded BTF differs`);
      }
    });
  }

  test('a unit the core does not finish is finished by the JavaScript from the core\'s DIE map, read after the core\'s memory grew', async () => {
    const original = WasmUnitWalker.prototype.finisher;
    // Every unit given back, the core's memory grown first (its views of the walk detach).
    WasmUnitWalker.prototype.finisher = function (this: WasmUnitWalker) {
      const { memory } = (this as unknown as { core: { memory: WebAssembly.Memory } }).core;
      return {
        finish() {
          memory.grow(16);
          return undefined;
        },
      };
    };
    try {
      for (const name of ['gcc-dwarf5', 'gcc-two-units', 'clang-dwarf5']) {
        const bytes = readFixture('dwarf', `${name}.o`);
        const features = parseFeatures('pahole-1.24');
        const viaCore = Buffer.from((await encodeUndeduplicated(bytes, { features, walker: 'wasm' })).builder.toBytes());
        const viaJs = Buffer.from((await encodeUndeduplicated(bytes, { features, walker: 'js' })).builder.toBytes());
        assert.ok(viaCore.equals(viaJs), name);
      }
    } finally {
      WasmUnitWalker.prototype.finisher = original;
    }
  });

  test('a unit the core gives back before its functions are decided is finished from its draft, as before', async () => {
    const original = WasmUnitWalker.prototype.finisher;
    let given = 0;
    let n = 0;
    // Every other unit given back by walked() (as one with a name the JavaScript would decode
    // otherwise is), after the core looked at it.
    WasmUnitWalker.prototype.finisher = function (this: WasmUnitWalker) {
      const inner = original.call(this)!;
      return {
        ...inner,
        walked(unitOffset: number) {
          const candidates = inner.walked!(unitOffset);
          if (n++ % 2 === 0) return candidates;
          given++;
          return undefined;
        },
      };
    };
    try {
      for (const name of objects) {
        for (const list of FEATURE_SETS) {
          const bytes = readFixture('dwarf', `${name}.o`);
          const features = parseFeatures(list);
          const mixed = Buffer.from((await encodeUndeduplicated(bytes, { features, walker: 'wasm' })).builder.toBytes());
          const viaJs = Buffer.from((await encodeUndeduplicated(bytes, { features, walker: 'js' })).builder.toBytes());
          assert.ok(mixed.equals(viaJs), `${name} (${list})`);
        }
      }
      assert.ok(given > 10, `units given back: ${given}`);
    } finally {
      WasmUnitWalker.prototype.finisher = original;
    }
  });

  test('the core asks about the functions whose names the policy may take, and only those', async () => {
    const features = parseFeatures('pahole-1.24');
    const dwarf = new DwarfInfo(await loadDwarfSections(parseElf(readFixture('dwarf', 'gcc-clones.o'))));
    const asked = (names: readonly string[] | undefined): string[] => {
      const walker = WasmUnitWalker.create(dwarf, features, undefined, []);
      const finisher = walker?.finisher(names);
      assert.ok(walker && finisher?.walked, 'the core finishes units');
      const out: string[] = [];
      for (const unit of dwarf.units) {
        assert.ok(walker.walk(unit));
        const candidates = finisher.walked(unit.offset);
        assert.ok(candidates, 'the core resolves the unit');
        for (let i = 0; i < candidates.functions; i++) out.push(candidates.functionName(i));
      }
      return out;
    };
    const all = asked(undefined);
    assert.ok(all.length >= 3, `functions: ${all.join(' ')}`);
    const some = [all[0]!, all[2]!, 'not_a_function', 'ünïcode'];
    assert.deepEqual(asked(some), all.filter((n) => some.includes(n)));
    assert.deepEqual(asked([]), []);
  });

  test('units the core walks and units the JavaScript walks, alternating in one encoder, give the JavaScript walk\'s records', async () => {
    const original = WasmUnitWalker.prototype.walk;
    let n = 0;
    // Every other unit handed to the JavaScript walk, as a unit the core stops on is.
    WasmUnitWalker.prototype.walk = function (this: WasmUnitWalker, unit: UnitHeader) {
      return n++ % 2 === 1 ? 'fallback' : original.call(this, unit);
    };
    try {
      for (const name of objects) {
        n = 0;
        const bytes = readFixture('dwarf', `${name}.o`);
        const features = parseFeatures('pahole-1.24');
        const mixed = Buffer.from((await encodeUndeduplicated(bytes, { features, walker: 'wasm' })).builder.toBytes());
        const viaJs = Buffer.from((await encodeUndeduplicated(bytes, { features, walker: 'js' })).builder.toBytes());
        assert.ok(mixed.equals(viaJs), name);
      }
    } finally {
      WasmUnitWalker.prototype.walk = original;
    }
  });

  test('a type reference leaving its unit: the core gives the unit back before asking the policy, and the JavaScript names the reference', async () => {
    const bytes = readFixture('dwarf', 'gcc-dwarf5.o').slice();
    const elf = parseElf(bytes);
    const dwarf = new DwarfInfo(await loadDwarfSections(elf));
    // The DW_AT_type (ref4, unit-relative) of the first pointer type, pointed past its unit.
    const cur = new DieCursor(dwarf, encoderSlotMap());
    const unit = dwarf.units[0]!;
    cur.start(unit);
    let die = -1;
    let ref = -1;
    while (cur.next()) {
      // (Slot 1 of encoderSlotMap: DW_AT_type.)
      if (cur.tag === DW_TAG.pointer_type && cur.has(1)) {
        die = cur.offset;
        ref = cur.lo[1]! - unit.offset;
        break;
      }
    }
    assert.ok(die > 0, 'a pointer type with a type');
    const info = elf.section('.debug_info')!;
    const view = new DataView(bytes.buffer, bytes.byteOffset + Number(info.offset));
    let at = die;
    while (view.getUint32(at, true) !== ref) at++;
    view.setUint32(at, 0x7fff0000, true);
    let asked = 0;
    const original = WasmUnitWalker.prototype.finisher;
    WasmUnitWalker.prototype.finisher = function (this: WasmUnitWalker, names?: readonly string[]) {
      const inner = original.call(this, names)!;
      return {
        ...inner,
        walked(unitOffset: number) {
          const r = inner.walked!(unitOffset);
          if (r) asked++;
          return r;
        },
      };
    };
    let viaCore: string;
    try {
      viaCore = await encodeOutcome(bytes, 'wasm');
    } finally {
      WasmUnitWalker.prototype.finisher = original;
    }
    assert.match(viaCore, /bad-dwarf .*bad\.o.*type reference 0x[0-9a-f]+ leaves its unit/);
    assert.equal(asked, 0, 'the policy was not asked');
    assert.equal(viaCore, await encodeOutcome(bytes, 'js'));
  });

  test('a unit the core stops on is walked by the JavaScript, which names the bad DIE', async () => {
    const bytes = readFixture('dwarf', 'gcc-dwarf5.o').slice();
    const elf = parseElf(bytes);
    const abbrev = elf.section('.debug_abbrev')!;
    // The first abbreviation's tag and children flag are followed by its specs: make the
    // first spec's form unknown (0x7f).
    const view = bytes.subarray(abbrev.offset, abbrev.offset + abbrev.size);
    let at = 0;
    while (view[at]! & 0x80) at++; // code
    at++;
    while (view[at]! & 0x80) at++; // tag
    at += 2; // children, then the first attribute (one byte for DW_AT_producer)
    view[at + 1] = 0x7f;
    const viaCore = await encodeOutcome(bytes, 'wasm');
    assert.match(viaCore, /bad-dwarf .*bad\.o.*unknown attribute form 0x7f/);
    assert.equal(viaCore, await encodeOutcome(bytes, 'js'));
  });

  test('.debug_str cut inside a name near its end: the core gives the unit back, the JavaScript names the bad string', async () => {
    const bytes = readFixture('dwarf', 'gcc-dwarf5.o').slice();
    const str = parseElf(bytes).section('.debug_str')!;
    // The section now ends after \`_Bo\` of \`_Bool\` (a base type's name), fewer than eight
    // bytes from its old end: names there are read a byte at a time. (ELF64: sh_size at 32.)
    const at = new TextDecoder('latin1').decode(bytes.subarray(str.offset, str.offset + str.size)).lastIndexOf('\0_Bool\0') + 1;
    assert.ok(at > 0 && str.size - at < 16);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const header = Number(view.getBigUint64(0x28, true)) + str.index * view.getUint16(0x3a, true);
    view.setBigUint64(header + 32, BigInt(at + 3), true);
    assert.equal(parseElf(bytes).section('.debug_str')!.size, at + 3);
    const viaCore = await encodeOutcome(bytes, 'wasm');
    assert.match(viaCore, /^bad-dwarf .*\.debug_str/);
    assert.equal(viaCore, await encodeOutcome(bytes, 'js'));
  });
});

describe('the base string index the walk core makes', () => {
  test('is the table BaseStringIndex makes for the same base (string-index.h): for a base and a chain of two', async () => {
    const dwarf = new DwarfInfo(await loadDwarfSections(parseElf(readFixture('dwarf', 'gcc-dwarf5.o'))));
    const vmlinux = Btf.parse(readFixture('dwarf', 'gcc-dwarf5.pahole.btf'));
    const chain = Btf.parse(readFixture('c-dump', 'split-one.btf'), { base: Btf.parse(readFixture('c-dump', 'split-base.btf')) });
    for (const base of [vmlinux, chain]) {
      const walker = WasmUnitWalker.create(dwarf, parseFeatures('default'), base, []);
      assert.ok(walker);
      const table = walker.baseIndexTable();
      assert.ok(table);
      assert.deepStrictEqual(table, indexStringsJs(baseStringBytes(base)));
    }
    const standalone = WasmUnitWalker.create(dwarf, parseFeatures('default'), undefined, []);
    assert.equal(standalone?.baseIndexTable(), undefined);
  });

  test('baseStringIndex takes a table offered for its base instead of making one, once', () => {
    const base = Btf.parse(readFixture('dwarf', 'gcc-dwarf5.pahole.btf'));
    const made = indexStringsJs(baseStringBytes(base));
    offerBaseStringIndex(base, made);
    const index = baseStringIndex(base);
    assert.equal(index.slots, made.slots);
    assert.equal(baseStringIndex(base), index);
    // Offered after the index was made: the index stays.
    offerBaseStringIndex(base, indexStringsJs(baseStringBytes(base)));
    assert.equal(baseStringIndex(base), index);
    // Nothing offered: the index is made as before.
    const other = Btf.parse(readFixture('dwarf', 'gcc-dwarf5.pahole.btf'));
    assert.notEqual(baseStringIndex(other).slots, made.slots);
    assert.deepStrictEqual(baseStringIndex(other).slots, made.slots);
  });
});

describe('the core\'s string table (the encode\'s builder strings)', () => {
  /** Bytes of a C string table: each string then a NUL. */
  const cStrings = (...parts: Array<string | number[]>): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...(typeof p === 'string' ? Buffer.from(p) : p), 0]));

  const bases: Record<string, () => Btf | undefined> = {
    standalone: () => undefined,
    'on a base': () => Btf.parse(readFixture('dwarf', 'gcc-dwarf5.pahole.btf')),
    // A string twice in the base: its first offset is the one reused.
    'on a base with a string twice': () => Btf.parse(serializeBtf({ words: new Uint32Array(0), strings: cStrings('', 'next', 'int', 'next', 'fresh2'), endian: 'little' })),
  };
  for (const [label, makeBase] of Object.entries(bases)) {
    test(`the same offsets and string bytes as the builder's own table: ${label}`, async () => {
      const dwarf = new DwarfInfo(await loadDwarfSections(parseElf(readFixture('dwarf', 'gcc-dwarf5.o'))));
      const base = makeBase();
      const walker = WasmUnitWalker.create(dwarf, parseFeatures('pahole-1.24'), base, []);
      assert.ok(walker, 'the core instantiates');
      const viaCore = new BtfBuilder({ base, stringStore: walker.strings });
      const viaJs = new BtfBuilder({ base });
      // Names the base has, new ones (again, and once more as bytes), non-ASCII, a NUL inside.
      // (5,000 more, twice: the core's table grows past its first 4,096 slots.)
      const many = Array.from({ length: 5000 }, (_, i) => `name_${i}`);
      const names = ['int', 'list_head', 'fresh', 'ünïcode', 'fresh', 'a\u0000b', '\u{1f600}', 'next', ...many, ...many];
      // Section bytes: ASCII, the base's, invalid UTF-8 (decoded with U+FFFD), a leading BOM (dropped by the decode).
      const raw = cStrings('fresh', 'long', [0x66, 0xff, 0x6f], [0xef, 0xbb, 0xbf, 0x78], 'x', [0xc3, 0xbc], '\u00fcnïcode', [0xed, 0xa0, 0x80]);
      const got: number[] = [];
      const want: number[] = [];
      for (const s of names) {
        got.push(viaCore.addString(s));
        want.push(viaJs.addString(s));
      }
      for (let at = 0; at < raw.length; at = raw.indexOf(0, at) + 1) {
        got.push(viaCore.addStringAt(raw, at));
        want.push(viaJs.addStringAt(raw, at));
      }
      assert.deepEqual(got, want);
      // 'int' is the base's own string, not a new one.
      if (base) assert.ok(got[0]! > 0 && got[0]! < base.startStrOff + base.strings.length);
      if (label.endsWith('twice')) assert.equal(got[7], 1, "'next' at its first offset");
      assert.ok(Buffer.from(viaCore.toBytes()).equals(Buffer.from(viaJs.toBytes())));
      // The invalid UTF-8 was added as decoded, without a look at the base.
      assert.equal(walker.strings.disjointFromBase, false);
    });
  }

  test('a split encode walked by the core is byte-identical to the JavaScript walk, before and after the dedup', async () => {
    const base = Btf.parse(readFixture('dwarf', 'gcc-dwarf5.pahole.btf'));
    const bytes = readFixture('dwarf', 'gcc-two-units.o');
    const features = parseFeatures('pahole-1.24');
    const before = async (walker: 'js' | 'wasm'): Promise<Buffer> => Buffer.from((await encodeUndeduplicated(bytes, { features, base, walker })).builder.toBytes());
    assert.ok((await before('wasm')).equals(await before('js')));
    const after = async (walker: 'js' | 'wasm'): Promise<Buffer> => Buffer.from(writeBtf((await encodeBtf(bytes, { features, base, walker })).btf));
    assert.ok((await after('wasm')).equals(await after('js')));
    // Every own string the core added was looked up in the base: the dedup may skip its lookups there.
    const split = (await encodeUndeduplicated(bytes, { features, base, walker: 'wasm' })).builder.build();
    for (let off = split.startStrOff; off < split.startStrOff + split.strings.length; off = split.strings.indexOf(0, off - split.startStrOff) + 1 + split.startStrOff) {
      assert.equal(baseStringIndex(base).find(split.strings, off - split.startStrOff), -1, `own string at ${off} is in the base`);
    }
    const deduped = (ownStringsNotInBase: boolean): Buffer => Buffer.from(writeBtf(dedup(split, { legacy: true, ownStringsNotInBase }).btf));
    assert.ok(deduped(true).equals(deduped(false)));
  });
});

describe('BtfBuilder.addRecords (how the encoder appends a unit the core finished)', () => {
  test('the same records and ids as addRecord one by one; a record of the wrong length is refused', () => {
    const one = new BtfBuilder();
    const many = new BtfBuilder();
    const records = [
      [one.addString('int'), makeInfo(Kind.INT, 0, false), 4, 32],
      [0, makeInfo(Kind.PTR, 0, false), 1],
      [one.addString('pair'), makeInfo(Kind.STRUCT, 2, false), 8, one.addString('a'), 1, 0, one.addString('b'), 2, 32],
    ];
    for (const s of ['int', 'pair', 'a', 'b']) many.addString(s);
    for (const r of records) one.addRecord(r);
    many.addRecords(Uint32Array.from(records.flat()), Int32Array.from(records.map((r) => r.length)));
    assert.equal(many.nextId, one.nextId);
    assert.ok(Buffer.from(many.toBytes()).equals(Buffer.from(one.toBytes())));
    assert.throws(() => many.addRecords(Uint32Array.from([0, makeInfo(Kind.STRUCT, 1, false), 4]), Int32Array.of(3)), (e: unknown) => e instanceof BtfError && /STRUCT record with vlen 1/.test(e.rule));
  });
});

describe('relocations by the WebAssembly core (src/dwarf/reloc-core.c)', () => {
  test('the same relocated sections as applyRelocations, for every fixture object and ext4-sized modules alike', async () => {
    let relocatedByCore = 0;
    for (const name of objects) {
      const elf = parseElf(readFixture('dwarf', `${name}.o`));
      const viaCore = await loadDwarfSections(elf, { lists: true });
      const viaJs = await loadDwarfSections(elf, { lists: true, relocationCore: false });
      for (const key of ['info', 'abbrev', 'str', 'lineStr', 'strOffsets', 'addr', 'loclists', 'loc', 'rnglists', 'ranges'] as const) {
        assert.ok(Buffer.from(viaCore[key]).equals(Buffer.from(viaJs[key])), `${name}: ${key}`);
      }
      const info = elf.section('.debug_info')!;
      if ((info.flags & 0x800) === 0 && relocateInCore(elf, elf.sectionData(info), info) !== undefined) relocatedByCore++;
    }
    assert.ok(relocatedByCore >= 5, `relocated objects: ${relocatedByCore}`);
  });

  test('the core applies and refuses records past its first chunks as it does the first (10k records, a bad one near the end)', () => {
    const core = instantiateCore(RELOC_CORE_WASM) as unknown as { memory: WebAssembly.Memory; heap_base(): number; relocate(...args: number[]): number };
    const n = 10000;
    const sectionLength = 1 << 16;
    const section = new Uint8Array(sectionLength).map((_, i) => (i * 7) & 0xff);
    const symbols = new Uint8Array(24 * 16);
    const symbolView = new DataView(symbols.buffer);
    for (let i = 0; i < 16; i++) symbolView.setBigUint64(24 * i + 8, 0x1_0000_0000n * BigInt(i) + BigInt(i * 0x1234), true);
    const records = new Uint8Array(24 * n);
    const recordView = new DataView(records.buffer);
    const expected = section.slice();
    const expectedView = new DataView(expected.buffer);
    for (let i = 0; i < n; i++) {
      const type = [1, 10, 0][i % 3]!; // R_X86_64_64, R_X86_64_32, R_X86_64_NONE
      const offset = (i * 97) % (sectionLength - 8);
      const sym = i % 16;
      const addend = BigInt(i);
      recordView.setBigUint64(24 * i, BigInt(offset), true);
      recordView.setBigUint64(24 * i + 8, (BigInt(sym) << 32n) | BigInt(type), true);
      recordView.setBigInt64(24 * i + 16, addend, true);
      const value = symbolView.getBigUint64(24 * sym + 8, true) + addend;
      if (type === 1) expectedView.setBigUint64(offset, value, true);
      else if (type === 10) expectedView.setUint32(offset, Number(value & 0xffff_ffffn), true);
    }
    const layout = new CoreLayout(core.memory, core.heap_base());
    const at = layout.copy(section);
    const recordsAt = layout.copy(records);
    const symbolsAt = layout.copy(symbols);
    assert.ok(layout.commit());
    const relocate = (): number => core.relocate(at, sectionLength, recordsAt, records.length, symbolsAt, symbols.length, 62);
    assert.equal(relocate(), 0);
    assert.ok(Buffer.from(new Uint8Array(core.memory.buffer, at, sectionLength)).equals(Buffer.from(expected)));
    // Applied again from the section as it was, with record 9000's type one the core does not take: nothing written.
    new Uint8Array(core.memory.buffer, at, sectionLength).set(section);
    new DataView(core.memory.buffer).setUint32(recordsAt + 24 * 9000 + 8, 0x7777, true);
    assert.equal(relocate(), 1);
    assert.ok(Buffer.from(new Uint8Array(core.memory.buffer, at, sectionLength)).equals(Buffer.from(section)));
  });

  test('an object read into a relocation core (relocationCoreInput) is relocated where it lies: the same sections, the input untouched', async () => {
    let inPlace = 0;
    for (const name of objects) {
      const original = readFixture('dwarf', `${name}.o`);
      const room = relocationCoreInput(original.length);
      assert.ok(room, 'a relocation core runs here');
      room.set(original);
      const elf = parseElf(room);
      const viaRoom = await loadDwarfSections(elf, { lists: true });
      const viaJs = await loadDwarfSections(parseElf(original), { lists: true, relocationCore: false });
      for (const key of ['info', 'abbrev', 'str', 'lineStr', 'strOffsets', 'addr', 'loclists', 'loc', 'rnglists', 'ranges'] as const) {
        assert.ok(Buffer.from(viaRoom[key]).equals(Buffer.from(viaJs[key])), `${name}: ${key}`);
      }
      assert.ok(Buffer.from(room).equals(Buffer.from(original)), `${name}: the input as read`);
      const info = elf.section('.debug_info')!;
      if (elf.type === ET_REL && (info.flags & 0x800) === 0 && viaRoom.info.buffer === room.buffer && viaRoom.info.byteOffset !== room.byteOffset + info.offset) inPlace++;
    }
    assert.ok(inPlace >= 5, `relocated in place: ${inPlace}`);
  });

  test('in a relocation core too, a record it does not take leaves the section to applyRelocations, which names it', async () => {
    const bytes = readFixture('dwarf', 'gcc-dwarf5.o').slice();
    const rela = parseElf(bytes).section('.rela.debug_info')!;
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(rela.offset + 8, 0x7777, true);
    const room = relocationCoreInput(bytes.length)!;
    room.set(bytes);
    await assert.rejects(loadDwarfSections(parseElf(room), { file: 'x.o' }), (e: unknown) => e instanceof BtfError && e.code === 'unsupported' && /relocation type 30583/.test(e.rule));
    assert.ok(Buffer.from(room).equals(Buffer.from(bytes)), 'the input as read');
  });

  test('readElfForDebugInfo reads a relocatable object where `allocate` says, anything else into a buffer of its own', async () => {
    const asked: number[] = [];
    const allocate = (n: number): Uint8Array | undefined => {
      asked.push(n);
      return relocationCoreInput(n);
    };
    const object = await readElfForDebugInfo(fixturePath('dwarf', 'gcc-dwarf5.o'), { allocate });
    assert.equal(asked.length, 1);
    assert.ok(Buffer.from(object).equals(Buffer.from(readFixture('dwarf', 'gcc-dwarf5.o'))));
    const sections = await loadDwarfSections(parseElf(object));
    assert.equal(sections.info.buffer, object.buffer, 'relocated in the memory it was read into');
    const linked = parseElf(readFixture('dwarf', 'gcc-linked.o'));
    assert.notEqual(linked.type, ET_REL);
    await readElfForDebugInfo(fixturePath('dwarf', 'gcc-linked.o'), { allocate });
    assert.equal(asked.length, 1, 'a linked file is not read into a relocation core');
  });

  test('a record it does not take (an unknown type) leaves the section to applyRelocations, which names it', async () => {
    const bytes = readFixture('dwarf', 'gcc-dwarf5.o').slice();
    const elf = parseElf(bytes);
    const rela = elf.section('.rela.debug_info')!;
    // The first record's type (low word of r_info) becomes 0x7777.
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(rela.offset + 8, 0x7777, true);
    await assert.rejects(loadDwarfSections(parseElf(bytes), { file: 'x.o' }), (e: unknown) => e instanceof BtfError && e.code === 'unsupported' && /relocation type 30583/.test(e.rule));
  });
});

describe('a module read into a walk core (walkCoreInput): relocated and walked where it lies', () => {
  /** `bytes` read into a walk core's memory (as the CLI reads a module), the walk given `walkBytes` of room. */
  const readIntoWalkCore = (bytes: Uint8Array, walkBytes?: number): Uint8Array => {
    const room = walkCoreInput(bytes.length, walkBytes);
    assert.ok(room, 'a walk core runs here');
    room.set(bytes);
    return room;
  };

  const encoded = async (bytes: Uint8Array, features: FeatureSet, base?: Btf): Promise<Buffer> => Buffer.from(writeBtf((await encodeBtf(bytes, { features, base, file: 'x.o' })).btf));

  test('the same BTF as with the sections copied into a core of their own, the input untouched, for every fixture object, standalone and on a base', async () => {
    const base = Btf.parse(readFixture('dwarf', 'gcc-dwarf5.pahole.btf'));
    let relocatedInPlace = 0;
    let walkedInPlace = 0;
    for (const name of objects) {
      const original = readFixture('dwarf', `${name}.o`);
      // (The base is little-endian, as split BTF's base must be its byte order.)
      for (const onBase of parseElf(original).endian === 'little' ? [undefined, base] : [undefined]) {
        const features = parseFeatures('pahole-1.24');
        const room = readIntoWalkCore(original);
        const elf = parseElf(room);
        const made = walkersMade();
        const inPlace = await encoded(room, features, onBase);
        // Sections inflated from SHF_COMPRESSED or .zdebug_* ones lie elsewhere: copied then.
        const abbrev = elf.section('.debug_abbrev');
        const readInPlace = abbrev !== undefined && (abbrev.flags & 0x800) === 0;
        assert.deepEqual(made.done(), [readInPlace], `${name}: walked where it was read`);
        if (readInPlace) walkedInPlace++;
        assert.ok(inPlace.equals(await encoded(original.slice(), features, onBase)), `${name}: the same BTF as the copying path`);
        assert.ok(Buffer.from(room).equals(Buffer.from(original)), `${name}: the input as read`);
        const info = elf.section('.debug_info')!;
        if (!onBase && elf.type === ET_REL && elf.section('.rela.debug_info') && (info.flags & 0x800) === 0) {
          // Relocated by the walk core within its own memory, beside the file.
          const sections = await loadDwarfSections(parseElf(readIntoWalkCore(original)));
          if (sections.info.byteOffset !== info.offset) relocatedInPlace++;
        }
      }
    }
    assert.ok(relocatedInPlace >= 5, `relocated in place: ${relocatedInPlace}`);
    assert.ok(walkedInPlace >= objects.length, `walked in place: ${walkedInPlace}`);
  });

  test('a second encode of the same memory copies the sections into a core of its own (the first walker keeps its core)', async () => {
    const room = readIntoWalkCore(readFixture('dwarf', 'gcc-two-units.o'));
    const features = parseFeatures('pahole-1.24');
    const made = walkersMade();
    const first = await encoded(room, features);
    const second = await encoded(room, features);
    assert.deepEqual(made.done(), [true, false]);
    assert.ok(first.equals(second));
  });

  test('too little room for the walk: the walker copies the sections into a core of its own, or the encode starts over so; the same BTF either way', async () => {
    const name = 'gcc-dwarf5';
    const original = readFixture('dwarf', `${name}.o`);
    const base = Btf.parse(readFixture('dwarf', 'gcc-dwarf5.pahole.btf'));
    const features = parseFeatures('pahole-1.24');
    const expected = await encoded(original.slice(), features, base);
    const outcomes = new Set<string>();
    // From no room at all to enough: the memory is grown by whole 64 KiB pages, so steps of 16 KiB cover each outcome.
    for (let walkBytes = 0; !outcomes.has('true') && walkBytes <= 64 << 20; walkBytes += 16 << 10) {
      const room = readIntoWalkCore(original, walkBytes);
      const made = walkersMade();
      const got = await encoded(room, features, base);
      const outcome = made.done().join();
      outcomes.add(outcome);
      assert.ok(got.equals(expected), `${walkBytes} bytes of room (${outcome}): the same BTF`);
      assert.ok(Buffer.from(room).equals(Buffer.from(original)), `${walkBytes} bytes of room: the input as read`);
    }
    // Copied at once (no room to set up the walk), started over (room used up mid-walk), walked in place.
    assert.deepEqual([...outcomes].sort(), ['false', 'true', 'true,false']);
  });

  test('a record the walk core does not take leaves the section to applyRelocations, which names it; the input untouched', async () => {
    const bytes = readFixture('dwarf', 'gcc-dwarf5.o').slice();
    const rela = parseElf(bytes).section('.rela.debug_info')!;
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(rela.offset + 8, 0x7777, true);
    const room = readIntoWalkCore(bytes);
    await assert.rejects(encodeBtf(room, { file: 'x.o' }), (e: unknown) => e instanceof BtfError && e.code === 'unsupported' && e.file === 'x.o' && e.section === '.rela.debug_info' && /relocation type 30583/.test(e.rule));
    assert.ok(Buffer.from(room).equals(Buffer.from(bytes)), 'the input as read');
  });

  test('readElfForDebugInfo reads a module into a walk core, where the encode walks it', async () => {
    const object = await readElfForDebugInfo(fixturePath('dwarf', 'gcc-dwarf5.o'), { allocate: (n) => walkCoreInput(n) });
    assert.ok(Buffer.from(object).equals(Buffer.from(readFixture('dwarf', 'gcc-dwarf5.o'))));
    const made = walkersMade();
    const features = parseFeatures('default');
    const got = await encoded(object, features);
    assert.deepEqual(made.done(), [true]);
    assert.ok(got.equals(await encoded(readFixture('dwarf', 'gcc-dwarf5.o'), features)));
  });
});
