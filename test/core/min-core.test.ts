import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRawString } from '../../src/format/raw.js';
import { openBtf } from '../../src/open.js';
import { resolveCoreRelos } from '../../src/ops/core/resolve.js';
import { minCore } from '../../src/ops/min-core.js';
import { kfuncRoots, vmlinuxSplit } from '../../src/ops/vmlinux-split.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { CoreReloKind, type BtfExt } from '../../src/wire/ext.js';
import { Kind } from '../../src/wire/kinds.js';
import { readFixture, readFixtureText } from '../helpers.js';
import { canonicalType, comparableValue, syntheticModule } from './core-helpers.js';

const vmlinux = Btf.parse(readFixture('third-party', 'vmlinux-7.1.btf.gz'), { sanityCheck: false });
const objects = ['vmlinux_relocs.o', 'module_relocs.o'].map((f) => {
  const o = openBtf(readFixture('core', f));
  return { btf: o.btf, ext: o.ext, file: f };
});

describe('min-core (bpftool gen min_core_btf)', () => {
  const res = minCore(objects, vmlinux);

  it('keeps the same types as bpftool gen min_core_btf (raw text)', () => {
    assert.equal(formatRawString(res.base), readFixtureText('core', 'min-core-vmlinux-7.1.raw.txt'));
  });

  it('every relocation resolves to the same value against the minimal BTF as against the full one', () => {
    const map = (id: number): number => res.baseIdMap[id]!;
    for (const obj of objects) {
      const full = resolveCoreRelos(obj, vmlinux);
      const min = resolveCoreRelos(obj, res.base);
      assert.equal(min.length, full.length);
      full.forEach((r, i) => assert.equal(comparableValue(min[i]!), comparableValue(r, map), `${obj.file} ${r.section}#${r.index} ${r.kindName} ${r.accessStr}`));
    }
  });

  it('with a module: minimal base plus minimal split BTF of the module, same values', () => {
    const mod = syntheticModule(vmlinux);
    const mres = minCore(objects, vmlinux, { modules: [{ name: 'nf_tables', btf: mod }] });
    assert.equal(mres.modules.length, 1);
    const m = mres.modules[0]!;
    assert.equal(m.btf.base, mres.base);
    assert.deepEqual(
      [...Array(m.btf.typeCount).keys()].map((i) => `${m.btf.kind(m.btf.startId + i)}:${m.btf.name(m.btf.startId + i)}`),
      [`${Kind.PTR}:`, `${Kind.STRUCT}:nft_ctx`],
    );
    // net (vmlinux) is in the base because the module type points at it and a relocation reads net->ifindex
    assert.ok(mres.base.findByNameKind('net', Kind.STRUCT));
    const mapFull = (id: number): number => m.idMap[id]!;
    for (const obj of objects) {
      const full = resolveCoreRelos(obj, vmlinux, { modules: [{ name: 'nf_tables', btf: mod }] });
      const min = resolveCoreRelos(obj, mres.base, { modules: [{ name: 'nf_tables', btf: m.btf }] });
      full.forEach((r, i) => assert.equal(comparableValue(min[i]!), comparableValue(r, mapFull), `${obj.file} ${r.section}#${r.index} ${r.kindName}`));
    }
  });

  it('a pointer to a type nothing needs becomes void *', () => {
    const tb = new BtfBuilder();
    const int = tb.addInt('int', 4, 1);
    const t = tb.addStruct('t', 4, [{ name: 'x', type: int, bitOffset: 0 }]);
    const pt = tb.addPtr(t);
    tb.addStruct('s', 16, [
      { name: 'p', type: pt, bitOffset: 0 },
      { name: 'y', type: int, bitOffset: 64 },
    ]);
    const target = tb.build();
    const lb = new BtfBuilder();
    const lint = lb.addInt('int', 4, 1);
    const lt = lb.addStruct('t___l', 4, [{ name: 'x', type: lint, bitOffset: 0 }]);
    const lpt = lb.addPtr(lt);
    const ls = lb.addStruct('s___l', 8, [{ name: 'p', type: lpt, bitOffset: 0 }]);
    const acc = lb.addString('0:0');
    const sec = lb.addString('kprobe/x');
    const local = lb.build();
    const ext: BtfExt = { endian: 'little', hdrLen: 32, funcInfoRecSize: 0, lineInfoRecSize: 0, coreReloRecSize: 16, funcInfo: [], lineInfo: [], coreRelos: [{ secNameOff: sec, records: [{ insnOff: 0, typeId: ls, accessStrOff: acc, kind: CoreReloKind.FIELD_BYTE_OFFSET }] }] };
    const out = minCore([{ btf: local, ext }], target);
    assert.equal(formatRawString(out.base), "[1] PTR '(anon)' type_id=0\n[2] STRUCT 's' size=16 vlen=1\n\t'p' type_id=1 bits_offset=0\n");
  });
});

describe('vmlinux-split', () => {
  const res = vmlinuxSplit(vmlinux);

  it('puts every kfunc prototype and what it needs in the core', () => {
    const { funcs } = kfuncRoots(vmlinux);
    assert.ok(funcs.length > 100);
    assert.equal(res.kfuncCount, funcs.length);
    for (const f of funcs) assert.ok(res.idMap[f]! <= res.coreTypes, `kfunc [${f}] ${vmlinux.name(f)} in core`);
    // closed: nothing in the core refers to the rest
    for (let id = 1; id < res.core.nextId; id++) {
      const { words, offset } = res.core.record(id);
      assert.doesNotThrow(() => canonicalType(res.core, id));
      assert.ok(words.length > offset);
    }
  });

  it('core + rest read back as split BTF equal the input', () => {
    const core = Btf.parse(res.coreBytes);
    const rest = Btf.parse(res.restBytes, { base: core });
    assert.equal(core.typeCount + rest.typeCount, vmlinux.typeCount);
    const map = (id: number): number => res.idMap[id]!;
    for (let id = 1; id < vmlinux.nextId; id++) {
      const nid = map(id);
      if (canonicalType(vmlinux, id, map) !== canonicalType(rest, nid)) assert.fail(`type [${id}] differs from [${nid}]`);
    }
  });
});
