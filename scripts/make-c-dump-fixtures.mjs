#!/usr/bin/env node
// Regenerates the committed fixtures of the C dumper tests (fixtures/c-dump/):
//  - compiles fixtures/c-dump/src/*.c with `clang -target bpf -g -O2 -c` into <name>.o;
//  - builds raw BTF files for what C source cannot express with clang 14 (two types with the
//    same name, ENUM64 of every size, type tags with kind_flag, kfunc decl tags, split BTF
//    of two modules on one base) with btfkit's own builder (run `npx tsc` first);
//  - records Debian's bpftool 7.1 (libbpf 1.1) `btf dump file X format c` of each as
//    <name>.bpftool71.h. bpftool 7.8 differs only in the ways listed in
//    test/format-c/bpftool71.ts, and the tests apply exactly those differences.
//
//   npx tsc -p tsconfig.json && node scripts/make-c-dump-fixtures.mjs
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';

const dir = 'fixtures/c-dump';
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
const bpftool71 = (file, base) => run('bpftool', [...(base ? ['-B', base] : []), 'btf', 'dump', 'file', file, 'format', 'c']);

for (const src of readdirSync(`${dir}/src`).filter((f) => f.endsWith('.c')).sort()) {
  const name = src.slice(0, -2);
  const obj = `${dir}/${name}.o`;
  run('clang', ['-target', 'bpf', '-g', '-O2', '-c', `${dir}/src/${src}`, '-o', obj]);
  writeFileSync(`${dir}/${name}.bpftool71.h`, bpftool71(obj));
}

const { BtfBuilder } = await import('../dist/src/wire/builder.js');
const { Btf } = await import('../dist/src/wire/btf.js');

/** Raw BTF with name conflicts: two `struct conflict`, two `union conflict`, a typedef and an enumerator both called `dup`, enum value names repeated across enums. */
function namesBtf() {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 1);
  const s1 = b.addStruct('conflict', 4, [{ name: 'a', type: int, bitOffset: 0 }]);
  const s2 = b.addStruct('conflict', 8, [{ name: 'a', type: int, bitOffset: 0 }, { name: 'b', type: int, bitOffset: 32 }]);
  const u1 = b.addUnion('conflict', 4, [{ name: 'x', type: int, bitOffset: 0 }]);
  b.addEnum('conflict', 4, [{ name: 'dup', value: 1 }, { name: 'V', value: 2 }]);
  b.addEnum('other', 4, [{ name: 'V', value: 3 }]);
  const td = b.addTypedef('dup', int);
  const td2 = b.addTypedef('dup', s2);
  const ptr = b.addPtr(s1);
  b.addStruct('user', 24, [
    { name: 'p', type: ptr, bitOffset: 0 },
    { name: 'c2', type: s2, bitOffset: 64 },
    { name: 'u', type: u1, bitOffset: 128 },
    { name: 'd', type: td, bitOffset: 160 },
  ]);
  b.addStruct('user2', 8, [{ name: 'd2', type: td2, bitOffset: 0 }]);
  b.addFwd('conflict');
  return b.toBytes();
}

/** Raw BTF with ENUM and ENUM64 of sizes 1, 2, 4, 8, signed and unsigned. */
function enumsBtf() {
  const b = new BtfBuilder();
  b.addInt('long int', 8, 1);
  b.addEnum('e32_1', 1, [{ name: 'A1', value: 1 }]);
  b.addEnum('e32_2', 2, [{ name: 'A2', value: 300 }]);
  b.addEnum('e32_4', 4, [{ name: 'A4', value: -5 }], true);
  b.addEnum('e32_8', 8, [{ name: 'A8', value: 7 }]);
  b.addEnum64('e64_1', 1, [{ name: 'B1', value: 1n }]);
  b.addEnum64('e64_2', 2, [{ name: 'B2', value: 2n }]);
  b.addEnum64('e64_4', 4, [{ name: 'B4', value: 4n }]);
  b.addEnum64('e64_8_small', 8, [{ name: 'B8S', value: 8n }]);
  b.addEnum64('e64_8_big', 8, [{ name: 'B8B', value: 0x123456789n }, { name: 'B8C', value: 1n }]);
  b.addEnum64('e64_8_signed', 8, [{ name: 'B8N', value: -0x100000000n }], true);
  b.addEnum64('e64_8_max', 8, [{ name: 'B8M', value: 0xffffffffffffffffn }]);
  b.addEnum('empty_enum', 4, []);
  return b.toBytes();
}

/** Raw BTF with type tags (plain and kind_flag), and kfunc/fastcall decl tags. */
function tagsBtf() {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 1);
  const v = 0;
  const as1 = b.addTypeTag('address_space(1)', v, true);
  const pas = b.addPtr(as1);
  const user = b.addTypeTag('user', int, false);
  const puser = b.addPtr(user);
  const s = b.addStruct('tagged', 16, [{ name: 'arena', type: pas, bitOffset: 0 }, { name: 'u', type: puser, bitOffset: 64 }]);
  const ps = b.addPtr(s);
  const proto = b.addFuncProto(pas, [{ name: 'p__map', type: ps }, { name: 'cnt', type: int }]);
  const f1 = b.addFunc('bpf_zeta_alloc', proto, 1);
  const proto2 = b.addFuncProto(int, []);
  const f2 = b.addFunc('bpf_alpha', proto2, 1);
  const f3 = b.addFunc('not_a_kfunc', proto2, 1);
  b.addDeclTag('bpf_kfunc', f1, -1);
  b.addDeclTag('bpf_kfunc', f2, -1);
  b.addDeclTag('bpf_fastcall', f2, -1);
  b.addDeclTag('bpf_kfunc', f3, 0);
  return b.toBytes();
}

/** A small base and two modules on it that share base types and each add their own. */
function splitBtfs() {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 1);
  const base = b.addStruct('base_s', 4, [{ name: 'x', type: int, bitOffset: 0 }]);
  const baseBytes = b.toBytes();
  const baseBtf = Btf.parse(baseBytes);
  const mods = ['one', 'two'].map((m) => {
    const mb = new BtfBuilder({ base: baseBtf });
    const pb = mb.addPtr(base);
    mb.addStruct(`mod_${m}`, 16, [{ name: 'b', type: pb, bitOffset: 0 }, { name: 'v', type: int, bitOffset: 64 }]);
    mb.addStruct('shared_name', 4, [{ name: m, type: int, bitOffset: 0 }]);
    mb.addStruct('same_in_both', 8, [{ name: 'p', type: pb, bitOffset: 0 }]);
    return mb.toBytes();
  });
  return { baseBytes, mods };
}

const raw = { names: namesBtf(), enums64: enumsBtf(), tags: tagsBtf() };
for (const [name, bytes] of Object.entries(raw)) {
  writeFileSync(`${dir}/${name}.btf`, bytes);
  writeFileSync(`${dir}/${name}.bpftool71.h`, bpftool71(`${dir}/${name}.btf`));
}
const { baseBytes, mods } = splitBtfs();
writeFileSync(`${dir}/split-base.btf`, baseBytes);
writeFileSync(`${dir}/split-one.btf`, mods[0]);
writeFileSync(`${dir}/split-two.btf`, mods[1]);
writeFileSync(`${dir}/split-one.bpftool71.h`, bpftool71(`${dir}/split-one.btf`, `${dir}/split-base.btf`));
console.log('fixtures/c-dump regenerated');
