import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPahole } from '../../src/format/pahole.js';
import { ExploreSession } from '../../src/ops/explore.js';
import { Btf } from '../../src/wire/btf.js';
import { readFixture } from '../helpers.js';

const session = (): ExploreSession => {
  const s = new ExploreSession();
  s.load([
    { name: 'layouts.btf', bytes: readFixture('layout', 'layouts.btf') },
    { name: 'dups.btf', bytes: readFixture('layout', 'dups.btf') },
    // No base given: found among the standalone files loaded so far.
    { name: 'dups-split.btf', bytes: readFixture('layout', 'dups-split.btf') },
  ]);
  return s;
};

describe('explore session', () => {
  it('loads files side by side and puts a split file on the vmlinux it fits', () => {
    const files = session().loaded;
    assert.deepEqual(
      files.map((f) => [f.name, f.baseIndex]),
      [
        ['layouts.btf', undefined],
        ['dups.btf', undefined],
        ['dups-split.btf', 1],
      ],
    );
  });
  it('searches by prefix, substring and regex; exact and struct matches first; kind filter', () => {
    const s = session();
    const { names } = s.names(0);
    const show = (r: { ids: Uint32Array }): string[] => [...r.ids].map((id) => names[id]!);
    assert.deepEqual(show(s.search(0, 'hole', 'prefix')), ['holes']);
    assert.deepEqual(show(s.search(0, 'ack', 'substring')), ['outer_packed', 'packed', 'g_outer_packed']);
    assert.deepEqual(show(s.search(0, '^(bits|big)$', 'regex')), ['bits', 'big']);
    assert.deepEqual(show(s.search(0, 'list', 'prefix'))[0], 'list');
    const structs = s.search(0, '', 'prefix', 4 /* STRUCT */);
    assert.equal(structs.total, 12);
    assert.ok([...structs.ids].every((id) => s.btf(0).kind(id) === 4));
    assert.equal(s.search(0, '(', 'regex').total, 0, 'an invalid regex matches nothing');
  });
  it('builds a type page: pahole rows classified, members linked to their types, C text, refs and users', () => {
    const s = session();
    const id = s.resolve(0, 'holes')!;
    const page = s.typePage(0, id);
    assert.equal(page.layout!.map((l) => l.text).join('\n') + '\n', formatPahole(Btf.parse(readFixture('layout', 'layouts.btf')), ['holes']).text);
    assert.deepEqual(
      page.layout!.filter((l) => l.cls === 'hole').map((l) => l.text.trim()),
      ['/* XXX 7 bytes hole, try to pack */', '/* XXX 2 bytes hole, try to pack */'],
    );
    assert.equal(page.layout!.filter((l) => l.typeId !== undefined).length, 5);
    assert.match(page.c, /^struct holes \{/);
    // struct big embeds holes by value: a user.
    assert.ok(s.usedBy(0, id).usedBy.some((u) => u.name === 'big' && u.via === 'h'));
    // list is used by value in big and through an array in arrays.heads.
    const list = s.typePage(0, s.resolve(0, 'list')!);
    assert.deepEqual(
      s.usedBy(0, list.id).usedBy.map((u) => [u.name, u.via, u.how]),
      [
        ['big', 'l', undefined],
        ['arrays', 'heads', '[]'],
      ],
    );
    assert.ok(list.layout!.some((l) => l.cls === 'footer'));
    const cachelines = s.typePage(0, s.resolve(0, 'big')!).layout!.filter((l) => l.cls === 'cacheline');
    assert.equal(cachelines.length, 3);
  });
  it('says which side of the split boundary a type is on', () => {
    const s = session();
    const mod = s.typePage(2, s.resolve(2, 'module_only')!);
    assert.equal(mod.owner?.side, 'module');
    // Its member `h` is a struct dup of the base; `n` an int of the base too.
    assert.deepEqual(mod.layout!.filter((l) => l.typeId !== undefined).map((l) => l.fromBase), [true, true]);
    const holder = s.typePage(2, s.resolve(2, 'holder')!);
    assert.deepEqual(holder.owner, { side: 'base', file: 'dups.btf' });
    assert.equal(s.typePage(1, s.resolve(1, 'holder')!).owner, undefined, 'no boundary in standalone BTF');
  });
  it('diffs two loaded files and finds a member across them', () => {
    const s = session();
    const d = s.diff(0, 1);
    assert.ok(d.changes.some((c) => c.name === 'holes' && c.status === 'removed'));
    const where = s.where('holder.p');
    assert.deepEqual(where.map((w) => [w.file, w.present]), [['layouts.btf', false], ['dups.btf', true], ['dups-split.btf', true]]);
  });
  it('refuses unknown files and ids', () => {
    const s = session();
    assert.throws(() => s.typePage(9, 1), /no file #9/);
    assert.throws(() => s.typePage(0, 99999), /type id 99999 does not exist/);
  });
});
