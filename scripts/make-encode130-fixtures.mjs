#!/usr/bin/env node
// Encoder fixtures for the features pahole 1.24 does not have (optimized_func, consistent_func
// with its register rule, functions sorted at the end, kfunc tags): every object of
// make-dwarf-fixtures.mjs with pahole 1.30's BTF for the default features
// (NAME.pahole130.btf), and fixtures/dwarf/src/clones.c compiled by
// gcc -O2 (an .isra and a .constprop clone, an optimized-out parameter, floating point and
// struct-by-value parameters), beside the BTF pahole 1.30 encodes from it with three feature
// sets (`pahole -J -j1 --btf_features=... --btf_encode_detached`). The unit tests require
// btfkit's output to be byte-identical (and, as for every fixture object, to pahole 1.24's
// gcc-clones.pahole.btf). Needs gcc, pahole (dwarves 1.24) and pahole 1.30: scripts/fetch-pahole-trixie.sh
// (or PAHOLE_130=/path/to/pahole).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'fixtures/dwarf');
const pahole = process.env.PAHOLE_130 ?? join(homedir(), '.cache/btf-corpus/pahole-1.30/pahole');
const sh = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });

const version = execFileSync(pahole, ['--version'], { encoding: 'utf8' }).trim();
if (version !== 'v1.30') throw new Error(`${pahole} is ${version}, not v1.30`);

const obj = join(out, 'gcc-clones.o');
sh('gcc', ['-g', '-O2', '-c', join(out, 'src/clones.c'), '-o', obj]);
// feature set name (file suffix) → pahole --btf_features
const sets = {
  default: 'default',
  consistent: 'var,float,enum64,consistent_func',
  optimized: 'var,float,enum64,optimized_func',
};
// Like every fixture object, also with pahole 1.24's BTF (encode-fixtures.test.ts).
sh('pahole', ['-J', '--btf_gen_floats', '--btf_encode_detached', join(out, 'gcc-clones.pahole.btf'), obj]);
for (const [name, features] of Object.entries(sets)) {
  const btf = join(out, `gcc-clones.${name}.pahole130.btf`);
  rmSync(btf, { force: true }); // pahole 1.30 does not truncate an existing output file
  sh(pahole, ['-J', '-j1', `--btf_features=${features}`, '--btf_encode_detached', btf, obj]);
  console.log(`fixtures/dwarf/gcc-clones.${name}.pahole130.btf`);
}

// The objects of make-dwarf-fixtures.mjs with the default features (all but the zstd one,
// which Debian's libdw cannot read, and the BPF one, whose variables libdw leaves unrelocated).
const others = ['gcc-dwarf4', 'gcc-dwarf5', 'gcc-O0', 'gcc-zlib', 'gcc-two-units', 'gcc-linked', 'clang-dwarf4', 'clang-dwarf5', 'clang-aarch64', 'clang-s390x', 'gcc-kfuncs', 'clang-annotations'];
for (const name of others) {
  const btf = join(out, `${name}.pahole130.btf`);
  rmSync(btf, { force: true });
  sh(pahole, ['-J', '-j1', '--btf_features=default', '--btf_encode_detached', btf, join(out, `${name}.o`)]);
  console.log(`fixtures/dwarf/${name}.pahole130.btf`);
}
