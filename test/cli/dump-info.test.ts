import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { fixturePath, readFixture, readFixtureText } from '../helpers.js';
import { btfkitInProcess } from './in-process.js';

const btfkit = btfkitInProcess;
const tmp = mkdtempSync(join(tmpdir(), 'btfkit-cli-'));

describe('btfkit dump', () => {
  it('dumps a BPF object as bpftool does', async () => {
    const r = await btfkit('dump', fixturePath('btf', 'kinds-el.o'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, readFixtureText('btf', 'kinds-el.raw.txt'));
  });
  it('reads gzip-compressed input', async () => {
    const gz = join(tmp, 'kinds.btf.gz');
    writeFileSync(gz, gzipSync(readFixture('btf', 'kinds-eb.btf')));
    const r = await btfkit('dump', gz);
    assert.equal(r.stdout, readFixtureText('btf', 'kinds-eb.raw.txt'));
  });
  it('filters by kind, name and id', async () => {
    const r = await btfkit('dump', fixturePath('btf', 'kinds-el.btf'), '--kind', 'struct', '--name', '^(node|bits)$');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      r.stdout.split('\n').filter((l) => l.startsWith('[')).map((l) => l.split(' ').slice(0, 3).join(' ')),
      ["[2] STRUCT 'node'", "[24] STRUCT 'bits'"],
    );
    const one = await btfkit('dump', fixturePath('btf', 'kinds-el.btf'), '--id', '6');
    assert.equal(one.stdout, "[6] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n");
  });
  it('prints JSON like bpftool -j', async () => {
    const r = await btfkit('dump', fixturePath('btf', 'kinds-el.btf'), '--format', 'json');
    assert.equal(r.stdout, readFixtureText('btf', 'kinds-el.json'));
  });
});

describe('bad input and usage errors', () => {
  it('a missing file is one line and exit 1', async () => {
    const r = await btfkit('dump', join(tmp, 'nope.btf'));
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /nope\.btf: cannot read: no such file/);
  });
  it('a truncated BTF names the file, offset, type id and rule; exit 1', async () => {
    const bytes = readFixture('btf', 'kinds-el.btf');
    const cut = join(tmp, 'cut.btf');
    // keep the header but cut the type section short, and fix type_len/str so only types are cut
    const b = new Uint8Array(bytes.slice(0, 24 + 200));
    new DataView(b.buffer).setUint32(16, 0, true);
    new DataView(b.buffer).setUint32(20, 0, true);
    writeFileSync(cut, b);
    const r = await btfkit('dump', cut);
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /cut\.btf: \.BTF: offset \d+ \(0x[0-9a-f]+\): /);
    assert.doesNotMatch(r.stderr, /at .*\.js/);
  });
  it('garbage is rejected by its magic', async () => {
    const junk = join(tmp, 'junk.bin');
    writeFileSync(junk, Buffer.from('this is not btf at all, not even close'));
    const r = await btfkit('dump', junk);
    assert.equal(r.status, 1);
    // One line naming file, section, offset and the rule; the code (bad-magic) is for programs, not this line.
    assert.match(r.stderr, /^btfkit: [^\n]*junk\.bin: \.BTF: offset 0 \(0x0\): magic must be 0xeb9f in either byte order, found bytes 74 68\n$/);
  });
  it('an unknown format or option is a usage error (exit 2)', async () => {
    assert.equal((await btfkit('dump', fixturePath('btf', 'kinds-el.btf'), '--format', 'yaml')).status, 2);
    assert.equal((await btfkit('dump', '--no-such-option')).status, 2);
    assert.equal((await btfkit('dump', fixturePath('btf', 'kinds-el.btf'), '--id', '9999')).status, 2);
    assert.equal((await btfkit('frobnicate')).status, 2);
  });
});

describe('btfkit info', () => {
  it('reports header, layout, sortedness and kind counts', async () => {
    const r = await btfkit('info', fixturePath('third-party', 'vmlinux-7.1.btf.gz'), '--json');
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.header.hdrLen, 32);
    assert.equal(s.typeCount, 103406);
    assert.equal(s.layout.length, 20);
    assert.equal(s.namesSorted, true);
    assert.equal(s.kinds.FUNC, 45634);
    assert.equal(s.split, null);
  });
  it('reports split BTF on a base and the .BTF.ext of an object', async () => {
    const r = await btfkit('info', fixturePath('third-party', 'btf_testmod.btf'), '--base', fixturePath('third-party', 'btf_testmod.btf.base'), '--json');
    const s = JSON.parse(r.stdout);
    assert.deepEqual(s.split, { startId: 158, startStrOff: s.split.startStrOff, baseTypes: 157 });
    const o = JSON.parse((await btfkit('info', fixturePath('btf', 'kinds-eb.o'), '--json')).stdout);
    assert.equal(o.endian, 'big');
    assert.equal(o.container, 'elf');
    assert.ok(o.ext.lineInfo > 0);
  });
  it('prints a readable table', async () => {
    const r = await btfkit('info', fixturePath('btf', 'kinds-el.btf'));
    assert.match(r.stdout, /byte order: +little-endian/);
    assert.match(r.stdout, /STRUCT +4/);
  });
});
