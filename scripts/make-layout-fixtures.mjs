#!/usr/bin/env node
// Regenerates the committed fixtures of the layout tests (fixtures/layout/):
//  - compiles fixtures/layout/src/layouts.c with `clang -target bpf -g -O2 -c` and keeps its
//    .BTF section as layouts.btf (raw BTF);
//  - builds dups.btf with btfkit's builder (run `npx tsc` first): structs sharing a name,
//    some with pahole's "same shape" (skipped) and some not, a declaration, a split module
//    (dups-split.btf on dups.btf) whose types pahole prints after the base's;
//  - records Debian's pahole (dwarves 1.24) `pahole -F btf` of each as <name>.pahole.txt, and
//    `-C` selections as <name>.C.pahole.txt.
//
//   npx tsc -p tsconfig.json && node scripts/make-layout-fixtures.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = 'fixtures/layout';
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
const pahole = (file, ...args) => run('pahole', ['-F', 'btf', ...args, file]);

const tmp = mkdtempSync(join(tmpdir(), 'btfkit-layout-'));
run('clang', ['-target', 'bpf', '-g', '-O2', '-c', `${dir}/src/layouts.c`, '-o', `${tmp}/layouts.o`]);
run('llvm-objcopy', [`--dump-section=.BTF=${dir}/layouts.btf`, `${tmp}/layouts.o`]);
rmSync(tmp, { recursive: true });

const { BtfBuilder } = await import('../dist/src/wire/builder.js');

const b = new BtfBuilder();
const int = b.addInt('int', 4, 1);
const long = b.addInt('long', 8, 1);
const dupA = b.addStruct('dup', 8, [{ name: 'a', type: int, bitOffset: 0 }, { name: 'b', type: int, bitOffset: 32 }]);
b.addStruct('dup', 8, [{ name: 'a', type: int, bitOffset: 0 }, { name: 'b', type: b.addTypedef('myint', int), bitOffset: 32 }]);
b.addStruct('dup', 16, [{ name: 'a', type: int, bitOffset: 0 }, { name: 'b', type: long, bitOffset: 64 }]);
b.addFwd('declared_only');
b.addUnion('dup', 8, [{ name: 'x', type: long, bitOffset: 0 }]);
b.addStruct('holder', 24, [{ name: 'd', type: dupA, bitOffset: 0 }, { name: 'p', type: b.addPtr(dupA), bitOffset: 64 }, { name: 'l', type: long, bitOffset: 128 }]);
const base = b.build();
writeFileSync(`${dir}/dups.btf`, b.toBytes());

const s = new BtfBuilder({ base });
s.addStruct('module_only', 16, [{ name: 'h', type: dupA, bitOffset: 0 }, { name: 'n', type: int, bitOffset: 64 }]);
s.addStruct('dup', 8, [{ name: 'a', type: int, bitOffset: 0 }, { name: 'b', type: int, bitOffset: 32 }]);
writeFileSync(`${dir}/dups-split.btf`, s.toBytes());

writeFileSync(`${dir}/layouts.pahole.txt`, pahole(`${dir}/layouts.btf`));
writeFileSync(`${dir}/layouts.C.pahole.txt`, pahole(`${dir}/layouts.btf`, '-C', 'nested,bits,packed,top,aligned,bits'));
writeFileSync(`${dir}/dups.pahole.txt`, pahole(`${dir}/dups.btf`));
writeFileSync(`${dir}/dups.C.pahole.txt`, pahole(`${dir}/dups.btf`, '-C', 'dup'));
writeFileSync(`${dir}/dups-split.pahole.txt`, pahole(`${dir}/dups-split.btf`, '--btf_base', `${dir}/dups.btf`));
