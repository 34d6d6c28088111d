/**
 * Issue 15, items 4, 8, 9 and 10: every path a command reads is an input no output may
 * replace, a command's outputs are checked and then written as one set, and a signal in
 * the middle leaves no temp file and no half result.
 */

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeOutputs } from '../../src/node/files.js';
import { BtfError } from '../../src/wire/errors.js';
import { fixturePath, REPO_ROOT } from '../helpers.js';

const BIN = join(REPO_ROOT, 'bin', 'btfkit.js');
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'btfkit-writes-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SPLIT_BASE = fixturePath('c-dump', 'split-base.btf');
const SPLIT = fixturePath('c-dump', 'split-one.btf');
const VMLINUX = fixturePath('btf', 'kinds-el.btf');
const tempsIn = (d: string): string[] => readdirSync(d).filter((f) => f.endsWith('.tmp'));

function copy(src: string, name: string): string {
  const p = join(dir, name);
  writeFileSync(p, readFileSync(src));
  return p;
}

describe('inputs are never outputs (item 4)', () => {
  it('sanitize -o BASE --force, where BASE is the -B file, is refused and BASE is kept', () => {
    const base = copy(SPLIT_BASE, 'base.btf');
    const before = readFileSync(base);
    const r = run(['sanitize', SPLIT, '-B', base, '--for', '5.2', '-o', base, '--force']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `btfkit: ${base}: output would overwrite an input (${base})\n`);
    assert.deepEqual(readFileSync(base), before);
  });
  it('merge -o onto its -B base, and min-core -o onto --kernel, are refused', () => {
    const base = copy(SPLIT_BASE, 'base2.btf');
    assert.match(run(['merge', SPLIT, '-B', base, '-o', base, '-f']).stderr, /output would overwrite an input/);
    const kernel = copy(VMLINUX, 'kernel.btf');
    assert.match(run(['min-core', fixturePath('core', 'vmlinux_relocs.o'), '--kernel', kernel, '-o', kernel, '-f']).stderr, /output would overwrite an input/);
  });
  it('the main input says --in-place only where the command has it', () => {
    const f = copy(VMLINUX, 'k.btf');
    assert.match(run(['dedup', f, '-o', f]).stderr, /use --in-place to do that on purpose/);
    assert.doesNotMatch(run(['vmlinux-split', f, '-o', f, '--rest-out', join(dir, 'rest.btf')]).stderr, /in-place/);
  });
});

describe('outputs as one set (item 8)', () => {
  it('vmlinux-split with an existing --rest-out writes neither output', () => {
    const core = join(dir, 'core.btf');
    const rest = join(dir, 'rest-exists.btf');
    writeFileSync(rest, 'keep');
    const r = run(['vmlinux-split', VMLINUX, '--roots', '1', '-o', core, '--rest-out', rest]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /rest-exists\.btf: output exists; use --force/);
    assert.equal(existsSync(core), false);
    assert.equal(readFileSync(rest, 'utf8'), 'keep');
  });
  it('two outputs that are the same file are refused before anything is written', () => {
    const same = join(dir, 'same.btf');
    const r = run(['vmlinux-split', VMLINUX, '--roots', '1', '-o', same, '--rest-out', same]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /two outputs of this command are the same file/);
    assert.equal(existsSync(same), false);
  });
  it('dedup -o and --ext-out on one path are refused', () => {
    const same = join(dir, 'same2.btf');
    assert.match(run(['dedup', fixturePath('btf', 'kinds-el.o'), '-o', same, '--ext-out', same]).stderr, /two outputs of this command are the same file/);
    assert.equal(existsSync(same), false);
  });
  it('a missing output directory is named, not the temp file', async () => {
    await assert.rejects(writeOutputs([{ path: join(dir, 'no', 'such', 'x.btf'), data: new Uint8Array(4) }]), (e: unknown) => e instanceof BtfError && /output directory .*no\/such does not exist/.test(e.message) && !/\.tmp/.test(e.message));
  });
});

describe('signals mid-write (item 9)', () => {
  it('SIGINT while a set is written leaves no temp file and no half set', async () => {
    const out = mkdtempSync(join(dir, 'sig-'));
    const script = join(dir, 'writer.mjs');
    const files = fileURLToPath(new URL('../../src/node/files.js', import.meta.url));
    writeFileSync(
      script,
      `import { writeOutputs } from ${JSON.stringify(files)};\nconst big = new Uint8Array(96 << 20);\nprocess.stdout.write('start\\n');\nawait writeOutputs([{ path: ${JSON.stringify(join(out, 'a.btf'))}, data: big }, { path: ${JSON.stringify(join(out, 'b.btf'))}, data: big }]);\n`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGINT'), 20));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.ok(code === 130 || code === 0, `exit ${code}`);
    assert.deepEqual(tempsIn(out), []);
    const written = ['a.btf', 'b.btf'].filter((f) => existsSync(join(out, f)));
    assert.ok(written.length === 0 || written.length === 2, `half a set: ${written.join(', ')}`);
  });
});

describe('--in-place (item 10)', () => {
  it('dedup --in-place replaces raw BTF; -o with --in-place is a usage error', () => {
    const f = copy(VMLINUX, 'inplace.btf');
    const r = run(['dedup', f, '--in-place', '-q']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(readFileSync(f).length > 0);
    assert.equal(run(['dedup', f, '--in-place', '-o', join(dir, 'x.btf')]).status, 2);
    assert.deepEqual(tempsIn(dir), []);
  });
  it('sanitize --in-place needs raw BTF, not an ELF file', () => {
    const o = copy(fixturePath('btf', 'kinds-el.o'), 'obj.o');
    const before = readFileSync(o);
    const r = run(['sanitize', o, '--for', '5.2', '--in-place']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--in-place needs raw BTF/);
    assert.deepEqual(readFileSync(o), before);
  });
});
