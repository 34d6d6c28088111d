/**
 * Issue 15, items 7, 11, 12, 13 and 14: batches report each bad item and go on, check-module
 * refuses what the module loader refuses, errors name the file, and the command line follows
 * bpftool's conventions.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { xzSync } from './xz.js';
import { fixturePath, REPO_ROOT } from '../helpers.js';

const BIN = join(REPO_ROOT, 'bin', 'btfkit.js');
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'btfkit-hostile-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const KERNEL = fixturePath('btf', 'kinds-el.btf');
const OBJ = fixturePath('btf', 'kinds-el.o');
const SPLIT_BASE = fixturePath('c-dump', 'split-base.btf');
const SPLIT = fixturePath('c-dump', 'split-one.btf');

/** A copy of `src` with byte `at` set to `value`. */
function patched(src: string, name: string, at: number, value: number): string {
  const b = new Uint8Array(readFileSync(src));
  b[at] = value;
  const p = join(dir, name);
  writeFileSync(p, b);
  return p;
}

describe('batches go on after a bad item (item 7)', () => {
  it('check-module: a missing module and a directory get an error line each; the good one its verdict; exit 1 with a count', () => {
    const r = run(['check-module', join(dir, 'missing.ko'), OBJ, dir, '--kernel', KERNEL]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^kinds_el: /m);
    assert.match(r.stderr, /missing\.ko: cannot read: no such file/);
    assert.match(r.stderr, /: cannot read: is a directory/);
    assert.match(r.stderr, /btfkit: 2 of 3 could not be checked/);
  });
  it('merge: every input that cannot be read is reported, nothing is written', () => {
    const out = join(dir, 'merged.btf');
    const r = run(['merge', SPLIT, join(dir, 'a-missing.btf'), join(dir, 'b-missing.btf'), '-B', SPLIT_BASE, '-o', out]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /a-missing\.btf: cannot read/);
    assert.match(r.stderr, /2 of 3 inputs cannot be merged, nothing written; the last: .*b-missing\.btf: cannot read/);
    assert.equal(existsSync(out), false);
  });
  it('min-core batch: X.btf and X.btf.xz do not collide; a broken kernel is one line and the rest are written', () => {
    const kd = join(dir, 'kernels');
    mkdirSync(kd);
    writeFileSync(join(kd, 'X.btf'), readFileSync(KERNEL));
    writeFileSync(join(kd, 'X.btf.xz'), xzSync(readFileSync(KERNEL)));
    writeFileSync(join(kd, 'broken.btf'), readFileSync(KERNEL).subarray(0, 40));
    const out = join(dir, 'kout');
    const r = run(['min-core', fixturePath('core', 'vmlinux_relocs.o'), '--kernel', kd, '-o', out]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /2\/3 kernels minimized/);
    assert.ok(existsSync(join(out, 'X.btf')) && existsSync(join(out, 'X.xz.btf')));
    assert.match(r.stderr, /^btfkit: [^\n]*broken\.btf: [^\n]*ends past the 16 data bytes$/m);
    assert.doesNotMatch(r.stderr, /broken\.btf: [^\n]*broken\.btf/);
  });
});

describe('check-module and the module loader (item 11)', () => {
  it('a flipped EI_CLASS byte is refused (ENOEXEC), not "loads-without-btf"', () => {
    const flipped = patched(OBJ, 'flipped.o', 4, 1);
    const r = run(['check-module', flipped, '--kernel', KERNEL, '--json']);
    assert.equal(r.status, 1);
    const [res] = JSON.parse(r.stdout) as Array<{ verdict: string; reasons: string[] }>;
    assert.equal(res!.verdict, 'rejected');
    assert.match(res!.reasons[0]!, /module loader refuses the file \(ENOEXEC\)/);
  });
});

