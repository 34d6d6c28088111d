/*
 * The `.rela.debug_*` records of a relocatable ELF64 little-endian object (x86-64 and arm64
 * modules: absolute 32- and 64-bit relocations) applied to a copy of the section, as
 * sections.ts applyRelocations does, compiled to WebAssembly by scripts/build-wasm.mjs. A
 * module's .debug_info has ~300k such records, which the JavaScript loop read and applied
 * cold. sections.ts stays the path for every other file and relocation type, and for a
 * record this one does not take (it writes nothing then): an unknown type, a symbol past the
 * table, a place outside the section.
 *
 * No libc: the caller lays out the section, the records and the symbol table above
 * heap_base() and passes their addresses.
 */

#include "../wasm/core.h"

/* WebAssembly is little-endian and loads and stores at any alignment. */
static u64 rd64(const u8 *p) {
  u64 v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

static void wr32(u8 *p, u32 v) { __builtin_memcpy(p, &v, 4); }

/* Width in bytes of an absolute relocation of `machine` (S + A stored), 0 for R_*_NONE, -1 unknown. */
static int width_of(u32 machine, u32 type) {
  if (type == 0) return 0;
  if (machine == 62) return type == 1 ? 8 : type == 10 || type == 11 ? 4 : -1;      /* x86-64: 64, 32, 32S */
  if (machine == 183) return type == 257 ? 8 : type == 258 ? 4 : -1;                 /* aarch64: ABS64, ABS32 */
  return -1;
}

/*
 * Apply the `rela_len / 24` records at `rela` to `bytes` (`len` bytes), symbol values from the
 * ELF64 symbol table at `symtab` (`symtab_len` bytes). Returns 0 when applied, 1 (nothing
 * written) when a record is not one this core takes.
 */
__attribute__((export_name("relocate"))) u32 relocate(u8 *bytes, u32 len, const u8 *rela, u32 rela_len, const u8 *symtab, u32 symtab_len, u32 machine) {
  u32 n = rela_len / 24;
  u32 n_symbols = symtab_len / 24;
  for (u32 pass = 0; pass < 2; pass++) {
    for (u32 i = 0; i < n; i++) {
      const u8 *r = rela + 24 * i;
      u64 offset = rd64(r);
      u64 info = rd64(r + 8);
      u32 type = (u32)info;
      u32 sym = (u32)(info >> 32);
      int width = width_of(machine, type);
      if (pass == 0) {
        if (width < 0 || sym >= n_symbols || offset + (u64)(width > 0 ? width : 0) > len) return 1;
        continue;
      }
      if (width == 0) continue;
      u64 value = rd64(symtab + 24 * sym + 8) + rd64(r + 16);
      u8 *at = bytes + (u32)offset;
      wr32(at, (u32)value);
      if (width == 8) wr32(at + 4, (u32)(value >> 32));
    }
  }
  return 0;
}
