/**
 * Issue 15, items 1, 2, 5 and 6: hostile inputs end in one typed error or bounded output,
 * never in a stack overflow, a hang or unbounded memory.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CDumper, formatVmlinuxHBytes } from '../../src/format/c/index.js';
import { readBounded } from '../../src/node/files.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfError } from '../../src/wire/errors.js';
import { MAX_WALK_DEPTH } from '../../src/wire/limits.js';
import { REPO_ROOT, fixturePath } from '../helpers.js';
import { dedup } from '../../src/ops/dedup.js';
import { CHAIN_KINDS, chain, chainDown, DOWN_KINDS, hugeStruct, LOOP_KINDS, loop, nameAtEnd } from './inputs.js';

const BIN = join(REPO_ROOT, 'bin', 'btfkit.js');
const run = (args: string[], input?: Uint8Array) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', ...(input ? { input } : {}) });
const dir = mkdtempSync(join(tmpdir(), 'btfkit-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const cText = (bytes: Uint8Array): string => new TextDecoder().decode(formatVmlinuxHBytes(Btf.parse(bytes)));

describe('format c of a huge struct (item 1)', () => {
  it('writes a 2 GiB struct as one byte array after its member, not 268 million padding lines', () => {
    const text = cText(hugeStruct());
    assert.match(text, /struct huge \{\n\tint first;\n\tchar __pad_4\[2147483644\];\n\};/);
    assert.ok(text.length < 4096, `${text.length} bytes`);
  });
  it('keeps libbpf\'s padding lines for ordinary gaps', () => {
    const text = cText(hugeStruct(4096));
    assert.equal(text.match(/long: 64;/g)?.length, 511);
  });
  it('stops at the output budget with an error naming the type', () => {
    const btf = Btf.parse(hugeStruct(1 << 18)); // 32,767 padding lines, ~400 KB of text
    const d = new CDumper(btf, { maxOutputBytes: 64 * 1024 });
    assert.throws(() => d.dumpType(2), (e: unknown) => e instanceof BtfError && e.typeId === 2 && /exceed 65536 bytes/.test(e.message));
  });
});

describe('inputs without an end (item 2)', () => {
  it('/dev/zero is read up to the limit, then a one-line error', () => {
    assert.throws(() => readBounded('/dev/zero', 1 << 20, 1 << 20), (e: unknown) => e instanceof BtfError && e.file === '/dev/zero' && /exceeds the limit of 1048576 bytes/.test(e.message));
    const r = run(['info', '/dev/zero']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^btfkit: \/dev\/zero: input exceeds the limit of \d+ bytes.*\n$/);
  });
  it('a regular file over the limit is refused before it is read', () => {
    const f = join(dir, 'big.btf');
    writeFileSync(f, new Uint8Array(4096));
    assert.throws(() => readBounded(f, 1024), /input of 4096 bytes exceeds the limit of 1024 bytes/);
  });
  it('`-` reads stdin', () => {
    const r = run(['info', '-'], hugeStruct());
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^file:\s+-$/m);
  });
});

describe('deep chains and loops (item 5)', () => {
  for (const kind of CHAIN_KINDS) {
    it(`format c of a 100,000-deep ${kind} chain: a BtfError naming a type, no stack overflow`, () => {
      assert.throws(() => cText(chain(kind, 100000)), (e: unknown) => e instanceof BtfError && e.typeId !== undefined && (/more than 1000 levels/.test(e.message) || /loop/.test(e.message)));
    });
  }
  it(`a chain within MAX_WALK_DEPTH (${MAX_WALK_DEPTH}) is still written`, () => {
    assert.match(cText(chain('const', 100)), /typedef const const .* int top;/);
  });
  for (const kind of LOOP_KINDS) {
    it(`format c of a ${kind} loop: an error, loops named as loops`, () => {
      assert.throws(
        () => cText(loop(kind)),
        (e: unknown) => e instanceof BtfError && (kind === 'struct-self' || kind === 'typedef-struct-embed' ? /cycle|loop/.test(e.message) : /type reference loop \[\d+\] -> \[\d+\]/.test(e.message)),
      );
    });
  }
});

describe('dedup of deep chains and loops (item 5)', () => {
  for (const kind of DOWN_KINDS) {
    it(`a 100,000-deep ${kind} chain whose links point to higher ids: no stack overflow`, () => {
      const input = Btf.parse(chainDown(kind, 100000));
      assert.equal(dedup(input).btf.typeCount, input.typeCount);
    });
  }
  for (const kind of ['const-volatile', 'ptr-ptr', 'array-self'] as const) {
    it(`a ${kind} loop is reported as a loop, naming a type`, () => {
      assert.throws(() => dedup(Btf.parse(loop(kind))), (e: unknown) => e instanceof BtfError && e.typeId !== undefined && /loop/.test(e.message));
    });
  }
});

describe('name offsets at the end of the string section (item 6)', () => {
  for (const cmd of [['core', 'explain', fixturePath('core', 'vmlinux_relocs.o')], ['min-core', fixturePath('core', 'vmlinux_relocs.o'), '-o', join(dir, 'mc.btf')]]) {
    it(`${cmd[0]}: a kernel BTF whose name offset is 0xfffffff0 gives one line naming file and type`, () => {
      const k = join(dir, 'name-huge.btf');
      writeFileSync(k, nameAtEnd('huge'));
      const r = run([...cmd, '--kernel', k]);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, `btfkit: ${k}: .BTF: offset 40 (0x28): type [2]: name offset 4294967280 is outside the string section(s) (size 21)\n`);
    });
  }
});
