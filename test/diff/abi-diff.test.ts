/**
 * The ABI diff per change kind, on small BTFs made with the builder, in both byte orders.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { abiDiffExitCode, type AbiDiffReport, type AbiTypeChange, diffBtf, filterAbiDiff } from '../../src/ops/abi-diff.js';
import { formatAbiDiff } from '../../src/ops/abi-diff-format.js';
import { DiffSide } from '../../src/ops/abi-diff-members.js';
import { emitTypeDecl } from '../../src/format/c/index.js';
import { whereMember } from '../../src/ops/where.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import type { Endian } from '../../src/wire/header.js';
import { IntEncoding } from '../../src/wire/kinds.js';
import { readFixture } from '../helpers.js';

type Side = 'a' | 'b';

/** Build the two sides with one recipe that branches on the side. */
function both(endian: Endian, recipe: (b: BtfBuilder, side: Side) => void): { a: Btf; b: Btf; r: AbiDiffReport } {
  const make = (side: Side): Btf => {
    const b = new BtfBuilder({ endian });
    recipe(b, side);
    return b.build();
  };
  const a = make('a');
  const b = make('b');
  return { a, b, r: diffBtf(a, b) };
}

/** Common base types: [1] int, [2] long, [3] char. */
function ints(b: BtfBuilder): { int: number; long: number; char: number } {
  return { int: b.addInt('int', 4, IntEncoding.SIGNED), long: b.addInt('long', 8, IntEncoding.SIGNED), char: b.addInt('char', 1, IntEncoding.SIGNED) };
}

function one(r: AbiDiffReport, kind: string, name: string): AbiTypeChange {
  const c = r.changes.find((x) => x.kind === kind && x.name === name);
  assert.ok(c, `${kind} ${name} in ${JSON.stringify(r.changes.map((x) => `${x.kind} ${x.name}`))}`);
  return c;
}

