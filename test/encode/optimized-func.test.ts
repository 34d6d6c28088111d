/**
 * The default features against pahole 1.30 (`-J -j1 --btf_features=default`,
 * scripts/make-encode130-fixtures.mjs): every fixture object (gcc and clang, DWARF 4 and 5,
 * x86-64, arm64 and s390x argument registers, kfunc tags after their FUNC) byte-identical.
 *
 * The function rules pahole ≥ 1.25 added, against pahole 1.30 on fixtures/dwarf/gcc-clones.o
 * (fixtures/dwarf/src/clones.c, gcc -O2; scripts/make-encode130-fixtures.mjs): clones with a
 * changed calling convention (`scale_x.isra.0`, `pick.constprop.0`), an optimized-out
 * parameter, floating point parameters (in xmm registers) and a struct passed by value (which
 * moves the next parameter to rdx). Byte-identical to `pahole -J -j1 --btf_features=...` for
 * the default set, consistent_func alone and optimized_func alone.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseElf } from '../../src/elf/elf.js';
import { readSymbols } from '../../src/elf/symbols.js';
import { encodeBtf } from '../../src/ops/encode/encode.js';
import { FunctionTable } from '../../src/ops/encode/functions.js';
import { DEFAULT_FEATURES, type FeatureSet, parseFeatures } from '../../src/ops/encode/features.js';
import type { Btf } from '../../src/wire/btf.js';
import { BtfError } from '../../src/wire/errors.js';
import { Kind } from '../../src/wire/kinds.js';
import { writeBtf } from '../../src/wire/write.js';
import { fixturePath, readFixture } from '../helpers.js';
import { readdirSync } from 'node:fs';

const OBJECT = readFixture('dwarf', 'gcc-clones.o');

async function encoded(features: FeatureSet): Promise<Btf> {
  return (await encodeBtf(OBJECT, { features, file: 'gcc-clones.o' })).btf;
}

function functionNames(btf: Btf): string[] {
  const out: string[] = [];
  for (let id = 1; id < btf.nextId; id++) if (btf.kind(id) === Kind.FUNC) out.push(btf.name(id));
  return out;
}

describe('encode: the default features byte-identical to pahole 1.30', () => {
  const objects = readdirSync(fixturePath('dwarf'))
    .filter((f) => f.endsWith('.pahole130.btf') && !f.startsWith('gcc-clones.'))
    .map((f) => f.slice(0, -'.pahole130.btf'.length));
  test('the objects of every architecture and DWARF version are covered', () => {
    for (const v of ['gcc-dwarf4', 'gcc-dwarf5', 'clang-aarch64', 'clang-s390x', 'gcc-kfuncs', 'gcc-two-units', 'clang-annotations']) assert.ok(objects.includes(v), v);
  });
  for (const name of objects) {
    test(name, async () => {
      const { btf } = await encodeBtf(readFixture('dwarf', `${name}.o`), { features: DEFAULT_FEATURES, file: name });
      assert.ok(Buffer.from(writeBtf(btf)).equals(readFixture('dwarf', `${name}.pahole130.btf`)), `${name}: output differs from pahole 1.30's`);
    });
  }
});

describe('encode: optimized_func and consistent_func as pahole 1.30', () => {
  const sets: Array<[string, FeatureSet]> = [
    ['default', DEFAULT_FEATURES],
    ['consistent', parseFeatures('var,float,enum64,consistent_func')],
    ['optimized', parseFeatures('var,float,enum64,optimized_func')],
  ];
  for (const [name, features] of sets) {
    test(`${name} features: byte-identical to pahole 1.30`, async () => {
      const btf = await encoded(features);
      assert.ok(Buffer.from(writeBtf(btf)).equals(readFixture('dwarf', `gcc-clones.${name}.pahole130.btf`)), `${name}: output differs from pahole 1.30's`);
    });
  }

  test('optimized_func takes clones by their suffixed symbols (scale_x.isra.0, pick.constprop.0), sorted by name', async () => {
    assert.deepEqual(functionNames(await encoded(parseFeatures('var,float,enum64,optimized_func'))), ['blend', 'ignores', 'pick', 'scale_x', 'span', 'use_all']);
    // Without it (pahole 1.24), a definition needs a symbol of its own name.
    assert.deepEqual(functionNames(await encoded(parseFeatures('pahole-1.24'))).sort(), ['blend', 'ignores', 'span', 'use_all']);
  });

  test('consistent_func leaves out parameters in unexpected registers, but not an optimized-out parameter or one moved by a struct', async () => {
    const names = functionNames(await encoded(DEFAULT_FEATURES));
    // pick.constprop.0 keeps a and b in rdi/rsi; ignores() only lost `unused`; span(struct pair, n) has n in rdx.
    assert.deepEqual(names, ['ignores', 'pick', 'span', 'use_all']);
    // The out-of-line scale_x.isra.0 lists k first, in rsi where its first argument belongs in
    // rdi (and so also reorders the parameters); blend(double, double) gets xmm0/xmm1.
    assert.ok(!names.includes('scale_x'));
    assert.ok(!names.includes('blend'));
  });
});

describe('encode: location lists are input like any other', () => {
  test('a corrupt .debug_loclists is a located error naming the section, not a crash or a silent guess', async () => {
    const bytes = new Uint8Array(OBJECT);
    const sec = parseElf(bytes).section('.debug_loclists');
    assert.ok(sec, 'gcc -O2 DWARF 5 has location lists');
    bytes.fill(0xee, sec.offset, sec.offset + sec.size);
    await assert.rejects(
      encodeBtf(bytes, { features: DEFAULT_FEATURES, file: 'bad.o' }),
      (e: unknown) => e instanceof BtfError && e.section === '.debug_loclists' && /location list entry kind 238/.test(e.message) && e.file === 'bad.o',
    );
    // Without consistent_func the lists are not read at all.
    await encodeBtf(bytes, { features: parseFeatures('pahole-1.24'), file: 'bad.o' });
  });
});

describe('FunctionTable.candidateNames (the names the walk core asks the policy about)', () => {
  const symbols = readSymbols(parseElf(OBJECT));
  const modes = { 'pahole 1.24': { consistent: false }, consistent: { consistent: true }, optimized: { consistent: false, optimized: true }, sorted: { consistent: false, sorted: true } };
  for (const [mode, opts] of Object.entries(modes)) {
    test(`${mode}: every name accept() takes is a candidate; asking about any other changes nothing`, () => {
      const names = new FunctionTable(symbols, opts).candidateNames();
      assert.ok(names && names.length > 0, 'the object has function symbols');
      const probes = [...names, ...names.map((n) => n.split('.')[0]!), ...names.map((n) => `${n}_x`), 'not_a_function', '', 'ünïcode'];
      const asked = new FunctionTable(symbols, opts);
      const candidatesOnly = new FunctionTable(symbols, opts);
      for (const name of probes) {
        for (const external of [false, true]) {
          const decision = asked.accept(name, external);
          if (!names.includes(name)) assert.equal(decision, 'skip', `${mode}: ${name}`);
          // The same decisions from a table asked about the candidates alone.
          else assert.equal(candidatesOnly.accept(name, external), decision, `${mode}: ${name}`);
        }
      }
      if (mode === 'optimized') assert.ok(names.some((n) => !n.includes('.') && names.some((m) => m.startsWith(`${n}.`))), 'clones\' names without their suffix');
    });
  }
  test('without symbols the candidates are not known (external functions are taken)', () => {
    assert.equal(new FunctionTable(undefined, { consistent: false }).candidateNames(), undefined);
  });
});
