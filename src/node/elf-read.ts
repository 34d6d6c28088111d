/**
 * Reading a large ELF file for its debug information without holding all of it: a vmlinux with
 * DWARF is 631 MB, of which the encoder needs the section headers, the symbol table and the
 * `.debug_*` sections (~250 MB). The file is read into a buffer of its full size in which only
 * those sections are filled; the rest stays untouched zero pages that the OS never backs with
 * memory, so offsets stay file offsets and the ELF reader works unchanged.
 */

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ET_REL, SHT_STRTAB, SHT_SYMTAB } from '../elf/elf.js';
import { BtfError } from '../wire/errors.js';
import { type Allocate, readInput } from './files.js';

/** Files below this size are simply read whole. */
const SPARSE_THRESHOLD = 64 * 1024 * 1024;
/** Sections the encoder reads besides symbol and string tables (location lists: parameters'
 * registers, consistent_func). Line, frame and relocation sections (vmlinux's .rela.debug_info
 * alone is 270 MB, already applied) are left out. */
const WANTED = /^\.z?debug_(info|abbrev|str|line_str|str_offsets|addr|loclists|loc)$|^\.BTF_ids$/;

/**
 * The ELF file with its debug sections, symbols and `.BTF_ids` loaded; see the file comment.
 * `shared`: in a SharedArrayBuffer, for worker threads (then read section by section, however
 * small). A relocatable object (a module) is always read whole into an ordinary buffer, or
 * where `allocate` says (walk-core.ts walkCoreInput: relocated and walked where it lies): its DWARF
 * needs its `.rela.debug_*` sections and it is rewritten whole.
 */
export async function readElfForDebugInfo(path: string, opts: { shared?: boolean | undefined; allocate?: Allocate | undefined } = {}): Promise<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return readInput(path); // reports the error the usual way
  }
  try {
    const size = fstatSync(fd).size;
    if (size < SPARSE_THRESHOLD && !opts.shared) {
      const allocate = opts.allocate && isRelocatable(fd) ? opts.allocate : undefined;
      closeSync(fd);
      fd = -1;
      return await readInput(path, allocate);
    }
    const bytes = new Uint8Array(opts.shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
    const fill = (off: number, len: number): void => {
      if (off < 0 || len < 0 || off + len > size) throw new BtfError('bad-elf', `section at ${off} (+${len}) lies outside the file`, { file: path, offset: off });
      let done = 0;
      while (done < len) {
        const n = readSync(fd, bytes, off + done, Math.min(len - done, 1 << 26), off + done);
        if (n <= 0) throw new BtfError('truncated', 'file ended while reading', { file: path, offset: off + done });
        done += n;
      }
    };
    fill(0, Math.min(size, 64));
    const view = new DataView(bytes.buffer);
    const type = elfType(bytes);
    if (type === undefined || size < 64) {
      // Not ELF (compressed or raw), or too short for an ELF64 header: read whole, and the
      // ELF reader names what is wrong.
      closeSync(fd);
      fd = -1;
      return await readInput(path);
    }
    const is64 = bytes[4] === 2;
    const le = bytes[5] === 1;
    if (type === ET_REL) {
      // A relocatable object (a module): its DWARF needs its .rela.debug_* sections, and it
      // is rewritten whole. Read all of it.
      closeSync(fd);
      fd = -1;
      return await readInput(path, opts.allocate);
    }
    const shoff = is64 ? Number(view.getBigUint64(0x28, le)) : view.getUint32(0x20, le);
    const shentsize = view.getUint16(is64 ? 0x3a : 0x2e, le);
    const shnum = view.getUint16(is64 ? 0x3c : 0x30, le);
    const phoff = is64 ? Number(view.getBigUint64(0x20, le)) : view.getUint32(0x1c, le);
    const phnum = view.getUint16(is64 ? 0x38 : 0x2c, le);
    const phentsize = view.getUint16(is64 ? 0x36 : 0x2a, le);
    if (phoff > 0) fill(phoff, phnum * phentsize);
    fill(shoff, shnum * shentsize);
    const shstrndx = view.getUint16(is64 ? 0x3e : 0x32, le);
    const sec = (i: number): { name: number; type: number; offset: number; size: number } => {
      const p = shoff + i * shentsize;
      return is64
        ? { name: view.getUint32(p, le), type: view.getUint32(p + 4, le), offset: Number(view.getBigUint64(p + 24, le)), size: Number(view.getBigUint64(p + 32, le)) }
        : { name: view.getUint32(p, le), type: view.getUint32(p + 4, le), offset: view.getUint32(p + 16, le), size: view.getUint32(p + 20, le) };
    };
    const strtab = sec(shstrndx);
    fill(strtab.offset, strtab.size);
    const nameOf = (off: number): string => {
      let end = strtab.offset + off;
      while (end < size && bytes[end] !== 0) end++;
      return Buffer.from(bytes.buffer, strtab.offset + off, end - strtab.offset - off).toString('latin1');
    };
    for (let i = 1; i < shnum; i++) {
      const s = sec(i);
      if (s.size === 0) continue;
      if (s.type === SHT_SYMTAB || s.type === SHT_STRTAB || WANTED.test(nameOf(s.name))) fill(s.offset, s.size);
    }
    return bytes;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Whether the file open at `fd` starts as an ELF relocatable object (ET_REL) does. */
function isRelocatable(fd: number): boolean {
  const head = new Uint8Array(18);
  return readSync(fd, head, 0, head.length, 0) === head.length && elfType(head) === ET_REL;
}

/** e_type of the ELF header at the start of `head` (18 bytes or more); undefined when it is not ELF. */
function elfType(head: Uint8Array): number | undefined {
  if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return undefined;
  return head[5] === 1 ? head[16]! | (head[17]! << 8) : (head[16]! << 8) | head[17]!;
}
