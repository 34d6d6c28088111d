import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { fixturePath } from '../helpers.js';
import { btfkitInProcess } from './in-process.js';

const btfkit = btfkitInProcess;
const tmp = mkdtempSync(join(tmpdir(), 'btfkit-check-cli-'));

describe('btfkit check', () => {
  it('exits 1 with one line per finding, naming id, kind, name, offset and rule', async () => {
    const r = await btfkit('check', fixturePath('btf', 'kinds-el.btf'));
    assert.equal(r.status, 1);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0]!, /kinds-el\.btf: meta: \[48\] VAR extern_var: offset 1136 \(0x470\): Linkage not supported/);
  });
  it('exits 0 for valid BTF, also from an ELF file, and --json reports the findings', async () => {
    const ok = await btfkit('check', fixturePath('third-party', 'relocs-el.elf'));
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /valid for Linux 6\.18 \(user BTF, \d+ types\)/);
    const j = await btfkit('check', '--json', fixturePath('btf', 'kinds-el.btf'));
    assert.equal(j.status, 1);
    const doc = JSON.parse(j.stdout) as { valid: boolean; findings: Array<{ typeId: number; rule: string; code: string }> };
    assert.equal(doc.valid, false);
    assert.equal(doc.findings[0]!.typeId, 48);
    assert.equal(doc.findings[0]!.code, 'linkage-not-supported');
  });
  it('split BTF given without its base: the findings, then a hint to give -B', async () => {
    const r = await btfkit('check', fixturePath('third-party', 'btf_testmod.btf'));
    assert.equal(r.status, 1);
    assert.match(r.stdout, /strings: offset \d+ \(0x[0-9a-f]+\): Invalid string section \(first string of base BTF must be empty\)/);
    assert.match(r.stderr, /^btfkit: warning: [^\n]*btf_testmod\.btf: looks like split BTF, give -B\/--base \(e\.g\. -B \/sys\/kernel\/btf\/vmlinux\)\n$/);
  });
  it('checks split BTF as module BTF with --base, and applies --kernel-version', async () => {
    const r = await btfkit('check', '--base', fixturePath('third-party', 'btf_testmod.btf.base'), fixturePath('third-party', 'btf_testmod.btf'));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /module BTF/);
    const b = new BtfBuilder({ endian: 'little' });
    b.addFloat('float', 4);
    const f = join(tmp, 'float.btf');
    writeFileSync(f, b.toBytes());
    assert.equal((await btfkit('check', f)).status, 0);
    const old = await btfkit('check', '--kernel-version', '5.10', f);
    assert.equal(old.status, 1);
    assert.match(old.stdout, /Invalid kind:16/);
  });
  it('usage errors exit 2', async () => {
    assert.equal((await btfkit('check', '--kernel-version', 'six', fixturePath('btf', 'kinds-el.btf'))).status, 2);
    assert.equal((await btfkit('check', '--mode', 'kernel', fixturePath('btf', 'kinds-el.btf'))).status, 2);
  });
});

describe('btfkit sanitize', () => {
  it('writes BTF for an older kernel that passes check there, and refuses to overwrite without --force', async () => {
    const b = new BtfBuilder({ endian: 'little', layout: true });
    const i = b.addInt('int', 4, 1);
    b.addEnum64('e', 8, [{ name: 'A', value: -1n }]);
    b.addTypeTag('user', i);
    const input = join(tmp, 'in.btf');
    writeFileSync(input, b.toBytes());
    const out = join(tmp, 'out.btf');
    const r = await btfkit('sanitize', input, '--for', '5.10', '-o', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /enum64-to-union 1/);
    assert.match(r.stderr, /layout-dropped 1/);
    assert.equal(Btf.parse(new Uint8Array(readFileSync(out))).layout, undefined);
    assert.equal((await btfkit('check', '--kernel-version', '5.10', out)).status, 0);
    assert.equal((await btfkit('sanitize', input, '--for', '5.10', '-o', out)).status, 1, 'output exists');
    assert.equal((await btfkit('sanitize', input, '--for', '5.10', '-o', out, '--force')).status, 0);
    assert.equal((await btfkit('sanitize', input, '-o', join(tmp, 'x.btf'))).status, 2, '--for or --without needed');
  });
  it('--without removes single features and --layout keeps a layout section for 7.1', async () => {
    const input = join(tmp, 'in2.btf');
    const b = new BtfBuilder({ endian: 'little' });
    b.addFloat('float', 4);
    writeFileSync(input, b.toBytes());
    const out = join(tmp, 'out2.btf');
    assert.equal((await btfkit('sanitize', input, '--without', 'float', '--layout', '-o', out)).status, 0);
    const btf = Btf.parse(new Uint8Array(readFileSync(out)));
    assert.equal(btf.kind(1), 4);
    assert.equal(btf.layout?.length, 20);
    assert.ok(existsSync(out));
  });
});
