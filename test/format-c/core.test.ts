/**
 * The compiled dumper (dump-core.c) against the JavaScript dumper it was written from: the
 * same bytes, sorted and in id order, on every c-dump fixture (split ones on their base),
 * a 7.1 vmlinux, hand-built BTF for the corners (huge gaps, deep chains, non-ASCII and
 * clashing names, --root), and the same error where the JavaScript dumper stops.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { formatVmlinuxHBytes, formatVmlinuxHBytesJs, writeVmlinuxH } from '../../src/format/c/header.js';
import { dumpCoreIndex, dumpCoreInput, dumpCWasm } from '../../src/format/c/dump-core.js';
import { sortScratchBytes } from '../../src/format/c/sort.js';
import { TypeTable } from '../../src/format/c/table.js';
import { openBtf } from '../../src/open.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { BtfError } from '../../src/wire/errors.js';
import { IntEncoding } from '../../src/wire/kinds.js';
import { fixturePath, readFixture } from '../helpers.js';
import { CHAIN_KINDS, chain, hugeStruct, LOOP_KINDS, loop } from '../hostile/inputs.js';

const decoder = new TextDecoder();
const NONE = new Uint8Array(0);

/** What the core does with `btf` on its own ('done', 'declined', 'failed'), text dropped. */
function coreOutcome(btf: Btf, sorted: boolean): string {
  const t = TypeTable.of(btf);
  return dumpCWasm(t, () => {}, { prologue: NONE, epilogue: NONE, sorted, roots: undefined, ptrSize: t.ptrSize });
}

/** The header through the core (which must take the input) equals the JavaScript dumper's. */
function assertSameAsJs(btf: Btf, label: string): void {
  for (const sorted of [true, false]) {
    assert.equal(coreOutcome(btf, sorted), 'done', `${label}: the core takes it`);
    const core = formatVmlinuxHBytes(btf, { sorted });
    const js = formatVmlinuxHBytesJs(btf, { sorted });
    if (Buffer.compare(Buffer.from(core), Buffer.from(js)) !== 0) {
      const a = decoder.decode(core);
      const b = decoder.decode(js);
      let i = 0;
      while (a[i] === b[i]) i++;
      assert.fail(`${label} (${sorted ? 'sorted' : 'unsorted'}) differs at byte ${i}: ${JSON.stringify(a.slice(i - 80, i + 40))} vs ${JSON.stringify(b.slice(i - 80, i + 40))}`);
    }
  }
}

/** The error `f` throws (a BtfError), as text. */
function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof BtfError, String(e));
    return `${e.message} [${e.typeId}]`;
  }
  return 'no error';
}

