// The package's subpath exports, imported by the package's own name as a user would: each
// resolves (package.json "exports" → dist/src/<layer>/index.js) and carries the values and
// the option/result types a user needs to name. The type annotations below are the test of
// the types: this file does not compile when one of them is unreachable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as root from 'btfkit';
import { type Candidate, type CoreTargetBtf, type DistillResult, dedup, distillBase, type EncodeOptions, type EncodeResult, encodeBtf, type MinCoreOptions, type RelocateOutcome, type StandaloneResult, tryRelocate } from 'btfkit/ops';
import { decompress, EM_BPF, parseElf } from 'btfkit/elf';
import { CDumper, type TypeDeclOptions, TypeTable, type VmlinuxHOptions, emitTypeDecl } from 'btfkit/format';
import { type BtfType, type CompositeType, pointerSize, resolveSize, typeAt } from 'btfkit/model';
import { loadBtf } from 'btfkit/node';
import { Btf, BtfBuilder, infoKind, isComposite, isModifierKernel, isModifierLibbpf, Kind } from 'btfkit/wire';

describe('subpath exports', () => {
  it('each layer resolves by the package name and exports its functions', () => {
    assert.equal(EM_BPF, 247);
    for (const f of [dedup, encodeBtf, tryRelocate, parseElf, emitTypeDecl, typeAt, resolveSize, loadBtf, infoKind]) assert.equal(typeof f, 'function');
    assert.equal(root.Btf, Btf, 'the root and btfkit/wire export the same class');
    assert.equal(root.CDumper, CDumper);
    // The root keeps of the ELF layer only what reading BTF out of a file needs.
    assert.equal(root.decompress, decompress);
    for (const name of ['parseElf', 'rewriteElf', 'EM_BPF', 'SHT_PROGBITS', 'STT_FUNC']) assert.equal(name in root, false, name);
  });

  it('the option and result types are nameable and describe what the functions take and return', () => {
    const b = new BtfBuilder();
    const int = b.addInt('long int', 8);
    const s = b.addStruct('pair', 16, [
      { name: 'a', type: int, bitOffset: 0 },
      { name: 'b', type: int, bitOffset: 64 },
    ]);
    const btf = b.build();
    const t: BtfType = typeAt(btf, s);
    assert.ok(isComposite(t.kind));
    if (t.kind !== Kind.STRUCT) assert.fail('not a struct');
    const pair: CompositeType = t;
    assert.equal(pair.members.length, 2);
    const i = typeAt(btf, int);
    assert.equal(i.kind === Kind.INT ? i.bits : -1, 64);
    assert.equal(pointerSize(btf), 8);
    const declOpts: TypeDeclOptions = {};
    assert.equal(emitTypeDecl(TypeTable.of(btf), s, declOpts), 'struct pair');
    const headerOpts: VmlinuxHOptions = {};
    const minCoreOpts: MinCoreOptions = {};
    assert.deepEqual([headerOpts, minCoreOpts], [{}, {}]);
    // A module's split BTF, distilled, relocates back onto the base it was built against.
    const split = new BtfBuilder({ base: btf });
    split.addPtr(s);
    const distilled: DistillResult = distillBase(split.build());
    const outcome: RelocateOutcome = tryRelocate(distilled.split, btf);
    assert.equal(outcome.ok, true, outcome.ok ? '' : outcome.diagnosis.libbpfMessage);
    const none: StandaloneResult | Candidate | CoreTargetBtf | EncodeOptions | EncodeResult | undefined = undefined;
    assert.equal(none, undefined);
  });

  it('the kernel and libbpf modifier sets differ exactly in TYPEDEF', () => {
    for (let k = 0; k < 20; k++) assert.equal(isModifierKernel(k), isModifierLibbpf(k) || k === Kind.TYPEDEF, `kind ${k}`);
  });
});
