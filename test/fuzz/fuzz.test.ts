import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMutations, loadSeeds, runFuzz } from './harness.js';

const RUNS = Number(process.env.BTFKIT_FUZZ_RUNS ?? 1500);

test('fuzz: damaged real inputs end in a result or a located BtfError, never another exception or a hang', { timeout: 50_000 }, async (t) => {
  const stats = await runFuzz({ runs: RUNS, seed: 0x0b7f, caseTimeoutMs: 4000 });
  t.diagnostic(`${stats.runs} cases, slowest ${stats.slowestMs.toFixed(1)} ms: ${JSON.stringify(stats.outcomes)}`);
  assert.equal(stats.runs, RUNS);
  // the cases must actually reach both outcomes for the readers
  assert.ok(Object.keys(stats.outcomes).some((k) => k.startsWith('btf:ok')));
  assert.ok(Object.keys(stats.outcomes).some((k) => k.startsWith('btf:error')));
  assert.ok(Object.keys(stats.outcomes).some((k) => k.startsWith('elf:error')));
});

test('fuzz seeds cover raw BTF, split BTF, ELF objects, .BTF.ext and compressed inputs', () => {
  const seeds = loadSeeds();
  for (const target of ['btf', 'elf', 'ext', 'compressed']) assert.ok(seeds.some((s) => s.target === target), target);
  assert.ok(seeds.some((s) => s.base !== undefined));
});

test('mutations are deterministic and keep lengths bounded', () => {
  const src = new Uint8Array([0x9f, 0xeb, 1, 0, 24, 0, 0, 0]);
  const a = applyMutations(src, [{ op: 'word', at: 4, value: 0xffffffff, le: true }, { op: 'extend', by: 8 }]);
  assert.deepEqual(a, applyMutations(src, [{ op: 'word', at: 4, value: 0xffffffff, le: true }, { op: 'extend', by: 8 }]));
  assert.equal(a.length, 16);
  assert.equal(applyMutations(src, [{ op: 'truncate', at: 3 }]).length, 3);
});

test('fuzz: damaged DWARF (truncated, flipped, overwritten .debug_* bytes of gcc/clang objects) ends in BTF or a located BtfError', { timeout: 50_000 }, async (t) => {
  const seeds = loadSeeds().filter((s) => s.target === 'dwarf');
  assert.ok(seeds.length >= 20, 'DWARF seeds from fixtures/dwarf');
  const stats = await runFuzz({ runs: Math.ceil(RUNS / 2), seed: 0xd3a7f, seeds, caseTimeoutMs: 4000 });
  t.diagnostic(`${stats.runs} cases, slowest ${stats.slowestMs.toFixed(1)} ms: ${JSON.stringify(stats.outcomes)}`);
  assert.ok(Object.keys(stats.outcomes).some((k) => k.startsWith('dwarf:ok')));
  assert.ok(Object.keys(stats.outcomes).some((k) => k.startsWith('dwarf:error')));
});
