#!/usr/bin/env node
// Regenerates the small committed fixtures under fixtures/btf/ from fixtures/src/*.c and
// records what the peers print for them, so unit tests compare against bpftool with Node
// alone. Needs clang (BPF target) and bpftool (Debian packages clang, bpftool).
//
//   node scripts/make-fixtures.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

const out = 'fixtures/btf';
mkdirSync(out, { recursive: true });
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });

for (const src of ['kinds']) {
  for (const [suffix, target] of [['el', 'bpfel'], ['eb', 'bpfeb']]) {
    const obj = `${out}/${src}-${suffix}.o`;
    run('clang', ['-target', target, '-g', '-O2', '-c', `fixtures/src/${src}.c`, '-o', obj]);
    // The raw .BTF section too, so raw-file reading is tested on the same types.
    run('llvm-objcopy', ['--dump-section', `.BTF=${out}/${src}-${suffix}.btf`, obj, '/dev/null']);
    writeFileSync(`${out}/${src}-${suffix}.raw.txt`, run('bpftool', ['btf', 'dump', 'file', obj, 'format', 'raw']));
    writeFileSync(`${out}/${src}-${suffix}.json`, run('bpftool', ['-j', 'btf', 'dump', 'file', obj, 'format', 'raw']));
  }
}

// Split BTF made by pahole from a kernel-module-like object on the kinds object's BTF is
// not possible without DWARF of a kernel, so split fixtures are built in the tests from
// bytes; see test/wire/split.test.ts.
