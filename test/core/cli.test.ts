import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { formatRawString } from '../../src/format/raw.js';
import { batchOutputPath, findKernels, firstTarFile } from '../../src/node/min-core-batch.js';
import { Btf } from '../../src/wire/btf.js';
import { fixturePath, readFixture, readFixtureText } from '../helpers.js';
import { syntheticModule } from './core-helpers.js';
import { btfkitInProcess } from '../cli/in-process.js';

const cli = btfkitInProcess;
const tmp = mkdtempSync(join(tmpdir(), 'btfkit-core-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const VM = fixturePath('third-party', 'vmlinux-7.1.btf.gz');
const OBJ = fixturePath('core', 'vmlinux_relocs.o');
const MOD_OBJ = fixturePath('core', 'module_relocs.o');

describe('btfkit core explain', () => {
  it('shows each relocation with its candidates, target and value', async () => {
    const r = await cli('core', 'explain', OBJ, '--kernel', VM);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /section kprobe\/fields/);
    assert.match(r.stdout, /byte_off: local \[\d+\] \(struct task_struct___v1 \*p\) p->pid "0:7"/);
    assert.match(r.stdout, /candidate vmlinux \[\d+\] struct task_struct: matches/);
    assert.match(r.stdout, /value: 20 -> 2536/);
    assert.match(r.stdout, /no: no member 'state'/);
    assert.match(r.stdout, /poison \(call 0xbad2310\)/);
    assert.match(r.stdout, /52 relocations: 50 resolved, 2 poisoned, 0 errors/);
  });
  it('--json', async () => {
    const r = await cli('core', 'explain', OBJ, '--kernel', VM, '--json');
    const j = JSON.parse(r.stdout) as Array<{ kind: string; value?: { new?: string } }>;
    assert.equal(j.length, 52);
    assert.equal(j[0]!.value!.new, '2536');
  });
  it('an object without .BTF.ext is an error (exit 1)', async () => {
    const r = await cli('core', 'explain', fixturePath('btf', 'kinds-el.btf'), '--kernel', VM);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\.BTF\.ext/);
  });
});

describe('btfkit min-core', () => {
  it('writes the minimal BTF bpftool would, refuses to overwrite without --force', async () => {
    const out = join(tmp, 'min.btf');
    const r = await cli('min-core', OBJ, MOD_OBJ, '--kernel', VM, '-o', out);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(formatRawString(Btf.parse(readFileSync(out))), readFixtureText('core', 'min-core-vmlinux-7.1.raw.txt'));
    assert.equal((await cli('min-core', OBJ, '--kernel', VM, '-o', out)).status, 1);
    assert.equal((await cli('min-core', OBJ, '--kernel', VM, '-o', out, '--force')).status, 0);
  });
  it('needs -o (usage error, exit 2)', async () => {
    assert.equal((await cli('min-core', OBJ, '--kernel', VM)).status, 2);
  });
  it('with --module: a minimal base and a split BTF per module', async () => {
    const vm = Btf.parse(readFixture('third-party', 'vmlinux-7.1.btf.gz'));
    const modFile = join(tmp, 'nf_tables.btf');
    writeFileSync(modFile, syntheticModule(vm).bytes);
    const vmFile = join(tmp, 'vmlinux.btf');
    writeFileSync(vmFile, gunzipSync(readFileSync(VM)));
    const r = await cli('min-core', MOD_OBJ, '--kernel', vmFile, '--module', modFile, '-o', join(tmp, 'base.btf'), '--split-out', join(tmp, 'split'));
    assert.equal(r.status, 0, r.stderr);
    const base = Btf.parse(readFileSync(join(tmp, 'base.btf')));
    const split = Btf.parse(readFileSync(join(tmp, 'split', 'nf_tables.btf')), { base });
    assert.equal(split.name(split.startId + 1), 'nft_ctx');
  });
  it('batch: every *.btf(.gz|.tar.xz) under a directory, same relative paths', async () => {
    const dir = join(tmp, 'hub', 'distro', '1.0', 'x86_64');
    mkdirSync(dir, { recursive: true });
    copyFileSync(VM, join(dir, 'k1.btf.gz'));
    mkdirSync(join(tmp, 'hub', 'mods'), { recursive: true });
    writeFileSync(join(tmp, 'hub', 'mods', 'x.btf'), '');
    const kernels = await findKernels(join(tmp, 'hub'));
    assert.deepEqual(kernels, [join(dir, 'k1.btf.gz')]);
    assert.equal(batchOutputPath('/a', '/o', '/a/u/22.04/x86_64/5.15.0-1.btf.tar.xz'), '/o/u/22.04/x86_64/5.15.0-1.btf');
    const r = await cli('min-core', OBJ, '--kernel', join(tmp, 'hub'), '-o', join(tmp, 'hubout'), '--jobs', '1');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(tmp, 'hubout', 'distro', '1.0', 'x86_64', 'k1.btf')));
  });
  it('reads the file out of a tar archive', async () => {
    const payload = new TextEncoder().encode('hello');
    const tar = new Uint8Array(2048);
    tar.set(new TextEncoder().encode('k.btf'), 0);
    tar.set(new TextEncoder().encode('00000000005\0'), 124);
    tar[156] = 0x30;
    tar.set(payload, 512);
    assert.deepEqual(firstTarFile(tar, 't.tar'), payload);
  });
});

describe('btfkit vmlinux-split', () => {
  it('writes core and rest and reports both sizes', async () => {
    const r = await cli('vmlinux-split', VM, '-o', join(tmp, 'core.btf'), '--rest-out', join(tmp, 'rest.btf'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /kfuncs: 230/);
    assert.match(r.stdout, /core: .*: \d+ types, \d+ bytes/);
    assert.match(r.stdout, /rest: .*: \d+ types, \d+ bytes \(split on core\)/);
    const core = Btf.parse(readFileSync(join(tmp, 'core.btf')));
    const rest = Btf.parse(readFileSync(join(tmp, 'rest.btf')), { base: core });
    assert.equal(rest.nextId - 1, 103406);
  });
});
