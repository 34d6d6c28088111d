#!/usr/bin/env node
/**
 * Builds the small ELF fixtures under fixtures/elf/ that the ELF layer's unit tests read.
 *
 *   node scripts/make-elf-fixtures.mjs
 *
 * Needs clang (with the bpf, x86 and mips targets), llvm-objcopy, readelf, gzip, xz and zstd.
 * Unit tests only read the committed outputs, so they run with Node alone.
 *
 * Outputs (all relocatable objects of one tiny C file):
 *   bpf-el.o, bpf-eb.o     ELF64 BPF, little/big endian, with .BTF and .BTF.ext from clang
 *   i386-el.o              ELF32 little endian, .BTF (from bpf-el.o) attached by llvm-objcopy
 *   mips-eb.o              ELF32 big endian, .BTF (from bpf-eb.o) attached by llvm-objcopy
 *   bpf-el.o.gz/.xz/.zst   compressed copies of bpf-el.o
 *   SHA256SUMS             checksums, so a rebuild shows whether anything changed
 */

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'fixtures', 'elf');

// Small but with the shapes BTF cares about: a struct with a pointer to itself, a nested struct,
// a bitfield, initialised and zero-initialised globals (.data and NOBITS .bss), and a function in
// its own section so .BTF.ext gets func/line info and the object gets a relocation section.
const source = `
struct point { int x; int y; };
struct node { struct node *next; struct point pos; unsigned flags : 3; };
int counter;
int limit = 7;

__attribute__((section("prog"), used))
int handle(struct node *n)
{
	if (!n)
		return 0;
	counter++;
	return n->pos.x + n->pos.y + (int)n->flags + limit;
}
`;

function run(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
}

const work = mkdtempSync(join(tmpdir(), 'btfkit-elf-'));
try {
  writeFileSync(join(work, 'elf-fixture.c'), source);
  // Compiling a relative path with -fdebug-compilation-dir=. keeps the build directory out of
  // DWARF and BTF line info, so the output is the same on every machine with this clang.
  const cc = (target, out, extra = []) =>
    run('clang', [`--target=${target}`, '-g', '-O2', '-fdebug-compilation-dir=.', ...extra, '-c', 'elf-fixture.c', '-o', out], work);

  cc('bpfel', 'bpf-el.o');
  cc('bpfeb', 'bpf-eb.o');
  cc('i386-linux-gnu', 'i386-plain.o', ['-ffreestanding']);
  cc('mips-linux-gnu', 'mips-plain.o', ['-ffreestanding']);

  // The 32-bit objects get the BTF blob of the BPF object with the same byte order, added the way
  // people attach BTF to arbitrary objects.
  run('llvm-objcopy', ['--dump-section', '.BTF=btf-el.bin', 'bpf-el.o', 'scratch-el.o'], work);
  run('llvm-objcopy', ['--dump-section', '.BTF=btf-eb.bin', 'bpf-eb.o', 'scratch-eb.o'], work);
  run('llvm-objcopy', ['--add-section', '.BTF=btf-el.bin', 'i386-plain.o', 'i386-el.o'], work);
  run('llvm-objcopy', ['--add-section', '.BTF=btf-eb.bin', 'mips-plain.o', 'mips-eb.o'], work);

  mkdirSync(outDir, { recursive: true });
  const outputs = ['bpf-el.o', 'bpf-eb.o', 'i386-el.o', 'mips-eb.o'];
  for (const name of outputs) {
    // readelf parses every output once so a broken fixture never reaches the tests.
    run('readelf', ['-S', '-W', name], work);
    writeFileSync(join(outDir, name), readFileSync(join(work, name)));
  }

  const compressed = [
    ['bpf-el.o.gz', 'gzip', ['-9', '-n', '-c', 'bpf-el.o']], // -n: no name or timestamp
    ['bpf-el.o.xz', 'xz', ['-9', '-c', 'bpf-el.o']],
    ['bpf-el.o.zst', 'zstd', ['-19', '-q', '-c', 'bpf-el.o']],
  ];
  for (const [name, tool, args] of compressed) {
    writeFileSync(join(outDir, name), run(tool, args, work));
    outputs.push(name);
  }

  const sums = outputs
    .map((name) => `${createHash('sha256').update(readFileSync(join(outDir, name))).digest('hex')}  ${name}\n`)
    .join('');
  writeFileSync(join(outDir, 'SHA256SUMS'), sums);
  process.stdout.write(sums);
} finally {
  rmSync(work, { recursive: true, force: true });
}
