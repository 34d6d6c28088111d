/**
 * bpftool 7.8's sorted `format c` order (bpftool's btf_type_rank / btf_type_compare) on small hand-built BTF, and the
 * disambiguation hash against an independent BigInt implementation of the formula.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { disambiguationHash, formatVmlinuxH, sortedTypeOrder, TypeTable, typeRank, typeSortName } from '../../src/format/c/index.js';
import { sortedTypeOrderJs } from '../../src/format/c/sort.js';
import { openBtf } from '../../src/open.js';
import { BtfError } from '../../src/wire/errors.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { Kind } from '../../src/wire/kinds.js';
import { fixturePath, readFixture } from '../helpers.js';

function body(out: string): string {
  const start = out.indexOf('#endif\n#endif\n\n') + '#endif\n#endif\n\n'.length;
  return out.slice(start, out.indexOf('\n/* BPF kfuncs */'));
}

function sample(): { btf: Btf; ids: Record<string, number> } {
  const b = new BtfBuilder();
  const ids: Record<string, number> = {};
  ids.int = b.addInt('int', 4, 1);
  ids.zeta = b.addStruct('zeta', 4, [{ name: 'z', type: ids.int, bitOffset: 0 }]);
  ids.beta = b.addEnum('beta', 4, [{ name: 'BETA_0', value: 0 }]);
  ids.anonFirst = b.addEnum('', 4, [{ name: 'AAA_FIRST', value: 1 }]);
  ids.anonB = b.addEnum('', 4, [{ name: 'MMM', value: 1 }]);
  ids.alpha_t = b.addTypedef('alpha_t', ids.int);
  ids.proto = b.addFuncProto(ids.int, [{ name: 'x', type: ids.int }]);
  ids.pproto = b.addPtr(ids.proto);
  ids.fn_t = b.addTypedef('fn_t', ids.pproto);
  ids.anonStruct = b.addStruct('', 4, [{ name: 'q', type: ids.int, bitOffset: 0 }]);
  ids.anon_t = b.addTypedef('anon_t', ids.anonStruct);
  ids.apple = b.addStruct('apple', 4, [{ name: 'a', type: ids.alpha_t, bitOffset: 0 }]);
  return { btf: Btf.parse(b.toBytes()), ids };
}

