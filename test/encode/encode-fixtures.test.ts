/**
 * The encoder against pahole 1.24 on small objects (fixtures/dwarf, made by
 * scripts/make-dwarf-fixtures.mjs): gcc and clang, DWARF 4 and 5, zlib- and zstd-compressed
 * debug sections, relocatable objects (x86-64, arm64, s390x big-endian, BPF big-endian), two
 * units linked with `ld -r`, and split BTF on a base. The output must be byte-identical to
 * `pahole -J --btf_gen_floats` (features pahole-1.24).
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DieCursor, DwarfInfo, SlotMap } from '../../src/dwarf/reader.js';
import { DW_AT, DW_TAG } from '../../src/dwarf/constants.js';
import { loadDwarfSections } from '../../src/dwarf/sections.js';
import { parseElf } from '../../src/elf/index.js';
import { encodeBtf } from '../../src/ops/encode/encode.js';
import { DEFAULT_FEATURES, parseFeatures } from '../../src/ops/encode/features.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfError } from '../../src/wire/errors.js';
import { Kind } from '../../src/wire/kinds.js';
import { writeBtf } from '../../src/wire/write.js';
import { fixturePath, readFixture } from '../helpers.js';

const DEBIAN = parseFeatures('pahole-1.24');
const objects = readdirSync(fixturePath('dwarf')).filter((f) => f.endsWith('.o')).map((f) => f.slice(0, -2)).sort();

describe('encode: byte-identical to pahole 1.24 -J --btf_gen_floats', () => {
  test('every fixture object is covered', () => {
    for (const v of ['clang-annotations', 'gcc-kfuncs', 'gcc-linked', 'gcc-dwarf4', 'gcc-dwarf5', 'gcc-zlib', 'gcc-zstd', 'gcc-two-units', 'clang-dwarf4', 'clang-dwarf5', 'clang-s390x', 'clang-aarch64', 'clang-bpfeb']) assert.ok(objects.includes(v), v);
  });
  for (const name of objects) {
    test(name, async () => {
      // pahole 1.24 encodes no variables of BPF objects (libdw leaves their addresses unrelocated).
      const features = name.endsWith('bpfeb') ? parseFeatures('float,enum64') : DEBIAN;
      const { btf } = await encodeBtf(readFixture('dwarf', `${name}.o`), { features, file: name });
      const expected = readFixture('dwarf', `${name}.pahole.btf`);
      assert.ok(Buffer.from(writeBtf(btf)).equals(expected), `${name}: output differs from pahole's`);
    });
  }
  test('split BTF on a base (two units on the one-unit BTF) is byte-identical to pahole --btf_base', async () => {
    const base = Btf.parse(readFixture('dwarf', 'gcc-dwarf5.pahole.btf'));
    const { btf } = await encodeBtf(readFixture('dwarf', 'gcc-two-units.o'), { features: DEBIAN, base });
    assert.equal(btf.startId, base.nextId);
    assert.ok(Buffer.from(writeBtf(btf)).equals(readFixture('dwarf', 'gcc-two-units.split.pahole.btf')));
    // Only the second unit's own types are new; `struct list_head` folded into the base.
    assert.equal(btf.findByNameKind('list_head', Kind.STRUCT), base.findByNameKind('list_head', Kind.STRUCT));
  });
});

describe('encode: what the rules produce', () => {
  test('functions: definitions named by a symbol, first unit wins (1.24); consistent_func drops names with differing prototypes, several addresses or parameters in unexpected registers', async () => {
    const bytes = readFixture('dwarf', 'gcc-two-units.o');
    const funcsOf = (btf: Btf): Map<string, string> => {
      const out = new Map<string, string>();
      for (let id = 1; id < btf.nextId; id++) {
        if (btf.kind(id) !== Kind.FUNC) continue;
        const proto = btf.record(id).words[btf.record(id).offset + 2]!;
        const params: string[] = [];
        for (let i = 0; i < btf.vlen(proto); i++) params.push(btf.str(btf.record(proto).words[btf.record(proto).offset + 3 + i * 2]!));
        out.set(btf.name(id), params.join(','));
      }
      return out;
    };
    const old = funcsOf((await encodeBtf(bytes, { features: DEBIAN })).btf);
    for (const f of ['exported', 'sum', 'scale', 'takes_unnamed', 'uses_inline', 'exported2', 'call_helper', 'call_twice']) assert.ok(old.has(f), f);
    assert.ok(!old.has('inlined_only'), 'inlined into its caller, no symbol of that name');
    // The first unit's definitions: helper(n, k) and the inline-only twice(v).
    assert.equal(old.get('helper'), 'n,k');
    assert.equal(old.get('twice'), 'v');
    const now = funcsOf((await encodeBtf(bytes, { features: parseFeatures('pahole-1.24,consistent_func') })).btf);
    assert.ok(!now.has('helper'), 'two addresses');
    assert.ok(!now.has('twice'), 'twice(int) and twice(long, long)');
    // scale(float, double): its parameters arrive in xmm0/xmm1, not rdi/rsi (pahole 1.30 agrees).
    assert.ok(!now.has('scale'), 'parameters in unexpected registers');
    assert.equal(now.get('call_twice'), 'a');
    assert.equal(now.size, old.size - 3);
  });

  test('per-CPU variables: VAR per symbol in .data..percpu, one DATASEC sorted by offset; only with the var feature', async () => {
    const bytes = readFixture('dwarf', 'gcc-dwarf5.o');
    const { btf } = await encodeBtf(bytes, { features: DEBIAN });
    const sec = btf.findByNameKind('.data..percpu', Kind.DATASEC);
    assert.ok(sec !== undefined);
    assert.equal(btf.vlen(sec), 2);
    const { btf: noVars } = await encodeBtf(bytes, { features: parseFeatures('float,enum64') });
    assert.equal(noVars.findByNameKind('.data..percpu', Kind.DATASEC), undefined);
  });

  test('global_var: variables of every data section, one DATASEC each, entries by offset', async () => {
    const { btf } = await encodeBtf(readFixture('dwarf', 'gcc-dwarf5.o'), { features: parseFeatures('pahole-1.24,global_var') });
    const secs = new Map<string, string[]>();
    for (let id = 1; id < btf.nextId; id++) {
      if (btf.kind(id) !== Kind.DATASEC) continue;
      const { words, offset } = btf.record(id);
      const names: string[] = [];
      for (let i = 0; i < btf.vlen(id); i++) names.push(btf.name(words[offset + 3 + i * 3]!));
      secs.set(btf.name(id), names);
    }
    assert.deepEqual(secs.get('.data..percpu'), ['percpu_list', 'percpu_counter']);
    assert.deepEqual([...(secs.get('.bss') ?? [])].sort(), ['global_flags', 'global_nested', 'global_value']);
  });

  test('float feature: FLOAT kind, else INT; enum64 feature: ENUM64 for an 8-byte enum', async () => {
    const bytes = readFixture('dwarf', 'gcc-dwarf5.o');
    const withAll = (await encodeBtf(bytes, { features: DEBIAN })).btf;
    assert.equal(withAll.kind(withAll.findByName('double')[0]!), Kind.FLOAT);
    assert.equal(withAll.kind(withAll.findByName('wide')[0]!), Kind.ENUM64);
    const plain = (await encodeBtf(bytes, { features: parseFeatures('var') })).btf;
    assert.equal(plain.kind(plain.findByName('double')[0]!), Kind.INT);
    assert.equal(plain.kind(plain.findByName('wide')[0]!), Kind.ENUM);
  });

  test('clang annotations: TYPE_TAG chains under pointers, DECL_TAGs on struct, members, typedef, function, parameter and variable; none without the features', async () => {
    const bytes = readFixture('dwarf', 'clang-annotations.o');
    const { btf } = await encodeBtf(bytes, { features: DEBIAN });
    const tags: string[] = [];
    for (let id = 1; id < btf.nextId; id++) {
      if (btf.kind(id) !== Kind.DECL_TAG) continue;
      const { words, offset } = btf.record(id);
      tags.push(`${btf.name(id)} -> ${btf.name(words[offset + 2]!)} ${words[offset + 3]! | 0}`);
    }
    assert.deepEqual(tags, ['typedef_tag -> tagged_t -1', 'member_a -> tagged 0', 'member_b -> tagged 3', 'second -> tagged 3', 'struct_tag -> tagged -1', 'param_tag -> use_tagged 0', 'func_tag -> use_tagged -1', 'var_tag -> percpu_tagged -1']);
    const plain = (await encodeBtf(bytes, { features: parseFeatures('var,float,enum64') })).btf;
    for (let id = 1; id < plain.nextId; id++) assert.ok(plain.kind(id) !== Kind.DECL_TAG && plain.kind(id) !== Kind.TYPE_TAG);
  });

  test('decl_tag_kfuncs: functions of a set8 with the KFUNCS flag get bpf_kfunc (and bpf_fastcall for KF_FASTCALL); other sets none', async () => {
    const bytes = readFixture('dwarf', 'gcc-kfuncs.o');
    const tagsOf = (btf: Btf): string[] => {
      const out: string[] = [];
      for (let id = 1; id < btf.nextId; id++) {
        if (btf.kind(id) !== Kind.DECL_TAG) continue;
        const { words, offset } = btf.record(id);
        out.push(`${btf.name(words[offset + 2]!)}: ${btf.name(id)} ${words[offset + 3]! | 0}`);
      }
      return out.sort();
    };
    assert.deepEqual(tagsOf((await encodeBtf(bytes, { features: DEFAULT_FEATURES })).btf), ['bpf_kfunc_one: bpf_kfunc -1', 'bpf_kfunc_two: bpf_fastcall -1', 'bpf_kfunc_two: bpf_kfunc -1']);
    assert.deepEqual(tagsOf((await encodeBtf(bytes, { features: DEBIAN })).btf), []);
  });

  test('the input bytes are never modified (relocations go to a copy)', async () => {
    const bytes = readFixture('dwarf', 'clang-aarch64.o');
    const before = createHash('sha256').update(bytes).digest('hex');
    await encodeBtf(bytes, { features: DEBIAN });
    assert.equal(createHash('sha256').update(bytes).digest('hex'), before);
  });

  test('the result does not depend on how often it is run (no state kept between runs)', async () => {
    const bytes = readFixture('dwarf', 'gcc-two-units.o');
    const a = writeBtf((await encodeBtf(bytes, { features: DEBIAN })).btf);
    const b = writeBtf((await encodeBtf(bytes, { features: DEBIAN })).btf);
    assert.deepEqual(a, b);
  });
});

describe('DWARF reader', () => {
  const slots = new SlotMap([DW_AT.name, DW_AT.language], [DW_TAG.compile_unit]);
  const unitNames = async (name: string): Promise<Array<{ version: number; name: string }>> => {
    const dwarf = new DwarfInfo(await loadDwarfSections(parseElf(readFixture('dwarf', `${name}.o`))));
    const cur = new DieCursor(dwarf, slots);
    return dwarf.units.map((u) => {
      cur.start(u);
      assert.ok(cur.next());
      assert.equal(cur.tag, DW_TAG.compile_unit);
      return { version: u.version, name: cur.string(0) };
    });
  };
  test('DWARF 4 and 5 unit headers; the unit DIE and its name (strp, line_strp, strx forms)', async () => {
    const base = (us: Array<{ version: number; name: string }>): Array<[number, string]> => us.map((u) => [u.version, u.name.split('/').pop()!]);
    assert.deepEqual(base(await unitNames('gcc-dwarf4')), [[4, 'types.c']]);
    assert.deepEqual(base(await unitNames('gcc-dwarf5')), [[5, 'types.c']]);
    assert.deepEqual(base(await unitNames('clang-dwarf5')), [[5, 'types.c']]);
    assert.deepEqual(base(await unitNames('clang-dwarf4')), [[4, 'types.c']]);
    assert.deepEqual(base(await unitNames('gcc-two-units')), [[5, 'types.c'], [5, 'second.c']]);
  });

  test('compressed sections (zlib, zstd) read the same as plain ones', async () => {
    for (const name of ['gcc-zlib', 'gcc-zstd']) {
      const elf = parseElf(readFixture('dwarf', `${name}.o`));
      assert.ok((elf.section('.debug_info')!.flags & 0x800) !== 0, `${name}: .debug_info is SHF_COMPRESSED`);
    }
    // gcc-zstd is gcc-dwarf5 compressed by objcopy: the same bytes once inflated.
    const plain = await loadDwarfSections(parseElf(readFixture('dwarf', 'gcc-dwarf5.o')));
    const zstd = await loadDwarfSections(parseElf(readFixture('dwarf', 'gcc-zstd.o')));
    assert.ok(Buffer.from(zstd.abbrev).equals(plain.abbrev));
    assert.ok(Buffer.from(zstd.str).equals(plain.str));
    assert.deepEqual((await unitNames('gcc-zlib')).map((u) => u.name.split('/').pop()), ['types.c']);
  });

  test('an object without DWARF, and a truncated unit, give located errors', async () => {
    // Rename .debug_info in the section name table: the object has no DWARF any more.
    const noDwarf = readFixture('dwarf', 'gcc-dwarf5.o').slice();
    const at = Buffer.from(noDwarf).indexOf('.debug_info\0');
    assert.ok(at > 0);
    noDwarf[at + 1] = 0x78; // '.xebug_info'
    await assert.rejects(encodeBtf(noDwarf, { file: 'x.o' }), (e: unknown) => e instanceof BtfError && e.code === 'bad-dwarf' && e.section === '.debug_info' && e.file === 'x.o');
    const bytes = readFixture('dwarf', 'gcc-dwarf5.o').slice();
    const elf = parseElf(bytes);
    const info = elf.section('.debug_info')!;
    // Unit length far past the section end.
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(info.offset, info.size + 100, true);
    await assert.rejects(encodeBtf(bytes), (e: unknown) => e instanceof BtfError && e.section === '.debug_info' && e.offset === 0 && /unit length/.test(e.rule));
  });
});

describe('features', () => {
  test("pahole's names, presets, additions and removals; unknown names refused", () => {
    assert.deepEqual([...parseFeatures('pahole-1.24')].sort(), ['decl_tag', 'enum64', 'float', 'type_tag', 'var']);
    assert.equal(parseFeatures(undefined), DEFAULT_FEATURES);
    assert.ok(parseFeatures('default,+global_var').has('global_var'));
    assert.ok(!parseFeatures('default,-float').has('float'));
    assert.throws(() => parseFeatures('var,floats'), (e: unknown) => e instanceof BtfError && /unknown BTF feature 'floats'/.test(e.rule));
  });
});
