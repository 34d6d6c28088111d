// One id-map convention (src/ops/id-map.ts): every operation that renumbers types returns
// `idMap` indexed by the input's type id, base ids included, of length input.nextId, 0 for
// void and for types the output does not have; each kept type is the same type at its new id.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dedup } from '../../src/ops/dedup.js';
import { distillBase } from '../../src/ops/distill.js';
import type { IdMap } from '../../src/ops/id-map.js';
import { vmlinuxSplit } from '../../src/ops/vmlinux-split.js';
import { tryRelocate } from '../../src/ops/relocate.js';
import { toStandalone } from '../../src/ops/standalone.js';
import type { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';

function vmlinuxAndModule(): { base: Btf; split: Btf } {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 1);
  b.addStruct('unused', 4, [{ name: 'x', type: int, bitOffset: 0 }]);
  const dev = b.addStruct('device', 8, [
    { name: 'a', type: int, bitOffset: 0 },
    { name: 'b', type: int, bitOffset: 32 },
  ]);
  const base = b.build();
  const m = new BtfBuilder({ base });
  const p = m.addPtr(dev);
  m.addPtr(dev); // a duplicate dedup folds into the first
  m.addStruct('mod_state', 8, [{ name: 'dev', type: p, bitOffset: 0 }]);
  return { base, split: m.build() };
}

/** The convention, checked on one result: shape, void, and each kept type is itself. */
function assertIdMap(name: string, idMap: IdMap, input: Btf, output: Btf): void {
  assert.ok(idMap instanceof Uint32Array, name);
  assert.equal(idMap.length, input.nextId, `${name}: indexed by every input id`);
  assert.equal(idMap[0], 0, `${name}: void`);
  for (let id = 1; id < input.nextId; id++) {
    const to = idMap[id]!;
    if (to === 0) continue;
    assert.equal(output.kind(to), input.kind(id), `${name}: [${id}] -> [${to}] kind`);
    assert.equal(output.name(to), input.name(id), `${name}: [${id}] -> [${to}] name`);
  }
}

describe('id maps', () => {
  it('dedup, distill, standalone, relocate and vmlinux-split index them the same way', () => {
    const { base, split } = vmlinuxAndModule();
    const d = dedup(split);
    assertIdMap('dedup', d.idMap, split, d.btf);
    assert.equal(d.idMap[split.startId + 1], d.idMap[split.startId], 'the duplicate PTR maps to the first');

    const distilled = distillBase(split);
    assertIdMap('distill', distilled.idMap, split, distilled.split);
    assert.equal(distilled.idMap[2], 0, "a base type the module does not use");

    const standalone = toStandalone(split);
    assertIdMap('standalone', standalone.idMap, split, standalone.btf);

    const relocated = tryRelocate(distilled.split, base);
    assert.ok(relocated.ok);
    assertIdMap('relocate', relocated.idMap, distilled.split, relocated.btf);

    const vs = vmlinuxSplit(base, { kfuncs: false, roots: ['device'] });
    assertIdMap('vmlinux-split', vs.idMap, base, vs.rest);
  });
});
