#!/usr/bin/env node
// Builds the CO-RE test objects in fixtures/core/ from fixtures/core/src/*.c with clang
// (-target bpf(el|eb) -g -O2), then turns the TYPE_EXISTS records whose local type is named
// `*___tm` into TYPE_MATCHES (kind 12): clang 14 has no __builtin_preserve_type_info kind 2,
// and both kinds produce the same instruction (1 or 0). Re-run: `node scripts/make-core-fixtures.mjs`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = 'fixtures/core';
const builds = [
  ['vmlinux_relocs.c', 'vmlinux_relocs.o', 'bpfel'],
  ['vmlinux_relocs.c', 'vmlinux_relocs-eb.o', 'bpfeb'],
  ['module_relocs.c', 'module_relocs.o', 'bpfel'],
];

function sections(buf) {
  const le = buf[5] === 1;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u16 = (o) => dv.getUint16(o, le);
  const u32 = (o) => dv.getUint32(o, le);
  const u64 = (o) => Number(dv.getBigUint64(o, le));
  const shoff = u64(0x28);
  const shentsize = u16(0x3a);
  const shnum = u16(0x3c);
  const shstrndx = u16(0x3e);
  const sh = (i) => ({ name: u32(shoff + i * shentsize), off: u64(shoff + i * shentsize + 0x18), size: u64(shoff + i * shentsize + 0x20) });
  const strtab = sh(shstrndx);
  const name = (o) => {
    let e = strtab.off + o;
    while (buf[e] !== 0) e++;
    return buf.subarray(strtab.off + o, e).toString('latin1');
  };
  const out = new Map();
  for (let i = 0; i < shnum; i++) {
    const s = sh(i);
    out.set(name(s.name), s);
  }
  return { out, le, dv };
}

function patchTypeMatches(path) {
  const buf = readFileSync(path);
  const { out, le, dv } = sections(buf);
  const btf = out.get('.BTF');
  const ext = out.get('.BTF.ext');
  const u32 = (o) => dv.getUint32(o, le);
  // .BTF: find type names by id.
  const hdr = btf.off;
  const hdrLen = u32(hdr + 4);
  const typeOff = hdr + hdrLen + u32(hdr + 8);
  const typeLen = u32(hdr + 12);
  const strOff = hdr + hdrLen + u32(hdr + 16);
  const elem = { 1: [4, 0], 3: [12, 0], 4: [0, 12], 5: [0, 12], 6: [0, 8], 13: [0, 8], 14: [4, 0], 15: [0, 12], 17: [4, 0], 19: [0, 12] };
  const names = [''];
  for (let p = typeOff; p < typeOff + typeLen; ) {
    const nameOff = u32(p);
    const info = u32(p + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    let e = strOff + nameOff;
    while (buf[e] !== 0) e++;
    names.push(buf.subarray(strOff + nameOff, e).toString('latin1'));
    const [infoSz, elemSz] = elem[kind] ?? [0, 0];
    p += 12 + infoSz + vlen * elemSz;
  }
  const eh = ext.off;
  const extHdrLen = u32(eh + 4);
  const coreOff = eh + extHdrLen + u32(eh + 24);
  const coreLen = u32(eh + 28);
  const recSize = u32(coreOff);
  let patched = 0;
  for (let p = coreOff + 4; p < coreOff + coreLen; ) {
    const num = u32(p + 4);
    p += 8;
    for (let i = 0; i < num; i++, p += recSize) {
      const typeId = u32(p + 4);
      const kind = u32(p + 12);
      if (kind === 8 && names[typeId]?.endsWith('___tm')) {
        dv.setUint32(p + 12, 12, le);
        patched++;
      }
    }
  }
  writeFileSync(path, buf);
  return patched;
}

for (const [src, obj, target] of builds) {
  const out = join(dir, obj);
  execFileSync('clang', ['-target', target, '-g', '-O2', '-c', join(dir, 'src', src), '-o', out], { stdio: 'inherit' });
  const n = patchTypeMatches(out);
  console.log(`${out}: ${n} TYPE_EXISTS record(s) turned into TYPE_MATCHES`);
}

// The oracle for the unit tests: what bpftool gen min_core_btf keeps of the committed
// vmlinux-7.1 BTF for both objects, as bpftool's raw text.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
if (spawnSync('sh', ['-c', 'command -v bpftool'], { stdio: 'ignore' }).status === 0) {
  const tmp = mkdtempSync(join(tmpdir(), 'core-fx-'));
  try {
    const vm = join(tmp, 'vmlinux-7.1.btf');
    writeFileSync(vm, gunzipSync(readFileSync('fixtures/third-party/vmlinux-7.1.btf.gz')));
    const min = join(tmp, 'min.btf');
    execFileSync('bpftool', ['gen', 'min_core_btf', vm, min, join(dir, 'vmlinux_relocs.o'), join(dir, 'module_relocs.o')]);
    const raw = execFileSync('bpftool', ['btf', 'dump', 'file', min, 'format', 'raw'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'min-core-vmlinux-7.1.raw.txt'), raw);
    console.log(`${join(dir, 'min-core-vmlinux-7.1.raw.txt')}: bpftool gen min_core_btf oracle`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  console.log('bpftool not found: min-core oracle not regenerated');
}