for (const endian of ['little', 'big'] as const) {
  describe(`ABI diff (${endian}-endian)`, () => {
    it('identical BTFs: no changes, exit 0', () => {
      const { r } = both(endian, (b) => {
        const t = ints(b);
        b.addStruct('s', 8, [{ name: 'x', type: t.long, bitOffset: 0 }]);
      });
      assert.deepEqual(r.changes, []);
      assert.equal(abiDiffExitCode(r), 0);
    });

    it('a member added at the end grows the struct: added, size, incompatible (exit 12)', () => {
      const { r } = both(endian, (b, side) => {
        const t = ints(b);
        const m = [{ name: 'x', type: t.long, bitOffset: 0 }];
        b.addStruct('s', side === 'a' ? 8 : 16, side === 'a' ? m : [...m, { name: 'y', type: t.long, bitOffset: 64 }]);
      });
      const c = one(r, 'struct', 's');
      assert.deepEqual(c.size, [8, 16]);
      assert.deepEqual(c.members, [{ name: 'y', index: 1, status: 'added', b: { offset_bits: 64, bitfield_size: 0, type: 'long', size: 8 } }]);
      assert.equal(c.incompatible, true);
      assert.equal(abiDiffExitCode(r), 12);
    });

    it('same offset and type, new name: a rename, compatible (exit 4)', () => {
      const { r } = both(endian, (b, side) => {
        const t = ints(b);
        b.addStruct('s', 8, [{ name: side === 'a' ? 'old' : 'new', type: t.long, bitOffset: 0 }]);
      });
      const c = one(r, 'struct', 's');
      assert.equal(c.members?.length, 1);
      assert.equal(c.members![0]!.status, 'renamed');
      assert.equal(c.members![0]!.old_name, 'old');
      assert.equal(c.members![0]!.name, 'new');
      assert.equal(c.incompatible, false);
      assert.equal(abiDiffExitCode(r), 4);
    });

    it('moved members, a type change as C text and a bitfield size change', () => {
      const { r } = both(endian, (b, side) => {
        const t = ints(b);
        const kl = b.addTypedef('__kernel_long_t', t.long);
        b.addStruct('s', 24, [
          { name: 'flags', type: t.int, bitOffset: 0, bitSize: side === 'a' ? 3 : 5 },
          { name: 'moved', type: t.int, bitOffset: side === 'a' ? 32 : 64 },
          { name: 'v', type: side === 'a' ? t.long : kl, bitOffset: 128 },
        ]);
      });
      const c = one(r, 'struct', 's');
      const by = new Map(c.members!.map((m) => [m.name, m]));
      assert.deepEqual(by.get('flags')!.changed, ['bitfield_size']);
      assert.deepEqual([by.get('flags')!.a!.bitfield_size, by.get('flags')!.b!.bitfield_size], [3, 5]);
      assert.deepEqual(by.get('moved')!.changed, ['offset']);
      assert.deepEqual([by.get('moved')!.a!.offset_bits, by.get('moved')!.b!.offset_bits], [32, 64]);
      assert.deepEqual(by.get('v')!.changed, ['type']);
      assert.deepEqual([by.get('v')!.a!.type, by.get('v')!.b!.type], ['long', '__kernel_long_t']);
    });

    it('holes that closed and appeared', () => {
      const { r } = both(endian, (b, side) => {
        const t = ints(b);
        // a: int a; (4-byte hole) long b;   b: int a; int c; long b;
        const members = side === 'a' ? [{ name: 'a', type: t.int, bitOffset: 0 }, { name: 'b', type: t.long, bitOffset: 64 }] : [{ name: 'a', type: t.int, bitOffset: 0 }, { name: 'c', type: t.int, bitOffset: 32 }, { name: 'b', type: t.long, bitOffset: 64 }];
        b.addStruct('s', 16, members);
      });
      const c = one(r, 'struct', 's');
      assert.deepEqual(c.holes, { appeared: [], closed: [{ after: 'a', offset_bits: 32, size_bits: 32 }] });
      assert.deepEqual(c.members?.map((m) => [m.name, m.status]), [['c', 'added']]);
      assert.equal(c.incompatible, false, 'a member added into a hole keeps every offset and the size');
    });

    it('changes inside an anonymous union member are listed under it, by index', () => {
      const { r } = both(endian, (b, side) => {
        const t = ints(b);
        const u = b.addUnion('', 8, [
          { name: 'l', type: t.long, bitOffset: 0 },
          { name: side === 'a' ? 'i' : 'j', type: side === 'a' ? t.int : t.long, bitOffset: 0 },
        ]);
        b.addStruct('s', 16, [
          { name: 'x', type: t.long, bitOffset: 0 },
          { type: u, bitOffset: 64 },
        ]);
      });
      const c = one(r, 'struct', 's');
      assert.equal(c.members?.length, 1);
      const anon = c.members![0]!;
      assert.equal(anon.name, '');
      assert.equal(anon.index, 1);
      assert.deepEqual(anon.changed, ['type']);
      assert.deepEqual(anon.members?.map((m) => [m.name, m.status]), [['j', 'added'], ['i', 'removed']]);
    });

    it('enums: enumerators added (compatible), removed and renumbered (incompatible), size', () => {
      const { r } = both(endian, (b, side) => {
        if (side === 'a') {
          b.addEnum('grow', 4, [{ name: 'A', value: 0 }]);
          b.addEnum('shift', 4, [{ name: 'X', value: 0 }, { name: 'Y', value: 1 }, { name: 'Z', value: 2 }]);
          b.addEnum('wide', 4, [{ name: 'W', value: 1 }]);
        } else {
          b.addEnum('grow', 4, [{ name: 'A', value: 0 }, { name: 'B', value: 1 }]);
          b.addEnum('shift', 4, [{ name: 'Y', value: 0 }, { name: 'Z', value: 1 }]);
          b.addEnum64('wide', 8, [{ name: 'W', value: 1n << 40n }]);
        }
      });
      const grow = one(r, 'enum', 'grow');
      assert.deepEqual(grow.enumerators, [{ name: 'B', status: 'added', b: '1' }]);
      assert.equal(grow.incompatible, false);
      const shift = one(r, 'enum', 'shift');
      assert.deepEqual(shift.enumerators, [
        { name: 'X', status: 'removed', a: '0' },
        { name: 'Y', status: 'changed', a: '1', b: '0' },
        { name: 'Z', status: 'changed', a: '2', b: '1' },
      ]);
      assert.equal(shift.incompatible, true);
      const wide = one(r, 'enum', 'wide');
      assert.deepEqual(wide.kind_change, ['ENUM', 'ENUM64']);
      assert.deepEqual(wide.size, [4, 8]);
      assert.deepEqual(wide.enumerators, [{ name: 'W', status: 'changed', a: '1', b: String(1n << 40n) }]);
    });

    it('typedef target, function prototype, linkage and VAR type', () => {
      const { r } = both(endian, (b, side) => {
        const t = ints(b);
        b.addTypedef('len_t', side === 'a' ? t.int : t.long);
        const proto = side === 'a' ? b.addFuncProto(t.int, [{ name: 'n', type: t.int }]) : b.addFuncProto(t.long, [{ name: 'count', type: t.int }, { name: 'flags', type: t.long }]);
        b.addFunc('f', proto, side === 'a' ? 1 : 0);
        const same = b.addFuncProto(t.int, [{ name: side === 'a' ? 'x' : 'y', type: t.int }]);
        b.addFunc('renamed_param', same, 1);
        b.addVar('v', side === 'a' ? t.int : t.long, 1);
      });
      assert.deepEqual(one(r, 'typedef', 'len_t').type, ['int', 'long']);
      const f = one(r, 'func', 'f');
      assert.deepEqual(f.type, ['int f(int n)', 'long f(int count, long flags)']);
      assert.deepEqual(f.linkage, ['global', 'static']);
      assert.deepEqual(f.params, [
        { index: 0, name: 'count', status: 'renamed', old_name: 'n' },
        { index: 1, name: 'flags', status: 'added', b: { type: 'long' } },
      ]);
      assert.equal(f.incompatible, true);
      const rp = one(r, 'func', 'renamed_param');
      assert.equal(rp.incompatible, false);
      assert.deepEqual(rp.params, [{ index: 0, name: 'y', status: 'renamed', old_name: 'x' }]);
      assert.deepEqual(one(r, 'var', 'v').type, ['int', 'long']);
    });

    it('DATASEC entries, DECL_TAGs (kfunc tags) and types added or removed', () => {
      const { r } = both(endian, (b, side) => {
        const t = ints(b);
        const proto = b.addFuncProto(t.int, []);
        const fn = b.addFunc('bpf_thing', proto, 1);
        if (side === 'b') b.addDeclTag('bpf_kfunc', fn, -1);
        const v1 = b.addVar('one', t.int, 1);
        const v2 = b.addVar('two', t.long, 1);
        b.addDatasec('.data', 16, side === 'a' ? [{ type: v1, offset: 0, size: 4 }, { type: v2, offset: 8, size: 8 }] : [{ type: v2, offset: 0, size: 8 }, { type: v1, offset: 8, size: 4 }]);
        if (side === 'a') b.addStruct('gone', 4, [{ name: 'x', type: t.int, bitOffset: 0 }]);
        else b.addFunc('new_fn', proto, 1);
      });
      assert.deepEqual(one(r, 'datasec', '.data').entries, [
        { name: 'one', status: 'changed', a: { offset: 0, size: 4 }, b: { offset: 8, size: 4 } },
        { name: 'two', status: 'changed', a: { offset: 8, size: 8 }, b: { offset: 0, size: 8 } },
      ]);
      const tag = one(r, 'decl_tag', 'bpf_kfunc on func bpf_thing');
      assert.equal(tag.status, 'added');
      const gone = one(r, 'struct', 'gone');
      assert.deepEqual([gone.status, gone.incompatible, gone.size], ['removed', true, [4, 0]]);
      assert.deepEqual([one(r, 'func', 'new_fn').status, one(r, 'func', 'new_fn').incompatible], ['added', false]);
    });

    it('FWD → definition is compatible; struct → union is a kind change', () => {
      const { r } = both(endian, (b, side) => {
        const t = ints(b);
        if (side === 'a') b.addFwd('opaque');
        else b.addStruct('opaque', 4, [{ name: 'x', type: t.int, bitOffset: 0 }]);
        if (side === 'a') b.addStruct('either', 4, [{ name: 'x', type: t.int, bitOffset: 0 }]);
        else b.addUnion('either', 4, [{ name: 'x', type: t.int, bitOffset: 0 }]);
      });
      const o = one(r, 'struct', 'opaque');
      assert.deepEqual([o.status, o.kind_change, o.incompatible], ['changed', ['FWD', 'STRUCT'], false]);
      const e = one(r, 'union', 'either');
      assert.deepEqual([e.status, e.kind_change, e.incompatible], ['changed', ['STRUCT', 'UNION'], true]);
      assert.equal(r.changes.filter((c) => c.name === 'either').length, 1, 'not a removal plus an addition');
    });

    it('duplicate names are paired by shape, none dropped', () => {
      const { r } = both(endian, (b, side) => {
        const t = ints(b);
        const small = (): number => b.addStruct('dup', 4, [{ name: 'x', type: t.int, bitOffset: 0 }]);
        const big = (): number => b.addStruct('dup', 16, [{ name: 'x', type: t.long, bitOffset: 0 }, { name: 'y', type: t.long, bitOffset: 64 }]);
        // b: the same two in the other order, plus a changed third.
        if (side === 'a') {
          small();
          big();
          b.addStruct('dup', 8, [{ name: 'z', type: t.long, bitOffset: 0 }]);
        } else {
          big();
          small();
          b.addStruct('dup', 8, [{ name: 'z', type: t.int, bitOffset: 0 }]);
        }
      });
      assert.equal(r.changes.length, 1, JSON.stringify(r.changes));
      const c = one(r, 'struct', 'dup');
      assert.deepEqual(c.members?.map((m) => [m.name, m.changed]), [['z', ['type', 'size']]]);
    });

    it('leaf first: a container that only grew through an embedded struct names it as cause', () => {
      const { r } = both(endian, (b, side) => {
        const t = ints(b);
        const inner = b.addStruct('inner', side === 'a' ? 8 : 16, side === 'a' ? [{ name: 'x', type: t.long, bitOffset: 0 }] : [{ name: 'x', type: t.long, bitOffset: 0 }, { name: 'added', type: t.long, bitOffset: 64 }]);
        const outer = b.addStruct('outer', side === 'a' ? 16 : 24, [
          { name: 'head', type: inner, bitOffset: 0 },
          { name: 'tail', type: t.long, bitOffset: side === 'a' ? 64 : 128 },
        ]);
        const arr = b.addArray(outer, t.int, 2);
        b.addStruct('outermost', side === 'a' ? 40 : 56, [
          { name: 'n', type: t.long, bitOffset: 0 },
          { name: 'many', type: arr, bitOffset: 64 },
        ]);
        const ptr = b.addPtr(inner);
        b.addStruct('user', 8, [{ name: 'p', type: ptr, bitOffset: 0 }]);
        b.addFunc('take', b.addFuncProto(t.int, [{ name: 'in', type: ptr }]), 1);
      });
      const outer = one(r, 'struct', 'outer');
      assert.deepEqual(outer.cause, { kind: 'struct', name: 'inner', via: ['head'] });
      assert.deepEqual(one(r, 'struct', 'outermost').cause, { kind: 'struct', name: 'inner', via: ['many', 'head'] });
      const inner = one(r, 'struct', 'inner');
      assert.equal(inner.cause, undefined);
      assert.deepEqual(inner.impact?.embedded_by.map((u) => [u.name, u.path.join('.')]).sort(), [['outer', 'head'], ['outermost', 'many.head']]);
      assert.deepEqual([inner.impact?.pointer_types, inner.impact?.pointer_funcs], [1, 1]);
      assert.equal(r.changes.some((c) => c.name === 'user'), false);
      const text = formatAbiDiff(r);
      assert.match(text, /^a → b: 1 changed type \(\+2 changed only through them\)/);
      assert.match(text, /\n~ struct inner 8 → 16 bytes {2}\[incompatible\]\n {4}\+ added: long @8, 8 bytes\n {4}embedded in 2 types that changed with it: outer\.head, outermost\.many\.head\n/);
      assert.doesNotMatch(text, /\n~ struct outer /, 'containers appear under their leaf only');
      const md = formatAbiDiff(r, { format: 'markdown' });
      assert.match(md, /^### ABI diff: /);
      assert.match(md, /\n- \*\*`struct inner`\*\* 8 → 16 bytes ⚠️ incompatible\n {2}- \+ `added`: `long` @8, 8 bytes\n/);
    });

    it('filters by kind, name and suppression patterns', () => {
      const { r } = both(endian, (b, side) => {
        const t = ints(b);
        b.addStruct('keep_me', 4, [{ name: side === 'a' ? 'x' : 'y', type: t.int, bitOffset: 0 }]);
        b.addStruct('noise', 4, [{ name: side === 'a' ? 'x' : 'y', type: t.int, bitOffset: 0 }]);
        b.addTypedef('tt', side === 'a' ? t.int : t.long);
      });
      assert.deepEqual(filterAbiDiff(r, { kinds: ['struct'] }).changes.map((c) => c.name), ['keep_me', 'noise']);
      assert.deepEqual(filterAbiDiff(r, { name: /keep/ }).changes.map((c) => c.name), ['keep_me']);
      const s = filterAbiDiff(r, { suppress: [/^(?:noise|tt)$/] });
      assert.deepEqual(s.changes.map((c) => c.name), ['keep_me']);
      assert.equal(s.summary.changed, 1);
    });

    it('split BTF: module types compared on their own bases', () => {
      const base = (side: Side): Btf => {
        const b = new BtfBuilder({ endian });
        const t = ints(b);
        if (side === 'b') b.addStruct('only_in_new_base', 4, [{ name: 'x', type: t.int, bitOffset: 0 }]);
        b.addStruct('dev', side === 'a' ? 8 : 16, [{ name: 'x', type: t.long, bitOffset: 0 }]);
        return b.build();
      };
      const mod = (bs: Btf): Btf => {
        const m = new BtfBuilder({ base: bs, endian });
        const dev = bs.findByNameKind('dev', 4)!;
        m.addStruct('mod_state', bs.sizeOrType(dev) + 8, [
          { name: 'dev', type: dev, bitOffset: 0 },
          { name: 'n', type: 2, bitOffset: bs.sizeOrType(dev) * 8 },
        ]);
        return m.build();
      };
      const r = diffBtf(mod(base('a')), mod(base('b')));
      assert.deepEqual(r.changes.map((c) => [c.kind, c.name, c.status]), [['struct', 'mod_state', 'changed']]);
      const c = r.changes[0]!;
      assert.deepEqual(c.members?.map((m) => [m.name, m.changed]), [['dev', ['size']], ['n', ['offset']]]);
      assert.deepEqual(c.cause, { kind: 'struct', name: 'dev', via: ['dev'] }, 'the base type that grew is the cause');
    });

    it('shared and self-referencing anonymous types (hostile input) are compared once per pair', () => {
      const { r } = both(endian, (b, side) => {
        const t = ints(b);
        // 40 levels of anonymous structs, each with 8 members of the level below: 8^40 paths.
        let level = b.addStruct('', 8, [{ name: 'x', type: side === 'a' ? t.int : t.long, bitOffset: 0 }]);
        for (let i = 0; i < 40; i++) level = b.addStruct('', 8, Array.from({ length: 8 }, (_, k) => ({ name: `m${k}`, type: level, bitOffset: 0 })));
        b.addStruct('deep', 8, [{ name: 'top', type: level, bitOffset: 0 }]);
        // An anonymous struct that contains itself by value (no compiler makes one).
        const self = b.nextId;
        b.addStruct('', 4, [{ name: 'again', type: self, bitOffset: 0 }, { name: 'v', type: side === 'a' ? t.int : t.char, bitOffset: 0 }]);
        b.addStruct('loop', 4, [{ name: 'l', type: self, bitOffset: 0 }]);
      });
      assert.deepEqual(r.changes.map((c) => [c.kind, c.name]), [['struct', 'deep'], ['struct', 'loop']]);
      const where = whereMember([{ file: 'x', btf: both(endian, () => undefined).a }], 'loop.nothing');
      assert.equal(where[0]!.present, false);
    });

    it("member types are written as the C dumper's declarations", () => {
      const b = new BtfBuilder({ endian });
      const t = ints(b);
      const ids = [
        t.long,
        b.addFloat('double', 8),
        b.addTypedef('u64', t.long),
        b.addFwd('opaque_u', true),
        b.addEnum64('big', 8, [{ name: 'X', value: 1n }]),
        b.addStruct('named', 8, []),
        b.addPtr(b.addConst(t.char)),
        b.addArray(t.int, t.int, 4),
        b.addPtr(b.addFuncProto(t.int, [{ name: 'x', type: t.long }])),
      ];
      const btf = b.build();
      const side = new DiffSide(btf);
      for (const id of ids) assert.equal(side.text(id), emitTypeDecl(btf, id), `[${id}]`);
      assert.deepEqual(ids.map((id) => side.text(id)), ['long', 'double', 'u64', 'union opaque_u', 'enum big', 'struct named', 'const char *', 'int[4]', 'int (*)(long x)']);
    });

    it('where: a member through an anonymous union, and a rename guessed by offset and type', () => {
      const make = (side: Side): Btf => {
        const b = new BtfBuilder({ endian });
        const t = ints(b);
        const u = b.addUnion('', 8, [{ name: side === 'a' ? 'cookie' : 'ticket', type: t.long, bitOffset: 0 }]);
        b.addStruct('task', 24, [
          { name: 'pid', type: t.int, bitOffset: 0 },
          { name: 'flags', type: t.int, bitOffset: 32, bitSize: 0 },
          { type: u, bitOffset: 64 },
        ]);
        return b.build();
      };
      const res = whereMember([{ file: 'old', btf: make('a') }, { file: 'new', btf: make('b') }], 'task.cookie');
      assert.deepEqual(res[0], { file: 'old', query: 'task.cookie', present: true, type: 'struct task', type_size: 24, offset_bits: 64, bitfield_size: 0, size: 8, c_type: 'long' });
      assert.equal(res[1]!.present, false);
      assert.equal(res[1]!.likely_renamed_to, 'ticket');
    });
  });
}

describe('ABI diff on the committed clang fixtures', () => {
  it('the same program in both byte orders has no ABI changes; against an empty BTF every type is added', () => {
    const el = Btf.parse(readFixture('btf', 'kinds-el.btf'));
    const eb = Btf.parse(readFixture('btf', 'kinds-eb.btf'));
    assert.deepEqual(diffBtf(el, eb).changes, []);
    const empty = new BtfBuilder().build();
    const r = diffBtf(empty, el);
    assert.ok(r.changes.length > 10 && r.changes.every((c) => c.status === 'added' && !c.incompatible));
    assert.equal(abiDiffExitCode(r), 4);
    assert.equal(abiDiffExitCode(diffBtf(el, empty)), 12, 'removing every type is incompatible');
  });
});

