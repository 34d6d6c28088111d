/*
 * The record index of a type section (btf.ts indexTypes), for the cores that read BTF where
 * it was read to: btf-core.c (btf_index) and raw-core.c (raw_index, over vmlinux read into
 * its memory). Included after core.h.
 */
#ifndef BTFKIT_WASM_BTF_INDEX_H
#define BTFKIT_WASM_BTF_INDEX_H

#include "core.h"

/*
 * Word offset of each record of words[0..n_words) into offs (kinds: the kind table, core.h
 * SHAPE_*); the count, or -1 when a record is of a kind without a size or runs past the end
 * (indexTypes says which and where).
 */
static inline i32 index_records(const u8 *kinds, const u32 *words, u32 n_words, u32 *offs) {
  u32 count = 0;
  u32 w = 0;
  while (w < n_words) {
    if (n_words - w < 3) return -1;
    u32 info = words[w + 1];
    const u8 *s = kinds + info_kind(info) * SHAPE_BYTES;
    if (!(s[0] & SHAPE_SIZED)) return -1;
    u64 size = 3 + (u64)s[1] + (u64)info_vlen(info) * s[2];
    if (size > n_words - w) return -1;
    offs[count++] = w;
    w += (u32)size;
  }
  return (i32)count;
}

#endif
