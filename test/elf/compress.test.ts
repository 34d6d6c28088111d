import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decompress, detectCompression, parseElf, type Compression } from '../../src/elf/index.js';
import { BtfError } from '../../src/wire/errors.js';
import { btfError, fixtureBytes } from './elf-test-helpers.js';

const original = fixtureBytes('elf/bpf-el.o');
const formats: Array<{ format: Compression; file: string }> = [
  { format: 'gzip', file: 'elf/bpf-el.o.gz' },
  { format: 'xz', file: 'elf/bpf-el.o.xz' },
  { format: 'zstd', file: 'elf/bpf-el.o.zst' },
];

describe('detectCompression', () => {
  test('recognises each container by its magic', () => {
    for (const { format, file } of formats) assert.equal(detectCompression(fixtureBytes(file)), format);
    assert.equal(detectCompression(original), 'none');
    assert.equal(detectCompression(new Uint8Array(0)), 'none');
    assert.equal(detectCompression(new Uint8Array([0x1f])), 'none');
    // A zstd skippable frame may come first.
    assert.equal(detectCompression(new Uint8Array([0x5e, 0x2a, 0x4d, 0x18, 0, 0, 0, 0])), 'zstd');
  });
});

describe('decompress', () => {
  for (const { format, file } of formats) {
    test(`${format}: round trip of the BPF object`, async () => {
      const compressed = fixtureBytes(file);
      const out = await decompress(compressed);
      assert.deepEqual(out, original);
      assert.equal(parseElf(out).section('.BTF')?.size, parseElf(original).section('.BTF')?.size);
      assert.ok(compressed.byteLength > 0, 'input buffer is not detached');
    });

    test(`${format}: output larger than maxBytes is refused`, async () => {
      await assert.rejects(decompress(fixtureBytes(file), { maxBytes: 1000 }), btfError('unsupported'));
      // Exactly the decompressed size is allowed.
      assert.equal((await decompress(fixtureBytes(file), { maxBytes: original.length })).length, original.length);
    });

    test(`${format}: a truncated stream is a BtfError`, async () => {
      const compressed = fixtureBytes(file);
      for (const keep of [compressed.length - 1, Math.floor(compressed.length / 2), 12]) {
        await assert.rejects(decompress(compressed.subarray(0, keep)), (error: unknown) => {
          assert.ok(error instanceof BtfError, `got ${String(error)}`);
          assert.ok(['truncated', 'io'].includes(error.code), error.message);
          assert.ok(!error.message.includes('\n'), 'one line');
          return true;
        });
      }
    });
  }

  test('gzip and xz: corrupted payload fails their integrity checks', async () => {
    for (const file of ['elf/bpf-el.o.gz', 'elf/bpf-el.o.xz']) {
      const bytes = fixtureBytes(file).slice();
      const middle = Math.floor(bytes.length / 2);
      bytes[middle] = (bytes[middle] ?? 0) ^ 0x55;
      await assert.rejects(decompress(bytes), (error: unknown) => error instanceof BtfError, file);
    }
  });

  test('zstd: corrupt frame header and reserved block type', async () => {
    const bytes = fixtureBytes('elf/bpf-el.o.zst').slice();
    const reserved = bytes.slice();
    reserved[4] = (reserved[4] ?? 0) | 0x08; // reserved bit of the frame header descriptor
    await assert.rejects(decompress(reserved), btfError('io'));
    // Whatever follows a frame must be another frame.
    await assert.rejects(decompress(new Uint8Array([...bytes, 0x28, 0xb5, 0x2f, 0xfd])), btfError('truncated'));
    await assert.rejects(decompress(new Uint8Array([...bytes, 1, 2, 3, 4])), btfError('io'));
  });

  test('zstd: a header claiming a huge window is refused before decoding', async () => {
    // Frame header: magic, descriptor (no single segment), window descriptor 2^(10+21) = 2 GiB.
    const forged = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x01, 0x00, 0x00]);
    await assert.rejects(decompress(forged), btfError('unsupported'));
    // Single-segment frame declaring 16 MiB of content (4-byte size field) against a 1 MiB cap.
    const declared = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0, 1, 0x01, 0, 0]);
    await assert.rejects(decompress(declared, { maxBytes: 1 << 20 }), btfError('unsupported'));
  });

  test('uncompressed input comes back as the same object', async () => {
    assert.equal(await decompress(original), original);
  });

  test('an xz failure does not block later xz work', async () => {
    const xz = fixtureBytes('elf/bpf-el.o.xz');
    await assert.rejects(decompress(xz.subarray(0, 40)));
    await assert.rejects(decompress(xz, { maxBytes: 10 }));
    const results = await Promise.all([decompress(xz), decompress(xz), decompress(xz)]);
    for (const r of results) assert.deepEqual(r, original);
  });

  test('invalid maxBytes', async () => {
    await assert.rejects(decompress(fixtureBytes('elf/bpf-el.o.gz'), { maxBytes: -1 }), btfError('invalid-argument'));
  });

  test('random damage to any format resolves or rejects with BtfError', async () => {
    const inputs = formats.map((f) => fixtureBytes(f.file));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...inputs),
        fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (input, edits, cut) => {
          let bytes = input.slice();
          for (const e of edits) bytes[e.at % bytes.length] = e.value;
          if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
          try {
            await decompress(bytes, { maxBytes: 1 << 20 });
          } catch (error) {
            if (!(error instanceof BtfError)) throw new Error(`non-BtfError escaped: ${String(error)}`, { cause: error });
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
