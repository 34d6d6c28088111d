/**
 * Output written in chunks as it is made (dump raw, dump --format c): the chunks a sink keeps
 * stay intact, a chunk the sink is done with is reused, a name longer than a chunk still
 * comes out whole, the raw formatter's warm-up writes nothing, and a streamed vmlinux.h is
 * the same bytes as one built whole.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteWriter } from '../../src/format/byte-writer.js';
import { formatVmlinuxHBytes, writeVmlinuxH } from '../../src/format/c/index.js';
import { formatRawString, formatRawType, rawCoreInput, writeRaw, writeRawJs } from '../../src/format/raw.js';
import { loadBtf } from '../../src/node/files.js';
import { Btf } from '../../src/wire/btf.js';
import { Kind } from '../../src/wire/kinds.js';
import { encodeBlob, fixturePath, info, readFixture, readFixtureText, strOff } from '../helpers.js';
import { loadFixture } from '../format-c/util.js';

const decoder = new TextDecoder();

/** 12,000 types of several kinds, flags and large values (past the raw warm-up threshold). */
function manyTypes(): Btf {
  return Btf.parse(encodeBlob(manyTypesBlob()));
}

function manyTypesBlob(): { strings: string[]; types: number[][] } {
  const strings = ['', 'int', 'long', 's', 'a', 'b', 'E', 'V', 'f'];
  const types: number[][] = [
    [strOff(strings, 'int'), info(Kind.INT), 4, 0x01000020],
    [strOff(strings, 'long'), info(Kind.INT), 8, 0x00000040],
  ];
  for (let i = 0; types.length < 12_000; i++) {
    types.push([0, info(Kind.PTR), 1 + (i % 2)]);
    types.push([strOff(strings, 's'), info(Kind.STRUCT, 2, i % 3 === 0), 16, strOff(strings, 'a'), 1, 0, strOff(strings, 'b'), 2, i % 3 === 0 ? 0x03000040 : 64]);
    types.push([strOff(strings, 'E'), info(Kind.ENUM, 1, i % 2 === 0), 4, strOff(strings, 'V'), 0x80000000 + i]);
    types.push([0, info(Kind.ARRAY), 0, 1, 1, 4294967295 - i]);
  }
  return { strings, types };
}
const join = (chunks: Uint8Array[]): string => chunks.map((c) => decoder.decode(c)).join('');

describe('ByteWriter chunks', () => {
  it('reuses a chunk the sink is done with, and leaves one it keeps alone', () => {
    const seen: Uint8Array[] = [];
    const reused = new ByteWriter((c) => {
      seen.push(c);
    }, 8);
    for (let i = 0; i < 40; i++) reused.uint(i);
    reused.flush();
    assert.ok(seen.length > 3);
    assert.ok(seen.every((c) => c.buffer === seen[0]!.buffer), 'one buffer for every chunk');

    const kept: Uint8Array[] = [];
    const keeping = new ByteWriter((c) => {
      kept.push(c);
      return true;
    }, 8);
    let want = '';
    for (let i = 0; i < 40; i++) {
      keeping.uint(i * 7919);
      want += String(i * 7919);
    }
    keeping.flush();
    assert.equal(new Set(kept.map((c) => c.buffer)).size, kept.length, 'a new buffer after each kept chunk');
    assert.equal(join(kept), want);
  });
});

describe('dump raw written in chunks', () => {
  it('writes a name longer than a whole chunk in full', () => {
    const long = 'n'.repeat(700_000);
    const strings = ['', 'int', long];
    const btf = Btf.parse(
      encodeBlob({
        strings,
        types: [
          [strOff(strings, 'int'), info(Kind.INT), 4, 0x01000020],
          [strOff(strings, long), info(Kind.STRUCT, 1), 4, strOff(strings, long), 1, 0],
        ],
      }),
    );
    const text = formatRawString(btf);
    assert.equal(
      text,
      "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n" + `[2] STRUCT '${long}' size=4 vlen=1\n\t'${long}' type_id=1 bits_offset=0\n`,
    );
  });

  it('formats a BTF big enough to be warmed up exactly as type by type (the warm-up writes nothing)', () => {
    const btf = manyTypes();
    let oneByOne = '';
    for (let id = 1; id < btf.nextId; id++) oneByOne += `${formatRawType(btf, id)}\n`;
    const chunks: Uint8Array[] = [];
    writeRaw(btf, (c) => {
      chunks.push(c.slice());
    });
    assert.equal(join(chunks), oneByOne);
    assert.match(oneByOne, /val=-2147483648\n/);
    assert.match(oneByOne, /nr_elems=4294967295\n/);
  });
});

