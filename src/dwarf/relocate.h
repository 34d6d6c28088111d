/*
 * The `.rela.debug_*` records of a relocatable ELF64 little-endian object (x86-64 and arm64
 * modules: absolute 32- and 64-bit relocations) applied to a copy of the section, as
 * sections.ts applyRelocations does: the `relocate` export of reloc-core.c and of walk-core.c
 * (which relocates a module read into its own memory, where it then walks it). A module's
 * .debug_info has ~300k such records, which the JavaScript loop read and applied cold.
 * sections.ts stays the path for every other file and relocation type, and for a record this
 * one does not take (it writes nothing then): an unknown type, a symbol past the table, a
 * place outside the section. Included after core.h.
 */
#ifndef BTFKIT_DWARF_RELOCATE_H
#define BTFKIT_DWARF_RELOCATE_H

#include "../wasm/core.h"

/* ELF fields are little-endian here, as WebAssembly is; loads and stores at any alignment. */
static u64 rela_rd64(const u8 *p) {
  u64 v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

static void rela_wr32(u8 *p, u32 v) { __builtin_memcpy(p, &v, 4); }

/* Width in bytes of an absolute relocation of `machine` (S + A stored), 0 for R_*_NONE, -1 unknown. */
static int rela_width_of(u32 machine, u32 type) {
  if (type == 0) return 0;
  if (machine == 62) return type == 1 ? 8 : type == 10 || type == 11 ? 4 : -1;      /* x86-64: 64, 32, 32S */
  if (machine == 183) return type == 257 ? 8 : type == 258 ? 4 : -1;                 /* aarch64: ABS64, ABS32 */
  return -1;
}

/* Records per call of rela_check/rela_apply (see there). */
#define RELA_CHUNK 4096

/*
 * Records [from, to) checked: 0 when this code takes every one (a known type, a symbol in the
 * table, a place inside the section). A chunk per call: V8 runs a function's optimized code
 * from its next call on, so one loop over a module's ~300k records ran unoptimized throughout.
 */
static __attribute__((noinline)) u32 rela_check(const u8 *rela, u32 from, u32 to, u32 len, u32 n_symbols, u32 machine) {
  for (u32 i = from; i < to; i++) {
    const u8 *r = rela + 24 * i;
    u64 offset = rela_rd64(r);
    u64 info = rela_rd64(r + 8);
    int width = rela_width_of(machine, (u32)info);
    if (width < 0 || (u32)(info >> 32) >= n_symbols || offset + (u64)(width > 0 ? width : 0) > len) return 1;
  }
  return 0;
}

/* Records [from, to) applied (checked before). */
static __attribute__((noinline)) void rela_apply(u8 *bytes, const u8 *rela, u32 from, u32 to, const u8 *symtab, u32 machine) {
  for (u32 i = from; i < to; i++) {
    const u8 *r = rela + 24 * i;
    u64 info = rela_rd64(r + 8);
    int width = rela_width_of(machine, (u32)info);
    if (width == 0) continue;
    u64 value = rela_rd64(symtab + 24 * (u32)(info >> 32) + 8) + rela_rd64(r + 16);
    u8 *at = bytes + (u32)rela_rd64(r);
    rela_wr32(at, (u32)value);
    if (width == 8) rela_wr32(at + 4, (u32)(value >> 32));
  }
}

/*
 * Apply the `rela_len / 24` records at `rela` to `bytes` (`len` bytes), symbol values from the
 * ELF64 symbol table at `symtab` (`symtab_len` bytes). Returns 0 when applied, 1 (nothing
 * written) when a record is not one this code takes.
 */
__attribute__((export_name("relocate"))) u32 relocate(u8 *bytes, u32 len, const u8 *rela, u32 rela_len, const u8 *symtab, u32 symtab_len, u32 machine) {
  u32 n = rela_len / 24;
  u32 n_symbols = symtab_len / 24;
  for (u32 from = 0; from < n; from += RELA_CHUNK) {
    if (rela_check(rela, from, from + RELA_CHUNK < n ? from + RELA_CHUNK : n, len, n_symbols, machine)) return 1;
  }
  for (u32 from = 0; from < n; from += RELA_CHUNK) rela_apply(bytes, rela, from, from + RELA_CHUNK < n ? from + RELA_CHUNK : n, symtab, machine);
  return 0;
}

#endif
