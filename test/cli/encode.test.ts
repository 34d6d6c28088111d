import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseElf } from '../../src/elf/index.js';
import { Btf } from '../../src/wire/btf.js';
import { fixturePath, readFixture } from '../helpers.js';
import { btfkitInProcess } from './in-process.js';

const btfkit = btfkitInProcess;
const tmp = mkdtempSync(join(tmpdir(), 'btfkit-encode-cli-'));
const obj = fixturePath('dwarf', 'gcc-two-units.o');

describe('btfkit encode', () => {
  it('a relocatable object gets a .BTF section (every other section kept); --detached writes raw BTF equal to pahole', async () => {
    const out = join(tmp, 'with-btf.o');
    const r = await btfkit('encode', obj, '--features', 'pahole-1.24', '-o', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /types \(\d+ functions, 2 variables\) from 2 units/);
    const before = parseElf(readFixture('dwarf', 'gcc-two-units.o'));
    const after = parseElf(readFileSync(out));
    for (const s of before.sections) {
      if (s.name === '.shstrtab' || s.index === 0) continue;
      assert.ok(Buffer.from(after.sectionData(after.section(s.name)!)).equals(before.sectionData(s)), s.name);
    }
    const raw = join(tmp, 'two.btf');
    assert.equal((await btfkit('encode', obj, '--features', 'pahole-1.24', '--detached', '-o', raw)).status, 0);
    const expected = readFixture('dwarf', 'gcc-two-units.pahole.btf');
    assert.ok(readFileSync(raw).equals(expected));
    assert.ok(Buffer.from(after.sectionData(after.section('.BTF')!)).equals(expected));
  });

  it('a relocatable object of 64 MB or more (past which files are read section by section) is read whole: relocated DWARF, every section kept', async () => {
    // The fixture with zeros appended (a sparse file): its sections stay where they are.
    const big = join(tmp, 'big.o');
    copyFileSync(obj, big);
    truncateSync(big, 64 * 1024 * 1024 + 4096);
    const raw = join(tmp, 'big.btf');
    const r = await btfkit('encode', big, '--features', 'pahole-1.24', '--detached', '-o', raw);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(readFileSync(raw).equals(readFixture('dwarf', 'gcc-two-units.pahole.btf')));
    const out = join(tmp, 'big-with-btf.o');
    assert.equal((await btfkit('encode', big, '--features', 'pahole-1.24', '-o', out)).status, 0);
    const before = parseElf(readFixture('dwarf', 'gcc-two-units.o'));
    const after = parseElf(readFileSync(out));
    for (const s of before.sections) {
      if (s.name === '.shstrtab' || s.index === 0) continue;
      assert.ok(Buffer.from(after.sectionData(after.section(s.name)!)).equals(before.sectionData(s)), s.name);
    }
  });

  it('split on a base, --distilled-base writes OUT and OUT.base, --standalone is self-contained', async () => {
    const base = fixturePath('dwarf', 'gcc-dwarf5.pahole.btf');
    const split = join(tmp, 'split.btf');
    assert.equal((await btfkit('encode', obj, '-B', base, '--features', 'pahole-1.24', '--detached', '-o', split)).status, 0);
    assert.ok(readFileSync(split).equals(readFixture('dwarf', 'gcc-two-units.split.pahole.btf')));
    const dist = join(tmp, 'dist.btf');
    const d = await btfkit('encode', obj, '-B', base, '--features', 'pahole-1.24', '--detached', '--distilled-base', '-o', dist);
    assert.equal(d.status, 0, d.stderr);
    const distBase = Btf.parse(readFileSync(`${dist}.base`));
    const distSplit = Btf.parse(readFileSync(dist), { base: distBase });
    assert.ok(distBase.typeCount < Btf.parse(readFileSync(base)).typeCount);
    assert.ok(distSplit.typeCount > 0);
    const alone = join(tmp, 'alone.btf');
    assert.equal((await btfkit('encode', obj, '-B', base, '--features', 'pahole-1.24', '--standalone', '--detached', '-o', alone)).status, 0);
    assert.equal(Btf.parse(readFileSync(alone)).startId, 1);
  });

  it('--jobs: worker threads walk the units of a linked file; the output is the same bytes as with one thread (and as pahole)', async () => {
    const linked = fixturePath('dwarf', 'gcc-linked.o');
    const one = join(tmp, 'linked-1.btf');
    const two = join(tmp, 'linked-2.btf');
    assert.equal((await btfkit('encode', linked, '--features', 'pahole-1.24', '-o', one)).status, 0);
    const r = await btfkit('encode', linked, '--features', 'pahole-1.24', '--jobs', '2', '-o', two);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(readFileSync(one).equals(readFileSync(two)));
    assert.ok(readFileSync(two).equals(readFixture('dwarf', 'gcc-linked.pahole.btf')));
    assert.equal((await btfkit('encode', linked, '--jobs', '0', '-o', join(tmp, 'j0.btf'))).status, 2);
  });

  it('-j on a module (relocatable): walked on the main thread, the same bytes; a file too short for its ELF header: one located line', async () => {
    const one = join(tmp, 'module-1.o');
    const two = join(tmp, 'module-2.o');
    assert.equal((await btfkit('encode', obj, '--features', 'pahole-1.24', '-o', one)).status, 0);
    const r = await btfkit('encode', obj, '--features', 'pahole-1.24', '-j', '2', '-o', two);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(readFileSync(one).equals(readFileSync(two)));
    // A file too short for its ELF header, read for worker threads: the reader's one line.
    const short = join(tmp, 'short.o');
    writeFileSync(short, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]));
    const bad = await btfkit('encode', short, '-j', '2', '-o', join(tmp, 'short.btf'));
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^btfkit: .*short\.o: .*too short/);
    assert.doesNotMatch(bad.stderr, /internal error/);
  });

  it('refuses to overwrite without --force, needs -o, and reports bad DWARF in one line (exit 1)', async () => {
    const out = join(tmp, 'exists.btf');
    writeFileSync(out, 'x');
    const r = await btfkit('encode', obj, '--detached', '-o', out);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /output exists; use --force/);
    assert.equal((await btfkit('encode', obj, '--detached', '--force', '-o', out)).status, 0);
    assert.equal((await btfkit('encode', obj)).status, 2);
    assert.equal((await btfkit('encode', obj, '--distilled-base', '-o', join(tmp, 'y'))).status, 2);
    assert.equal((await btfkit('encode', obj, '--features', 'nope', '-o', join(tmp, 'z'))).status, 1);
    const bad = readFixture('dwarf', 'gcc-dwarf5.o').slice();
    const info = parseElf(bad).section('.debug_info')!;
    new DataView(bad.buffer, bad.byteOffset).setUint32(info.offset, 0xfffffff0, true);
    const badPath = join(tmp, 'bad.o');
    writeFileSync(badPath, bad);
    const e = await btfkit('encode', badPath, '--features', 'pahole-1.24', '-o', join(tmp, 'bad.btf'));
    assert.equal(e.status, 1);
    assert.equal(e.stderr.trim().split('\n').length, 1);
    assert.match(e.stderr, /bad\.o: \.debug_info: offset 0 \(0x0\): reserved unit length/);
    // Not an ELF file: one line naming it, before any feature warning (default features).
    const raw = fixturePath('btf', 'kinds-el.btf');
    const notElf = await btfkit('encode', raw, '-o', join(tmp, 'not-elf.btf'));
    assert.equal(notElf.status, 1);
    assert.deepEqual(notElf.stderr.trim().split('\n'), [`btfkit: ${raw}: offset 0 (0x0): not an ELF file (magic is not \\x7fELF)`]);
  });

  it('warns once per requested feature it does not apply, naming it and what happens instead; applied ones are silent', async () => {
    const byDefault = await btfkit('encode', obj, '--detached', '--force', '-o', join(tmp, 'default.btf'));
    assert.equal(byDefault.status, 0, byDefault.stderr);
    const lines = byDefault.stderr.trim().split('\n');
    // optimized_func and consistent_func are applied (functions.ts, locations.ts): no warning.
    assert.equal(lines.length, 1, byDefault.stderr);
    assert.match(lines[0]!, /warning:.*encode_force: not applied: /);
    const asked = await btfkit('encode', obj, '--features', 'pahole-1.24,attributes,reproducible_build', '--detached', '--force', '-o', join(tmp, 'attr.btf'));
    assert.equal(asked.status, 0, asked.stderr);
    assert.match(asked.stderr, /^\S*btfkit: warning:\S* attributes: not applied: [^\n]*\n$/);
    const quiet = await btfkit('encode', obj, '--features', 'pahole-1.24', '--detached', '--force', '-o', join(tmp, 'quiet.btf'));
    assert.equal(quiet.stderr, '');
  });
});