describe('dump raw by raw-core.c (WebAssembly)', () => {
  // One sink keeps its chunks (a new one each time), the other copies them (one reused).
  const byCore = (btf: Btf): string => {
    const chunks: Uint8Array[] = [];
    writeRaw(btf, (c) => {
      chunks.push(c);
      return true;
    });
    assert.equal(new Set(chunks.map((c) => c.buffer)).size, chunks.length);
    return join(chunks);
  };
  const byJs = (btf: Btf): string => {
    const chunks: Uint8Array[] = [];
    writeRawJs(btf, (c) => {
      chunks.push(c.slice());
    });
    return join(chunks);
  };

  it('writes what raw.ts writes: every kind, flag and edge value, many chunks, names past a chunk, both byte orders, a 7.1 vmlinux', () => {
    const long = 'n'.repeat(700_000);
    const strings = ['', 'int', long];
    const longNames = Btf.parse(
      encodeBlob({ strings, types: [[strOff(strings, 'int'), info(Kind.INT), 4, 0x01000020], [strOff(strings, long), info(Kind.STRUCT, 1), 4, strOff(strings, long), 1, 0]] }),
    );
    const btfs: [string, Btf][] = [
      ['many types', manyTypes()],
      ['long names', longNames],
      ['kinds-el.btf', Btf.parse(readFixture('btf', 'kinds-el.btf'))],
      ['kinds-eb.btf', Btf.parse(readFixture('btf', 'kinds-eb.btf'))],
      ['vmlinux-7.1', Btf.parse(readFixture('third-party', 'vmlinux-7.1.btf.gz'))],
      ...['names.btf', 'enums64.btf', 'tags.btf'].map((f): [string, Btf] => [f, loadFixture(f)]),
    ];
    for (const [name, btf] of btfs) assert.equal(byCore(btf), byJs(btf), name);
    assert.equal(byCore(Btf.parse(readFixture('btf', 'kinds-el.btf'))), readFixtureText('btf', 'kinds-el.raw.txt'), 'bpftool\'s text');
  });

  it('formats BTF parsed where rawCoreInput put it (in the core\'s memory) as it formats a copy, and leaves the input as it was', () => {
    // Big-endian words are swapped into an array of their own: formatted from a copy, as before.
    const inputs = [['many types', encodeBlob(manyTypesBlob()), true], ['kinds-el.btf', readFixture('btf', 'kinds-el.btf'), true], ['kinds-eb.btf', readFixture('btf', 'kinds-eb.btf'), false], ['vmlinux-7.1', readFixture('third-party', 'vmlinux-7.1.btf.gz'), true]] as const;
    for (const [name, bytes, little] of inputs) {
      const room = rawCoreInput(bytes.length + 1);
      assert.ok(room, name);
      room.set(bytes);
      const parsed = Btf.parse(room.subarray(0, bytes.length));
      assert.equal(parsed.words.buffer === room.buffer, little, name);
      assert.equal(byCore(parsed), byJs(Btf.parse(bytes)), name);
      assert.ok(Buffer.from(room.subarray(0, bytes.length)).equals(bytes), `${name}: input kept`);
    }
  });

  it('formats a file loadBtf read into the core\'s memory, raw BTF or the .BTF of an ELF object', async () => {
    for (const file of ['kinds-el.btf', 'kinds-el.o']) {
      const rooms: Uint8Array[] = [];
      const { btf } = await loadBtf(fixturePath('btf', file), {
        allocate: (n) => {
          const room = rawCoreInput(n);
          if (room) rooms.push(room);
          return room;
        },
      });
      assert.ok(rooms.length === 1 && btf.words.buffer === rooms[0]!.buffer, file);
      assert.equal(byCore(btf), readFixtureText('btf', 'kinds-el.raw.txt'), file);
    }
  });
});

describe('vmlinux.h written in chunks', () => {
  it('a header of many chunks is the header built whole', () => {
    const btf = manyTypes();
    const kept: Uint8Array[] = [];
    writeVmlinuxH(btf, (c) => {
      kept.push(c);
      return true;
    });
    assert.ok(kept.length > 3, `${kept.length} chunks`);
    assert.equal(join(kept), decoder.decode(formatVmlinuxHBytes(btf)));
  });

  for (const name of ['names.btf', 'enums64.btf', 'tags.btf']) {
    it(`${name}: the streamed header is the header built whole, sorted and unsorted`, () => {
      const btf = loadFixture(name);
      for (const sorted of [true, false]) {
        const kept: Uint8Array[] = [];
        writeVmlinuxH(btf, (c) => {
          kept.push(c);
          return true;
        }, { sorted });
        assert.equal(join(kept), decoder.decode(formatVmlinuxHBytes(btf, { sorted })));
      }
    });
  }
});
