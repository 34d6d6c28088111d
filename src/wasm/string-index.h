/*
 * The base string index (strings.ts BaseStringIndex, indexStringsJs): each string start of a
 * string table by its FNV-1a hash, open addressing, the first occurrence of a string winning
 * as libbpf's btf__find_str. For btf-core.c (btf_index_strings, BaseStringIndex's table) and
 * walk-core.c (the encode's own copy of the base's strings). Included after core.h.
 */
#ifndef BTFKIT_WASM_STRING_INDEX_H
#define BTFKIT_WASM_STRING_INDEX_H

#include "core.h"

/* FNV-1a over n bytes (strings.ts hashBytes). */
static inline u32 fnv1a(const u8 *b, u32 n) {
  u32 h = 0x811c9dc5u;
  for (u32 i = 0; i < n; i++) h = (h ^ b[i]) * 0x01000193u;
  return h;
}

/* NULs in all[from..to): how many strings a table ending with a NUL holds. */
static inline u32 count_nuls_in(const u8 *all, u32 from, u32 to) {
  u32 n = 0;
  for (u32 i = from; i < to; i++) n += all[i] == 0;
  return n;
}

/*
 * The string of all[0..total) at `start` into the index (slots: offset + 1, 0 empty; hashes:
 * its hash; mask + 1 slots, zeroed at first) unless an earlier string has its bytes; where the
 * next string starts.
 */
static inline u32 index_string_at(const u8 *all, u32 total, u32 start, u32 *slots, u32 *hashes, u32 mask) {
  u32 end = start;
  while (end < total && all[end]) end++;
  u32 h = fnv1a(all + start, end - start);
  u32 i = h & mask;
  for (; slots[i]; i = (i + 1) & mask) {
    if (hashes[i] != h) continue;
    u32 a = slots[i] - 1, b = start;
    while (b < end && a < total && all[a] == all[b]) {
      a++;
      b++;
    }
    if (b == end && (a == total || all[a] == 0)) return end + 1; /* the same bytes, NUL included */
  }
  slots[i] = start + 1;
  hashes[i] = h;
  return end + 1;
}

#endif
