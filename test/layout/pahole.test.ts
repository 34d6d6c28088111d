import assert from 'node:assert/strict';
import { btfkitInProcess } from '../cli/in-process.js';
import { describe, it } from 'node:test';
import { formatPahole, layoutFacts, PaholePrinter } from '../../src/format/pahole.js';
import { LayoutModel } from '../../src/model/layout.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { Kind, makeInfo } from '../../src/wire/kinds.js';
import { writeBtf } from '../../src/wire/write.js';
import { fixturePath, readFixture, readFixtureText } from '../helpers.js';

// Expected texts are Debian pahole 1.24's, recorded by scripts/make-layout-fixtures.mjs.
const layouts = (): Btf => Btf.parse(readFixture('layout', 'layouts.btf'));
const dups = (): Btf => Btf.parse(readFixture('layout', 'dups.btf'));

describe('pahole text', () => {
  it('prints every struct and union of a BTF as pahole -F btf does', async () => {
    assert.equal(formatPahole(layouts()).text, readFixtureText('layout', 'layouts.pahole.txt'));
  });
  it('reads big-endian BTF the same', async () => {
    const be = Btf.parse(writeBtf(layouts(), { endian: 'big' }));
    assert.equal(be.endian, 'big');
    assert.equal(formatPahole(be).text, readFixtureText('layout', 'layouts.pahole.txt'));
  });
  it('prints the -C selection in the order given, repeats included', async () => {
    const r = formatPahole(layouts(), ['nested', 'bits', 'packed', 'top', 'aligned', 'bits']);
    assert.equal(r.text, readFixtureText('layout', 'layouts.C.pahole.txt'));
    assert.deepEqual(r.notFound, []);
  });
  it('skips a later struct with the same name, size and member offsets, keeps one that differs', async () => {
    const r = formatPahole(dups());
    assert.equal(r.text, readFixtureText('layout', 'dups.pahole.txt'));
    assert.equal(r.text.match(/^struct dup \{/gm)?.length, 2);
  });
  it('-C picks the first struct or union of that name', async () => {
    assert.equal(formatPahole(dups(), ['dup']).text, readFixtureText('layout', 'dups.C.pahole.txt'));
  });
  it('prints split BTF with its base types first, as pahole --btf_base', async () => {
    const base = dups();
    const split = Btf.parse(readFixture('layout', 'dups-split.btf'), { base });
    assert.equal(formatPahole(split).text, readFixtureText('layout', 'dups-split.pahole.txt'));
  });
  it('continues from a base printer for split BTF (many modules on one vmlinux)', async () => {
    const base = dups();
    const printer = new PaholePrinter(base);
    const baseText = [...printer.printedIds()].map((id) => printer.printTopLevel(id)).join('');
    const split = Btf.parse(readFixture('layout', 'dups-split.btf'), { base });
    const p = printer.forSplit(split);
    const text = baseText + [...p.printedIds(split.startId)].map((id) => p.printTopLevel(id)).join('');
    assert.equal(text, readFixtureText('layout', 'dups-split.pahole.txt'));
    // The module's look-alike `struct dup` is skipped against the base's.
    assert.doesNotMatch(text.slice(baseText.length), /struct dup \{/);
  });
  it('reports names that are no struct or union', async () => {
    const r = formatPahole(dups(), ['holder', 'declared_only', 'nope']);
    assert.deepEqual(r.notFound, ['declared_only', 'nope']);
    assert.match(r.text, /^struct holder \{/);
  });
});

describe('hostile BTF', () => {
  it('prints loops and self-nesting types as errors instead of recursing forever', async () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, 1);
    // [2] PTR -> [2]; [3] FUNC_PROTO returning [4] PTR -> [3]; [5] anonymous struct holding itself.
    const selfPtr = b.addRecord([0, makeInfo(Kind.PTR, 0, false), 2]);
    const proto = b.addRecord([0, makeInfo(Kind.FUNC_PROTO, 0, false), 4]);
    b.addPtr(proto);
    const anon = b.addRecord([0, makeInfo(Kind.STRUCT, 2, false), 8, 0, 5, 0, 0, int, 32]);
    b.addStruct('victim', 24, [{ name: 'p', type: selfPtr, bitOffset: 0 }, { name: 'f', type: b.addPtr(proto), bitOffset: 64 }, { name: 'a', type: anon, bitOffset: 128 }]);
    const r = formatPahole(b.build(), ['victim']);
    assert.match(r.text, /<ERROR: type loop>/);
    assert.match(r.text, /<ERROR: nesting too deep>/);
    assert.match(r.text, /^struct victim \{/);
  });
});

describe('layout model', () => {
  const btf = layouts();
  const model = new LayoutModel(btf);
  const id = (name: string): number => new PaholePrinter(btf).findComposite(name)!;

  it('finds byte holes after members and the trailing padding', async () => {
    const l = model.layout(id('holes'));
    assert.deepEqual(
      l.members.map((m) => [m.name, m.byteOffset, m.byteSize, m.hole]),
      [['a', 0, 1, 7], ['b', 8, 8, 0], ['c', 16, 2, 2], ['d', 20, 4, 0], ['e', 24, 1, 0]],
    );
    assert.equal(l.padding, 7);
    assert.equal(l.nrHoles, 2);
    assert.equal(l.cachelines, 1);
  });
  it('places bitfields in their storage units and counts bit holes and bit padding', async () => {
    const l = model.layout(id('bits'));
    const e = l.members.find((m) => m.name === 'e')!;
    assert.deepEqual([e.byteOffset, e.bitfieldOffset, e.bitfieldSize, e.byteSize], [0, 17, 40, 8]);
    assert.equal(l.bitPadding, 14);
    assert.equal(l.padding, 2);
  });
  it('infers packed structs and the alignment of over-aligned members', async () => {
    assert.equal(model.inferPacked(id('packed')), true);
    assert.equal(model.inferPacked(id('holes')), false);
    const aligned = model.layout(id('aligned'));
    assert.equal(aligned.members[1]!.alignment, 64);
    assert.equal(aligned.alignment, 64);
    assert.equal(aligned.cachelines, 2);
  });
  it('gives the same facts as data, with pahole-style type names', async () => {
    const facts = layoutFacts(new PaholePrinter(btf), id('arrays'));
    assert.equal(facts.size, 112);
    assert.deepEqual(
      facts.members.map((m) => [m.name, m.type, m.offset, m.size]),
      [
        ['grid', 'int', 0, 24],
        ['names', 'const char  *', 24, 32],
        ['heads', 'struct list', 56, 32],
        ['v', 'volatile int', 88, 4],
        ['cp', 'const char *', 96, 8],
        ['clist', 'const struct list  *', 104, 8],
        ['words', 'unsigned long', 112, 0],
      ],
    );
  });
});

describe('btfkit layout', () => {
  const btfkit = btfkitInProcess;
  it('prints pahole text for -C names', async () => {
    const r = await btfkit('layout', fixturePath('layout', 'layouts.btf'), '-C', 'nested,bits', '-C', 'packed,top,aligned,bits');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, readFixtureText('layout', 'layouts.C.pahole.txt'));
  });
  it('gives JSON facts', async () => {
    const r = await btfkit('layout', fixturePath('layout', 'layouts.btf'), '-C', 'holes', '--json');
    assert.equal(r.status, 0, r.stderr);
    const [facts] = JSON.parse(r.stdout) as Array<{ name: string; padding: number; sumHoles: number }>;
    assert.deepEqual([facts!.name, facts!.padding, facts!.sumHoles], ['holes', 7, 9]);
  });
  it('names a missing type in one line and exits 1', async () => {
    const r = await btfkit('layout', fixturePath('layout', 'layouts.btf'), '-C', 'nope');
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /no struct or union named 'nope'/);
  });
});
