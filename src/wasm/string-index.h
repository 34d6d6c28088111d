/*
 * The base string index (strings.ts BaseStringIndex, indexStringsJs): each string start of a
 * string table by its string_hash, open addressing, the first occurrence of a string winning
 * as libbpf's btf__find_str. For btf-core.c (btf_index_strings, BaseStringIndex's table) and
 * walk-core.c (the encode's own copy of the base's strings). Included after core.h.
 */
#ifndef BTFKIT_WASM_STRING_INDEX_H
#define BTFKIT_WASM_STRING_INDEX_H

#include "core.h"

/* Four bytes at p, little-endian (wasm32's order; any alignment). */
static inline __attribute__((always_inline)) u32 load_le32(const u8 *p) {
  u32 v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

/*
 * The string hash (strings.ts hashBytes) of n bytes: four bytes a step (a little-endian word,
 * the last zero-padded), then the length and murmur3's finalizer. A byte at a step was
 * FNV-1a's, and hashing vmlinux's 101k base strings (2.3 MB) that way was most of indexing
 * them in a one-shot encode, where V8 runs the core unoptimized.
 */
static inline u32 string_hash_step(u32 h, u32 w) { return ((h << 5 | h >> 27) ^ w) * 0x9e3779b1u; }

static inline u32 string_hash_final(u32 h, u32 n) {
  h ^= n;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

static inline u32 string_hash(const u8 *b, u32 n) {
  u32 h = 0x811c9dc5u, i = 0;
  for (; i + 4 <= n; i += 4) h = string_hash_step(h, load_le32(b + i));
  if (i < n) {
    u32 w = 0;
    for (u32 k = 0; i + k < n; k++) w |= (u32)b[i + k] << (8 * k);
    h = string_hash_step(h, w);
  }
  return string_hash_final(h, n);
}

/* A word's zero bytes, as 0x80 in each (exact: no borrow between bytes). */
static inline u32 zero_bytes(u32 v) { return ~(((v & 0x7f7f7f7fu) + 0x7f7f7f7fu) | v | 0x7f7f7f7fu); }

/* The end (the NUL, or `total`) of the string of all[0..total) at `start`, four bytes a step. */
static inline u32 string_end(const u8 *all, u32 total, u32 start) {
  u32 e = start;
  while (e + 4 <= total && zero_bytes(load_le32(all + e)) == 0) e += 4;
  while (e < total && all[e]) e++;
  return e;
}

/* NULs in all[from..to): how many strings a table ending with a NUL holds. */
static inline u32 count_nuls_in(const u8 *all, u32 from, u32 to) {
  u32 n = 0, i = from;
  for (; i + 4 <= to; i += 4) n += (u32)__builtin_popcount(zero_bytes(load_le32(all + i)));
  for (; i < to; i++) n += all[i] == 0;
  return n;
}

/*
 * The string of all[0..total) at `start` into the index (slots: offset + 1, 0 empty; hashes:
 * its hash; mask + 1 slots, zeroed at first) unless an earlier string has its bytes; where the
 * next string starts.
 */
static inline u32 index_string_at(const u8 *all, u32 total, u32 start, u32 *slots, u32 *hashes, u32 mask) {
  u32 end = string_end(all, total, start);
  u32 h = string_hash(all + start, end - start);
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