describe('errors name the file; split BTF without a base says so (item 12)', () => {
  it('distill and standalone of a broken ELF file name it', () => {
    const broken = patched(OBJ, 'broken.o', 0x28, 0xff); // e_shoff far outside the file
    for (const cmd of ['distill', 'standalone']) {
      const r = run([cmd, broken, '-B', KERNEL, '-o', join(dir, `${cmd}.out`)]);
      assert.equal(r.status, 1);
      assert.ok(r.stderr.startsWith(`btfkit: ${broken}: `), r.stderr);
    }
  });
  for (const cmd of [['dump'], ['info'], ['dedup', '-o', join(dir, 'split-dedup.btf')], ['dump', '--format', 'c']]) {
    it(`${cmd.join(' ')} of split BTF without -B: "looks like split BTF, give -B/--base"`, () => {
      const r = run([cmd[0]!, SPLIT, ...cmd.slice(1)]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^btfkit: .*split-one\.btf: .*looks like split BTF, give -B\/--base/);
    });
  }
  it('standalone picks up MODULE.base beside raw split BTF, as relocate does', () => {
    const d = join(dir, 'dist.btf');
    assert.equal(run(['distill', SPLIT, '-B', SPLIT_BASE, '-o', d]).status, 0);
    const viaDistilled = join(dir, 's1.btf');
    const direct = join(dir, 's2.btf');
    assert.equal(run(['standalone', d, '-B', SPLIT_BASE, '-o', viaDistilled]).status, 0);
    assert.equal(run(['standalone', SPLIT, '-B', SPLIT_BASE, '-o', direct]).status, 0);
    assert.deepEqual(readFileSync(viaDistilled), readFileSync(direct));
  });
});

describe('dump of several files (item 13)', () => {
  it('--format json gives one JSON document with a "file" per entry', () => {
    const r = run(['dump', KERNEL, OBJ, '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { files: Array<{ file: string; types: unknown[] }> };
    assert.deepEqual(
      doc.files.map((f) => f.file),
      [KERNEL, OBJ],
    );
    assert.ok(doc.files.every((f) => f.types.length > 0));
  });
  it('raw output has a header line per file', () => {
    const r = run(['dump', KERNEL, OBJ]);
    assert.equal(r.stdout.match(/^==> .* <==$/gm)?.length, 2);
    assert.ok(r.stdout.startsWith(`==> ${KERNEL} <==\n[1] `));
  });
  it('one file stays what bpftool prints (no header, {"types":[...]})', () => {
    assert.ok(run(['dump', KERNEL, '-j']).stdout.startsWith('{"types":[{"id":1,'));
    assert.ok(run(['dump', KERNEL]).stdout.startsWith('[1] '));
  });
});

describe('command-line conventions (item 14)', () => {
  it('bare btfkit prints usage on stderr and exits 2', () => {
    const r = run([]);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Usage: btfkit/);
  });
  it('--format errors list every format', () => {
    const r = run(['dump', KERNEL, '--format', 'xml']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, "btfkit: --format: unknown format 'xml' (raw, json, c)\n");
  });
  it('-f is --force everywhere; dump -f c says to use --format', () => {
    const r = run(['dump', KERNEL, '-f', 'c']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'btfkit: -f is --force; the format is given with --format c\n');
  });
  it('commander\'s own errors carry the same prefix', () => {
    const r = run(['dump', '--no-such-option']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, "btfkit: unknown option '--no-such-option'\n");
  });
  it('-j is --json (info, check, dump); check-module takes --jobs', () => {
    assert.equal((JSON.parse(run(['info', KERNEL, '-j']).stdout) as { file: string }).file, KERNEL);
    assert.equal((JSON.parse(run(['check', KERNEL, '-j']).stdout) as { file: string }).file, KERNEL);
    assert.equal(run(['check-module', OBJ, '--kernel', KERNEL, '--jobs', '1', '-j']).stdout.trimStart()[0], '[');
  });
  it('dump -o writes a file, refuses to overwrite without -f', () => {
    const out = join(dir, 'k.h');
    assert.equal(run(['dump', KERNEL, '--format', 'c', '-o', out]).status, 0);
    assert.match(readFileSync(out, 'utf8'), /^#ifndef __VMLINUX_H__/);
    assert.match(run(['dump', KERNEL, '-o', out]).stderr, /output exists; use --force/);
    assert.equal(run(['dump', KERNEL, '-o', out, '-f']).status, 0);
    assert.ok(readFileSync(out, 'utf8').startsWith('[1] '));
  });
  it('a missing output directory is named', () => {
    const r = run(['dedup', KERNEL, '-o', join(dir, 'nope', 'x.btf')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /output directory .*nope does not exist/);
    assert.doesNotMatch(r.stderr, /\.tmp/);
  });
});