describe('sorted format c order', () => {
  it('ranks: anonymous enums 0, named enums 1, ints 2, named structs 3, named function types 4, the rest 10', () => {
    const { btf, ids } = sample();
    const t = new TypeTable(btf);
    assert.equal(typeRank(t, ids.anonFirst!), 0);
    assert.equal(typeRank(t, ids.beta!), 1);
    assert.equal(typeRank(t, ids.int!), 2);
    assert.equal(typeRank(t, ids.alpha_t!), 2, 'a named typedef takes the rank of what it names');
    assert.equal(typeRank(t, ids.zeta!), 3);
    assert.equal(typeRank(t, ids.fn_t!), 4, 'typedef → ptr → func_proto, name passed down');
    assert.equal(typeRank(t, ids.proto!), 10, 'an anonymous func_proto');
    assert.equal(typeRank(t, ids.anonStruct!), 10);
    assert.equal(typeRank(t, ids.anon_t!), 3, 'typedef of an anonymous struct: has_name passed down');
    assert.equal(typeRank(t, 0), 10, 'void');
  });

  it('sort names: an anonymous enum sorts by its first value; references sort by the referenced name', () => {
    const { btf, ids } = sample();
    const t = new TypeTable(btf);
    assert.equal(typeSortName(t, ids.anonFirst!), 'AAA_FIRST');
    assert.equal(typeSortName(t, ids.alpha_t!), 'int');
    assert.equal(typeSortName(t, ids.fn_t!), '');
    assert.equal(typeSortName(t, ids.zeta!), 'zeta');
  });

  it('the dump follows the order and, like bpftool, skips whatever sorted first', () => {
    const { btf, ids } = sample();
    const order = Array.from(sortedTypeOrder(new TypeTable(btf)));
    assert.equal(order[0], ids.anonFirst, 'the anonymous enum with the smallest first value sorts first');
    assert.equal(order.length, btf.nextId, 'void included');
    const text = body(formatVmlinuxH(btf));
    assert.ok(!text.includes('AAA_FIRST'), 'bpftool 7.8 starts its loop at sorted position 1');
    assert.equal(
      text,
      'enum {\n\tMMM = 1,\n};\n\n' +
        'enum beta {\n\tBETA_0 = 0,\n};\n\n' +
        'typedef int alpha_t;\n\n' +
        'typedef struct {\n\tint q;\n} anon_t;\n\n' +
        'struct apple {\n\talpha_t a;\n};\n\n' +
        'struct zeta {\n\tint z;\n};\n\n' +
        'typedef int (*fn_t)(int x);\n\n',
    );
    const unsorted = body(formatVmlinuxH(btf, { sorted: false }));
    assert.ok(unsorted.startsWith('struct zeta {'), 'id order with sorted: false');
    assert.ok(unsorted.includes('AAA_FIRST'));
  });

  it('equal rank and names are ordered by the disambiguation hash, then by id', () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, 1);
    const ch = b.addInt('char', 1, 1);
    const s1 = b.addStruct('same', 4, [{ name: 'm', type: int, bitOffset: 0 }]);
    const s2 = b.addStruct('same', 1, [{ name: 'm', type: ch, bitOffset: 0 }]);
    const s3 = b.addStruct('same', 4, [{ name: 'm', type: int, bitOffset: 0 }]);
    const btf = Btf.parse(b.toBytes());
    const t = new TypeTable(btf);
    const order = Array.from(sortedTypeOrder(t)).filter((id) => id >= s1);
    const h = (id: number): bigint => disambiguationHash(t, id);
    const want = [s1, s2, s3].sort((x, y) => (h(x) === h(y) ? x - y : h(x) < h(y) ? -1 : 1));
    assert.deepEqual(order, want);
    assert.equal(h(s1), h(s3));
    assert.notEqual(h(s1), h(s2));
  });

  it('disambiguation hash follows the spec formula (64-bit wrap, signed chars)', () => {
    const M = (1n << 64n) - 1n;
    const strHash = (s: string): bigint => {
      let x = 0n;
      for (const byte of new TextEncoder().encode(s)) x = (x * 31n + BigInt(byte >= 128 ? byte - 256 : byte)) & M;
      return x;
    };
    const mix = (x: bigint, v: bigint): bigint => (x * 31n + v) & M;
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, 1);
    const arr = b.addArray(int, int, 7);
    const ptr = b.addPtr(int);
    const s = b.addStruct('a_rather_long_struct_name_to_overflow_64_bits_é', 40, [
      { name: 'first_member', type: arr, bitOffset: 0 },
      { name: 'p', type: ptr, bitOffset: 256 },
    ]);
    const e = b.addEnum('', 4, [{ name: 'X', value: 1 }, { name: 'Y', value: 2 }]);
    const t = new TypeTable(Btf.parse(b.toBytes()));
    const hInt = mix(0n, strHash('int'));
    const hArr = mix(mix(0n, 7n), hInt);
    const hPtr = mix(0n, hInt);
    let want = mix(0n, strHash('a_rather_long_struct_name_to_overflow_64_bits_é'));
    want = mix(mix(want, strHash('first_member')), hArr);
    want = mix(mix(want, strHash('p')), hPtr);
    assert.equal(disambiguationHash(t, s), want);
    assert.equal(disambiguationHash(t, e), mix(mix(0n, strHash('X')), strHash('Y')));
    assert.equal(t.kind(s), Kind.STRUCT);
  });

  it('the WebAssembly sort (sort-core.c) gives the JavaScript sort\'s order: every c-dump fixture (split ones on their base) and a 7.1 vmlinux', () => {
    const open = (file: string, base?: Btf): Btf => openBtf(new Uint8Array(readFileSync(file)), { file, ...(base ? { base } : {}) }).btf;
    const base = open(fixturePath('c-dump', 'split-base.btf'));
    const files = readdirSync(fixturePath('c-dump')).filter((f) => /\.(o|btf)$/.test(f));
    const btfs = files.map((f) => open(fixturePath('c-dump', f), f.startsWith('split-') && f !== 'split-base.btf' ? base : undefined));
    btfs.push(Btf.parse(readFixture('third-party', 'vmlinux-7.1.btf.gz')));
    for (const [i, btf] of btfs.entries()) {
      const t = new TypeTable(btf);
      assert.deepEqual(sortedTypeOrder(t), sortedTypeOrderJs(t), files[i] ?? 'vmlinux-7.1');
    }
  });

  it('ties broken the same way in both sorts: anonymous types, shared names, long and non-ASCII names, 64-bit enums', () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, 1);
    const ch = b.addInt('char', 1, 1);
    for (let i = 0; i < 300; i++) {
      const name = i % 3 === 0 ? '' : i % 3 === 1 ? 'shared_struct_name_longer_than_eight' : `é${i % 7}`;
      const m = i % 5 === 0 ? 'm' : `member_${i % 11}_ü`;
      b.addStruct(name, 4, [{ name: m, type: i % 2 ? int : ch, bitOffset: 0 }]);
      b.addPtr(int);
      b.addArray(i % 2 ? int : ch, int, i % 4);
      b.addEnum64('', 8, [{ name: `E${i % 9}`, value: BigInt(i) }]);
      b.addTypedef(name === '' ? 't' : name, int);
    }
    const t = new TypeTable(Btf.parse(b.toBytes()));
    assert.deepEqual(sortedTypeOrder(t), sortedTypeOrderJs(t));
  });

  it('names sharing long prefixes (past the depth the WebAssembly name sort recurses to): the JavaScript sort\'s order', () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, 1);
    for (const prefix of ['p'.repeat(20), 'q'.repeat(300)]) {
      for (let i = 0; i < 40; i++) b.addStruct(`${prefix}${(i * 7919) % 97}${i % 3 ? 'x' : ''}`, 4, [{ name: 'm', type: int, bitOffset: 0 }]);
    }
    const t = new TypeTable(Btf.parse(b.toBytes()));
    assert.deepEqual(sortedTypeOrder(t), sortedTypeOrderJs(t));
  });

  it('an input the WebAssembly sort gives back (a reference loop it must hash) gets the JavaScript sort\'s error', () => {
    const b = new BtfBuilder();
    // Two typedefs of one name naming each other: equal keys, so the sort hashes them.
    const first = b.addTypedef('loop', 3);
    b.addTypedef('loop', first);
    b.addTypedef('loop', 2);
    const t = new TypeTable(Btf.parse(b.toBytes()));
    const error = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof BtfError, String(e));
        return e.message;
      }
      return 'no error';
    };
    const js = error(() => sortedTypeOrderJs(t));
    assert.match(js, /loop|levels/);
    assert.equal(error(() => sortedTypeOrder(t)), js);
  });
});
