/**
 * The one-declaration API (emitTypeDecl / emitTypeDefinition) other features reuse, the
 * dumper's C details on the clang-built fixtures, and the `dump --format c` command.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CDumper, emitTypeDecl, emitTypeDefinition, formatVmlinuxH } from '../../src/format/c/index.js';
import { Btf } from '../../src/wire/btf.js';
import { BtfBuilder } from '../../src/wire/builder.js';
import { fixturePath, REPO_ROOT } from '../helpers.js';
import { loadFixture } from './util.js';

const byName = (btf: ReturnType<typeof loadFixture>, name: string): number => {
  const id = btf.findByName(name)[0];
  assert.ok(id !== undefined, name);
  return id;
};

describe('emitTypeDecl / emitTypeDefinition', () => {
  it('declares fields of pointer, function pointer and array types the way libbpf does', () => {
    const btf = loadFixture('funcs.o');
    assert.equal(emitTypeDecl(btf, byName(btf, 'cmp_fn'), { fieldName: 'f' }), 'cmp_fn f');
    const getter = btf.sizeOrType(byName(btf, 'getter_t'));
    assert.equal(emitTypeDecl(btf, getter, { fieldName: 'g' }), 'int (* (*g)(int))(long)');
    assert.equal(emitTypeDecl(btf, getter), 'int (* (*)(int))(long)');
    const ops = byName(btf, 'ops');
    assert.equal(emitTypeDecl(btf, ops), 'struct ops');
  });

  it('gives one definition without its dependencies', () => {
    const btf = loadFixture('ordering.o');
    assert.equal(emitTypeDefinition(btf, byName(btf, 'tree')), 'struct tree {\n\tstruct node *root;\n\tstruct list_head lru;\n}');
    assert.equal(emitTypeDefinition(btf, byName(btf, 'session_t')), 'typedef struct session session_t');
    const anon = loadFixture('anon.o');
    assert.match(emitTypeDefinition(anon, byName(anon, 'anon_typedef_t')), /^typedef struct \{\n\tint a;\n\tstruct \{\n\t\tint b;\n\t\} inner;\n\} anon_typedef_t$/);
  });

  it('a dumper writes each type once across dumpType calls', () => {
    const btf = loadFixture('ordering.o');
    const d = new CDumper(btf);
    d.dumpType(byName(btf, 'tree'));
    const first = d.take();
    assert.equal(first, 'struct node;\n\nstruct list_head {\n\tstruct list_head *next;\n\tstruct list_head *prev;\n};\n\nstruct tree {\n\tstruct node *root;\n\tstruct list_head lru;\n};\n\n');
    d.dumpType(byName(btf, 'tree'));
    d.dumpType(byName(btf, 'list_head'));
    assert.equal(d.take(), '');
  });
});

describe('C details', () => {
  it('orders a pointer cycle with a forward declaration and embeds after the full definition', () => {
    const out = formatVmlinuxH(loadFixture('ordering.o'), { sorted: false });
    const fwdA = out.indexOf('struct a;\n');
    const defB = out.indexOf('struct b {');
    const defA = out.indexOf('struct a {');
    assert.ok(fwdA >= 0 && fwdA < defB && defB < defA, 'struct a; → struct b {…} → struct a {…}');
    assert.ok(out.indexOf('struct list_head {') < out.indexOf('struct tree {'));
  });

  it('writes holes and bitfield gaps as padding members and marks packed structs', () => {
    const out = formatVmlinuxH(loadFixture('bitfields.o'), { sorted: false });
    assert.ok(out.includes('\tunsigned int b: 5;\n\tshort: 8;\n\tunsigned int c: 12;\n\tlong: 36;\n\tunsigned long long d: 40;\n'));
    assert.ok(out.includes('struct aligned16 {\n\tint x;\n\tlong: 64;\n};'), 'tail padding keeps the 16-byte size');
    assert.ok(out.includes('\tshort s;\n} __attribute__((packed));'));
    assert.ok(!/union u_bits \{[^}]*\} __attribute__/.test(out), 'unions never get packed');
  });

  it('writes an anonymous enum that only a function type returns on its own too, as libbpf does (a return type is no reference there)', () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, 1);
    const ret = b.addEnum('', 4, [{ name: 'RET_A', value: 1 }]);
    b.addTypedef('handler_t', b.addPtr(b.addFuncProto(ret, [{ name: 'x', type: int }])));
    const out = formatVmlinuxH(Btf.parse(b.toBytes()), { sorted: false });
    // bpftool 7.1 (`btf dump file F format c`) on these bytes prints this body.
    assert.ok(out.includes('#endif\n\nenum {\n\tRET_A = 1,\n};\n\ntypedef enum {\n\tRET_A___2 = 1,\n} (*handler_t)(int x);\n\n'), out);
  });
});

describe('btfkit dump --format c', () => {
  const bin = join(REPO_ROOT, 'bin', 'btfkit.js');
  const run = (args: string[]): { stdout: string; stderr: string; status: number | null } => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

  it('prints the header for a file, sorted by default and in id order with --unsorted', () => {
    const file = fixturePath('c-dump', 'names.btf');
    const sorted = run(['dump', file, '--format', 'c']);
    assert.equal(sorted.status, 0, sorted.stderr);
    assert.equal(sorted.stdout, formatVmlinuxH(loadFixture('names.btf')));
    const unsorted = run(['dump', file, '--format', 'c', '--unsorted']);
    assert.equal(unsorted.stdout, formatVmlinuxH(loadFixture('names.btf'), { sorted: false }));
    assert.notEqual(sorted.stdout, unsorted.stdout);
  });

  it('--root takes names and ids; a missing one is a usage error', () => {
    const file = fixturePath('c-dump', 'tags.btf');
    const r = run(['dump', file, '--format', 'c', '--root', 'tagged']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes('struct tagged {') && !r.stdout.includes('BPF kfuncs'));
    const bad = run(['dump', file, '--format', 'c', '--root', 'no_such_type']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /no type named 'no_such_type'/);
  });

  it('several modules on one base: one header, base types once', () => {
    const base = fixturePath('c-dump', 'split-base.btf');
    const r = run(['dump', '--base', base, fixturePath('c-dump', 'split-one.btf'), fixturePath('c-dump', 'split-two.btf'), '--format', 'c']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('struct base_s {').length - 1, 1);
    assert.ok(r.stdout.includes('struct mod_one {') && r.stdout.includes('struct mod_two {'));
    assert.ok(r.stdout.includes('struct shared_name___2 {'));
    assert.equal(r.stdout.split('struct same_in_both {').length - 1, 1, 'a type both modules carry is written once');
  });
});
