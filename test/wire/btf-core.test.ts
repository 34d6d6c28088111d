/**
 * btf-core.c (the record index, the sanity check and the base string index of big blobs)
 * against the JavaScript passes it stands in for: the same offsets and string table on a
 * vmlinux, the same verdict on damaged ones (so Btf.parse reports the same located error,
 * made by the JavaScript), and on generated string tables.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Btf, indexTypes } from '../../src/wire/btf.js';
import { btfCoreInput, indexByCore, indexStringsByCore } from '../../src/wire/btf-core.js';
import { BtfError } from '../../src/wire/errors.js';
import { indexStringsJs } from '../../src/wire/strings.js';
import { readFixture } from '../helpers.js';

const vmlinuxBytes = readFixture('third-party', 'vmlinux-7.1.btf.gz');
const vmlinuxHeader = Btf.parse(vmlinuxBytes, { sanityCheck: false }).header;

/** What the JavaScript passes make of `btf`'s words: the offsets, or the error; and whether the sanity check passes. */
function jsVerdict(btf: Btf): { offsets?: Uint32Array; error?: string; sane: boolean } {
  let offsets: Uint32Array;
  try {
    offsets = indexTypes(btf.words, btf.shapes, btf.startId, 0, '.BTF');
  } catch (e) {
    if (!(e instanceof BtfError)) throw e;
    return { error: e.code, sane: false };
  }
  try {
    btf.sanityCheck();
    return { offsets, sane: true };
  } catch (e) {
    if (!(e instanceof BtfError)) throw e;
    return { offsets, sane: false };
  }
}

/** `bytes` copied to where loadBase reads a base to: a btf core's memory (btfCoreInput). */
function inCore(bytes: Uint8Array): Uint8Array {
  const room = btfCoreInput(bytes.length);
  assert.ok(room, 'a btf core took the input');
  room.set(bytes);
  return room;
}

/** What Btf.parse makes of `bytes`: the offsets, or the error's code, location and message. */
function parseVerdict(bytes: Uint8Array, sanityCheck: boolean): { offsets?: number[]; error?: unknown } {
  try {
    return { offsets: [...Btf.parse(bytes, { sanityCheck }).offsets] };
  } catch (e) {
    if (!(e instanceof BtfError)) throw e;
    return { error: { code: e.code, offset: e.offset, typeId: e.typeId, message: e.message } };
  }
}

/** Up to three words of vmlinux's type section overwritten: with anything, or with values near the limits of kinds, vlens and ids. */
function typeWordEdits(): fc.Arbitrary<{ word: number; value: number }[]> {
  return fc.array(fc.record({ word: fc.nat((vmlinuxHeader.typeLen >>> 2) - 1), value: fc.oneof(fc.nat(), fc.constantFrom(0, 0xffffffff, 0x0d000000, 0x0c000000, 0x7f000001, 0x04ffffff)) }), { minLength: 1, maxLength: 3 });
}

/** A copy of vmlinux with typeWordEdits() applied. */
function damaged(edits: readonly { word: number; value: number }[]): Uint8Array {
  const bytes = vmlinuxBytes.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const e of edits) view.setUint32(vmlinuxHeader.hdrLen + vmlinuxHeader.typeOff + e.word * 4, e.value >>> 0, true);
  return bytes;
}

function checkOf(btf: Btf): { startId: number; strEnd: number; baseKind: (id: number) => number } {
  return { startId: btf.startId, strEnd: btf.startStrOff + btf.strings.length, baseKind: (id) => btf.base!.kind(id) };
}

describe('btf-core.c against the reader in JavaScript', () => {
  it('indexes and checks a vmlinux as indexTypes and sanityCheck do', () => {
    const btf = Btf.parse(vmlinuxBytes, { sanityCheck: false });
    const core = indexByCore(btf.words, btf.shapes, checkOf(btf));
    assert.ok(core, 'the core ran');
    assert.equal(core.checked, true);
    assert.deepEqual(core.offsets, jsVerdict(btf).offsets);
    assert.deepEqual(core.offsets, btf.offsets);
  });

  it('gives damaged type sections back, or finds them insane, exactly where the JavaScript refuses them', () => {
    fc.assert(
      fc.property(
        typeWordEdits(),
        (edits) => {
          const bytes = damaged(edits);
          let btf: Btf;
          try {
            btf = Btf.parse(bytes, { sanityCheck: false });
          } catch (e) {
            // The core gave the index back and indexTypes reported it, located.
            assert.ok(e instanceof BtfError && e.offset !== undefined, String(e));
            return;
          }
          const js = jsVerdict(btf);
          const core = indexByCore(btf.words, btf.shapes, checkOf(btf));
          assert.ok(core);
          assert.deepEqual(core.offsets, js.offsets);
          assert.equal(core.checked, js.sane);
          // Btf.parse with the check: the JavaScript's error, with its location, or the same BTF.
          if (!js.sane) assert.throws(() => Btf.parse(bytes), (e) => e instanceof BtfError && e.typeId !== undefined);
          else assert.deepEqual(Btf.parse(bytes).offsets, btf.offsets);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('indexes and checks a vmlinux read into a btf core where it lies, its offsets left there', () => {
    const bytes = inCore(vmlinuxBytes);
    for (const sanityCheck of [true, false]) {
      const btf = Btf.parse(bytes, { sanityCheck });
      assert.equal(btf.words.buffer, bytes.buffer, 'the words are read in place');
      assert.equal(btf.offsets.buffer, bytes.buffer, 'the index is made in place');
      assert.deepEqual(btf.offsets, jsVerdict(Btf.parse(vmlinuxBytes, { sanityCheck: false })).offsets);
    }
  });

  it('refuses damaged type sections read into a btf core with the error the JavaScript gives, located', () => {
    fc.assert(
      fc.property(
        typeWordEdits(),
        fc.boolean(),
        (edits, sanityCheck) => {
          const bytes = damaged(edits);
          // The reference: the words in a buffer of their own, indexed and checked by the JavaScript (or the core copying them in, itself tested against it above).
          assert.deepEqual(parseVerdict(inCore(bytes), sanityCheck), parseVerdict(bytes, sanityCheck));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('indexes base strings as indexStringsJs does (vmlinux, and generated tables with repeats, every tail length, bytes above 0x7f)', () => {
    const all = Btf.parse(vmlinuxBytes, { sanityCheck: false }).strings;
    assert.deepEqual(indexStringsByCore(all), indexStringsJs(all));
    fc.assert(
      fc.property(fc.array(fc.constantFrom('', 'a', 'ab', 'b', 'abc', 'abcde', 'task_struct', 'x'.repeat(40), 'é', 'ÿÿÿ', '日本語x'), { minLength: 1, maxLength: 9000 }), fc.boolean(), (strings, unterminated) => {
        const text = `\0${strings.join('\0')}${unterminated ? '' : '\0'}`;
        const bytes = new TextEncoder().encode(text.repeat(Math.ceil((1 << 15) / Math.max(1, text.length))));
        assert.deepEqual(indexStringsByCore(bytes), indexStringsJs(bytes));
      }),
      { numRuns: 20 },
    );
  });
});
