#!/usr/bin/env node
// DWARF → BTF encoder fixtures: fixtures/dwarf/src/*.c compiled with gcc and clang (DWARF 4
// and 5, zlib- and zstd-compressed debug sections, relocatable objects, a two-unit `ld -r`
// object, big-endian s390x and bpfeb, arm64), each beside the BTF that pahole 1.24 encodes
// from it (`pahole -J --btf_gen_floats --btf_encode_detached`): the unit tests require
// btfkit's output to be byte-identical. Needs gcc, clang, ld, objcopy, pahole (dwarves 1.24).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'fixtures/dwarf/src');
const out = join(root, 'fixtures/dwarf');
mkdirSync(out, { recursive: true });
const sh = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });

const types = join(src, 'types.c');
const second = join(src, 'second.c');
// name → how to build it (into `o`)
const variants = {
  'gcc-dwarf5': (o) => sh('gcc', ['-g', '-O2', '-c', types, '-o', o]),
  'gcc-dwarf4': (o) => sh('gcc', ['-gdwarf-4', '-O2', '-c', types, '-o', o]),
  'gcc-O0': (o) => sh('gcc', ['-g', '-O0', '-c', types, '-o', o]),
  'gcc-zlib': (o) => sh('gcc', ['-g', '-gz=zlib', '-O2', '-c', types, '-o', o]),
  // Debian's libdw cannot read zstd sections: pahole gets the same object uncompressed.
  'gcc-zstd': (o) => {
    sh('gcc', ['-g', '-O2', '-c', types, '-o', `${o}.plain.o`]);
    sh('objcopy', ['--compress-debug-sections=zstd', `${o}.plain.o`, o]);
    return `${o}.plain.o`;
  },
  'gcc-two-units': (o) => {
    sh('gcc', ['-g', '-O2', '-c', types, '-o', `${o}.a.o`]);
    sh('gcc', ['-g', '-O2', '-c', second, '-o', `${o}.b.o`]);
    sh('ld', ['-r', `${o}.a.o`, `${o}.b.o`, '-o', o]);
    rmSync(`${o}.a.o`);
    rmSync(`${o}.b.o`);
  },
  // Linked (ET_DYN): relocations already applied, as in vmlinux; also the input of --jobs tests.
  'gcc-linked': (o) => sh('gcc', ['-g', '-O2', '-shared', '-fPIC', '-nostdlib', types, second, '-o', o]),
  'clang-dwarf5': (o) => sh('clang', ['-g', '-O2', '-c', types, '-o', o]),
  'clang-dwarf4': (o) => sh('clang', ['-gdwarf-4', '-O2', '-c', types, '-o', o]),
  'clang-s390x': (o) => sh('clang', ['--target=s390x-linux-gnu', '-g', '-O2', '-c', types, '-o', o]),
  'clang-aarch64': (o) => sh('clang', ['--target=aarch64-linux-gnu', '-g', '-O2', '-c', types, '-o', o]),
  // kfunc sets in .BTF_ids (pahole 1.24 predates decl_tag_kfuncs: its BTF has no tags).
  'gcc-kfuncs': (o) => sh('gcc', ['-g', '-O2', '-c', join(src, 'kfuncs.c'), '-o', o]),
  // btf_decl_tag / btf_type_tag annotations (clang only).
  'clang-annotations': (o) => sh('clang', ['-g', '-O2', '-c', join(src, 'annotations.c'), '-o', o]),
  'clang-bpfeb': (o) => sh('clang', ['-target', 'bpfeb', '-g', '-O2', '-c', types, '-o', o]),
};

for (const [name, build] of Object.entries(variants)) {
  const obj = join(out, `${name}.o`);
  const paholeInput = build(obj) ?? obj;
  sh('pahole', ['-J', '--btf_gen_floats', '--btf_encode_detached', join(out, `${name}.pahole.btf`), paholeInput]);
  if (paholeInput !== obj) rmSync(paholeInput);
  console.log(`fixtures/dwarf/${name}.o + ${name}.pahole.btf`);
}

// Split BTF: the two-unit object on the single-unit one's BTF as base (types fold into it).
sh('pahole', ['-J', '--btf_gen_floats', '--btf_base', join(out, 'gcc-dwarf5.pahole.btf'), '--btf_encode_detached', join(out, 'gcc-two-units.split.pahole.btf'), join(out, 'gcc-two-units.o')]);
console.log('fixtures/dwarf/gcc-two-units.split.pahole.btf');