describe('the compiled dumper writes the JavaScript dumper\'s bytes', () => {
  const open = (file: string, base?: Btf): Btf => openBtf(new Uint8Array(readFileSync(file)), { file, ...(base ? { base } : {}) }).btf;

  it('every c-dump fixture (split ones on their base), sorted and unsorted', () => {
    const base = open(fixturePath('c-dump', 'split-base.btf'));
    const files = readdirSync(fixturePath('c-dump')).filter((f) => /\.(o|btf)$/.test(f));
    assert.ok(files.length >= 10);
    for (const f of files) assertSameAsJs(open(fixturePath('c-dump', f), f.startsWith('split-') && f !== 'split-base.btf' ? base : undefined), f);
  });

  it('a 7.1 vmlinux (ENUM64, kfuncs, kind_flag type tags, bitfields, packed structs)', () => {
    assertSameAsJs(Btf.parse(readFixture('third-party', 'vmlinux-7.1.btf.gz')), 'vmlinux-7.1');
  });

  it('a BTF read into the core\'s memory (dumpCoreInput) is dumped there, and copied where the room behind it is too small', () => {
    const bytes = readFixture('third-party', 'vmlinux-7.1.btf.gz');
    const plain = Btf.parse(bytes);
    const expected = new Map<boolean, Uint8Array>();
    for (const sorted of [true, false]) expected.set(sorted, formatVmlinuxHBytesJs(plain, { sorted }));
    // Default room; room for the id offsets and the sort's scratch but not for the dumper's
    // state (dump_check stops at the limit); no room for the offsets.
    const n = plain.nextId;
    for (const room of [undefined, 4 * n + sortScratchBytes(n, plain.strings.length) + (1 << 16), 1 << 10]) {
      for (const sorted of [true, false]) {
        const input = dumpCoreInput(bytes.length, room);
        assert.ok(input);
        input.set(bytes);
        const btf = Btf.parse(input, { sanityCheck: false, indexRecords: dumpCoreIndex });
        assert.ok(btf.offsets.buffer === input.buffer, 'indexed in the core');
        const text = formatVmlinuxHBytes(btf, { sorted });
        assert.ok(Buffer.from(text).equals(Buffer.from(expected.get(sorted)!)), `room ${room}, ${sorted ? 'sorted' : 'unsorted'}`);
        // The input stays where it was read (the memory did not grow under it).
        assert.ok(Buffer.from(input).equals(bytes));
        // A second dump of the same BTF (the core's memory is used now) copies it.
        assert.ok(Buffer.from(formatVmlinuxHBytes(btf, { sorted })).equals(Buffer.from(expected.get(sorted)!)));
      }
    }
  });

  it('huge gaps, chains within the depth limit, non-ASCII and clashing names, polynomial types, va_list', () => {
    assertSameAsJs(Btf.parse(hugeStruct()), 'huge struct');
    assertSameAsJs(Btf.parse(hugeStruct(4096)), 'padded struct');
    for (const kind of CHAIN_KINDS) assertSameAsJs(Btf.parse(chain(kind, 100)), `${kind} chain`);
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, IntEncoding.SIGNED);
    const ch = b.addInt('char', 1, IntEncoding.SIGNED);
    b.addInt('__Poly8_t', 1, 0);
    b.addInt('__Poly128_t', 16, 0);
    b.addTypedef('__gnuc_va_list', 0);
    b.addStruct('__builtin_va_list', 8, [{ name: 'p', type: b.addPtr(0), bitOffset: 0 }]);
    for (let i = 0; i < 40; i++) {
      const name = i % 3 === 0 ? 'clash' : `é${i % 4}_ü`;
      const s = b.addStruct(name, 8, [
        { name: 'a', type: ch, bitOffset: 0 },
        { name: 'bits', type: int, bitOffset: 9, bitSize: 3 + (i % 5) },
        { name: `m_${i % 7}`, type: i % 2 ? int : ch, bitOffset: 32 },
      ]);
      b.addTypedef(i % 2 ? 'clash' : `tdé${i % 3}`, b.addConst(b.addPtr(s)));
      b.addEnum(i % 4 ? '' : 'clash', i % 2 ? 1 : 4, [{ name: `E_${i % 6}`, value: i }, { name: 'clash', value: -i }], i % 2 === 0);
      b.addEnum64('', 8, [{ name: `Q${i % 5}`, value: BigInt(i) << BigInt(i) }]);
      b.addTypeTag(i % 2 ? 'user' : 'rcu', s);
    }
    assertSameAsJs(Btf.parse(b.toBytes()), 'names');
  });

  it('--root: only the roots and what they need', () => {
    const btf = open(fixturePath('c-dump', 'names.btf'));
    const roots = [btf.findByName('user2')[0]!, 1];
    assert.equal(decoder.decode(formatVmlinuxHBytes(btf, { roots })), decoder.decode(formatVmlinuxHBytesJs(btf, { roots })));
  });
});

describe('where the compiled dumper does not write the header', () => {
  it('a name that is not UTF-8 (the JavaScript dumper decodes it): the core declines, the text is the JavaScript dumper\'s', () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, IntEncoding.SIGNED);
    b.addTypedef('tagged_t', b.addPtr(b.addTypeTag('tagé', int)));
    const bytes = b.toBytes();
    const at = Buffer.from(bytes).indexOf(Buffer.from('tagé'));
    bytes[at + 4] = 0xff; // é's second byte
    const btf = Btf.parse(bytes);
    assert.equal(coreOutcome(btf, true), 'declined');
    const text = decoder.decode(formatVmlinuxHBytes(btf));
    assert.equal(text, decoder.decode(formatVmlinuxHBytesJs(btf)));
    assert.match(text, /btf_type_tag\("tag\uFFFD/);
  });

  it('deep chains and loops: the JavaScript dumper\'s error', () => {
    for (const kind of CHAIN_KINDS) {
      const btf = Btf.parse(chain(kind, 3000));
      for (const sorted of [true, false]) {
        const core = errorOf(() => formatVmlinuxHBytes(btf, { sorted }));
        assert.equal(core, errorOf(() => formatVmlinuxHBytesJs(btf, { sorted })), kind);
      }
    }
    for (const kind of LOOP_KINDS) {
      const btf = Btf.parse(loop(kind));
      const core = errorOf(() => formatVmlinuxHBytes(btf));
      assert.notEqual(core, 'no error', kind);
      assert.equal(core, errorOf(() => formatVmlinuxHBytesJs(btf)), kind);
    }
  });

  it('an error after text reached the sink: the same error as the JavaScript dumper\'s', () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, IntEncoding.SIGNED);
    // More text than the core holds before it flushes (256 KiB).
    for (let i = 0; i < 8000; i++) b.addStruct(`s${i}`, 4, [{ name: 'member_with_a_long_name', type: int, bitOffset: 0 }]);
    let t = int;
    for (let i = 0; i < 3000; i++) t = b.addConst(t);
    b.addTypedef('top', t);
    const btf = Btf.parse(b.toBytes());
    assert.equal(coreOutcome(btf, false), 'failed');
    const chunks: number[] = [];
    const error = errorOf(() => writeVmlinuxH(btf, (c) => void chunks.push(c.length), { sorted: false }));
    assert.ok(chunks.length > 0, 'text reached the sink first');
    assert.match(error, /levels|loop/);
    assert.equal(error, errorOf(() => formatVmlinuxHBytesJs(btf, { sorted: false })));
  });
});
