import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { candidateScanInput, candidatesIn, prepareCandidates } from '../../src/ops/core/candidates.js';
import { essentialName, essentialNameLength, hasFlavour, parseAccessString } from '../../src/ops/core/names.js';
import { parseSpec } from '../../src/ops/core/spec.js';
import { CoreError } from '../../src/ops/core/types.js';
import { BtfError } from '../../src/wire/errors.js';
import { CoreReloKind } from '../../src/wire/ext.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { Kind } from '../../src/wire/kinds.js';
import { readFixture } from '../helpers.js';

describe('CO-RE essential names', () => {
  it('strips the flavour after the last X___Y separator', () => {
    assert.equal(essentialName('task_struct___v1'), 'task_struct');
    assert.equal(essentialName('a___b'), 'a');
    assert.equal(essentialName('a___b___c'), 'a___b');
    assert.equal(essentialName('x___y'), 'x');
    assert.equal(essentialNameLength('task_struct___2'), 11);
  });
  it('needs a non-underscore on both sides of the three underscores', () => {
    assert.equal(essentialName('a____b'), 'a____b');
    assert.equal(essentialName('___a'), '___a');
    assert.equal(essentialName('a___'), 'a___');
    assert.equal(essentialName('a___ _'), 'a');
    assert.equal(essentialName('__u64'), '__u64');
    assert.equal(essentialName('a_b___c__d'), 'a_b');
    assert.equal(essentialName(''), '');
    assert.equal(hasFlavour('sk_buff___x'), true);
    assert.equal(hasFlavour('____cacheline'), false);
  });
});

describe('CO-RE candidate scan in WebAssembly (names-core.c)', () => {
  const names = ['a', 'a___b', 'a____b', 'a___', 'ab', 'abc___d', '___a', 'a_', 'x', 'x___1___2', 'task_struct', 'task_struct___v2', 'task_struct___', 'task_struct____x', 'task_structs', '__u64', 'sk_buff', 'b'];
  const builder = new BtfBuilder();
  const int = builder.addInt('int', 4, 1);
  for (const n of names) {
    builder.addStruct(n, 4, [{ name: 'm', type: int, bitOffset: 0 }]);
    builder.addTypedef(n, int);
    builder.addFwd(n, true);
  }
  const wanted = [...new Set([...names, 'task_struct', 'absent', 'int', 'q', 'schedule'].map(essentialName))];
  const inputs: Array<[string, Uint8Array]> = [['flavoured names', builder.toBytes()], ['vmlinux-7.1', readFixture('third-party', 'vmlinux-7.1.btf.gz')]];

  it('finds for every wanted name the ids the JavaScript scan finds, in the BTF where loadBtf read it', () => {
    for (const [file, bytes] of inputs) {
      const room = candidateScanInput(bytes.length);
      assert.ok(room, file);
      room.set(bytes);
      const inCore = Btf.parse(room, { sanityCheck: false });
      assert.ok(inCore.words.buffer === room.buffer, `${file}: read in place`);
      const inJs = Btf.parse(bytes, { sanityCheck: false });
      prepareCandidates(inCore, wanted);
      prepareCandidates(inJs, wanted);
      let found = 0;
      for (const name of wanted) {
        for (const kind of [Kind.STRUCT, Kind.UNION, Kind.TYPEDEF, Kind.INT, Kind.FUNC]) {
          const ids = candidatesIn(inCore, kind, name);
          assert.deepEqual(ids, candidatesIn(inJs, kind, name), `${file}: ${name}, kind ${kind}`);
          found += ids.length;
        }
      }
      assert.ok(found > 0, file);
      assert.ok(Buffer.from(room).equals(bytes), `${file}: input kept`);
    }
  });
});

describe('CO-RE access strings', () => {
  it('parses colon-separated decimal indices', () => {
    assert.deepEqual(parseAccessString('0'), [0]);
    assert.deepEqual(parseAccessString('0:1:2'), [0, 1, 2]);
    assert.deepEqual(parseAccessString('10:1'), [10, 1]);
    assert.equal(parseAccessString(Array(64).fill('1').join(':')).length, 64);
  });
  for (const bad of ['', ':0', '0::1', '-1', '0:', '1a', '0:+1', ' 1', '0:1:', Array(65).fill('0').join(':')]) {
    it(`rejects ${JSON.stringify(bad.length > 20 ? `${bad.slice(0, 10)}... (65 indices)` : bad)}`, () => {
      const errno = bad.length > 20 ? 'E2BIG' : 'EINVAL';
      assert.throws(
        () => parseAccessString(bad),
        (e: unknown) => e instanceof CoreError && e instanceof BtfError && e.code === 'core-relocation' && e.errno === errno && /access string/.test(e.rule),
      );
    });
  }
  it('requires "0" for type-based relocations and an enum for enumerator relocations', () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, 1);
    const s = b.addStruct('s', 8, [
      { name: 'a', type: int, bitOffset: 0 },
      { name: 'b', type: int, bitOffset: 32 },
    ]);
    const btf = b.build();
    assert.throws(() => parseSpec(btf, s, '1', CoreReloKind.TYPE_EXISTS), CoreError);
    assert.throws(() => parseSpec(btf, s, '0', CoreReloKind.ENUMVAL_VALUE), CoreError);
    assert.throws(() => parseSpec(btf, s, '0:2', CoreReloKind.FIELD_BYTE_OFFSET), /member index 2 is out of range/);
    assert.throws(() => parseSpec(btf, s, '0:1:0', CoreReloKind.FIELD_BYTE_OFFSET), /neither struct, union nor array/);
    const spec = parseSpec(btf, s, '3:1', CoreReloKind.FIELD_BYTE_OFFSET);
    assert.equal(spec.bitOffset, 3 * 64 + 32, 'first index steps over whole structs');
    assert.deepEqual(spec.access.map((a) => a.name), [undefined, 'b']);
  });
});
