/*
 * The reader's passes over a whole blob (btf.ts indexTypes and Btf.sanityCheck) and the base
 * string index (strings.ts BaseStringIndex), compiled to WebAssembly by scripts/build-wasm.mjs:
 * a one-shot command given a vmlinux (`encode module.ko -B vmlinux.btf`, `dedup -B`) ran them
 * over its 100,000 types and 1.8 MB of strings as cold JavaScript. The JavaScript stays the
 * reference and the fallback, and the one that reports: on any record or field it would
 * refuse, these return nonzero and the caller runs it, so the error is located as always.
 *
 * No libc: the caller lays out the kind table (core.h SHAPE_*), the words and the strings
 * above heap_base() and passes the addresses.
 */

#include "../wasm/core.h"
#include "../wasm/btf-index.h"
#include "../wasm/string-index.h"

static const u8 *shape(const u8 *kinds, u32 k) { return kinds + k * SHAPE_BYTES; }

/* Word offset of each record of words[0..n_words) into offs: btf-index.h index_records. */
__attribute__((export_name("btf_index"))) i32 btf_index(const u8 *kinds, const u32 *words, u32 n_words, u32 *offs) { return index_records(kinds, words, n_words, offs); }

/*
 * libbpf's sanity check of the n records at offs (ids start_id..): names and element strings
 * below str_end, type ids below start_id + n, FUNC on a FUNC_PROTO. 0 when all hold, 1 when
 * one does not (Btf.sanityCheck reports it). FUNCs whose prototype is in the base are listed
 * at base_funcs (their count returned through *base_func_count) for the caller to check.
 */
__attribute__((export_name("btf_check"))) i32 btf_check(const u8 *kinds, const u32 *words, const u32 *offs, u32 n, u32 start_id, u32 str_end, u32 *base_funcs,
                                                        u32 *base_func_count) {
  u32 next = start_id + n;
  u32 funcs = 0;
  for (u32 i = 0; i < n; i++) {
    u32 o = offs[i];
    u32 info = words[o + 1];
    u32 k = info_kind(info);
    const u8 *s = shape(kinds, k);
    if (!(s[0] & SHAPE_FIELDS_KNOWN)) continue; /* kinds known only by their size */
    if (words[o] >= str_end) return 1;
    if ((s[0] & SHAPE_TYPE_IN_SIZE) && words[o + 2] >= next) return 1;
    for (u32 j = 0; j < s[3]; j++)
      if (words[o + 3 + s[4 + j]] >= next) return 1;
    if (s[6] != SHAPE_NO_WORD || s[7] != SHAPE_NO_WORD) {
      u32 vlen = info_vlen(info);
      for (u32 j = 0, e = o + 3 + s[1]; j < vlen; j++, e += s[2]) {
        if (s[6] != SHAPE_NO_WORD && words[e + s[6]] >= next) return 1;
        if (s[7] != SHAPE_NO_WORD && words[e + s[7]] >= str_end) return 1;
      }
    }
    if (k == K_FUNC) {
      u32 target = words[o + 2];
      if (target >= start_id) {
        if (info_kind(words[offs[target - start_id] + 1]) != K_FUNC_PROTO) return 1;
      } else if (target == 0) {
        return 1;
      } else {
        base_funcs[funcs++] = i;
      }
    }
  }
  *base_func_count = funcs;
  return 0;
}

/* The number of NUL bytes of all[0..total) (the strings of a table ending with one). */
__attribute__((export_name("btf_count_strings"))) u32 btf_count_strings(const u8 *all, u32 total) { return count_nuls_in(all, 0, total); }

/*
 * BaseStringIndex's table over the strings all[0..total) (ending with a NUL): for each string
 * start, its offset + 1 in slots and its string_hash in hashes (open addressing, mask + 1
 * slots, zeroed; the first occurrence of a string wins, as libbpf's btf__find_str).
 */
__attribute__((export_name("btf_index_strings"))) void btf_index_strings(const u8 *all, u32 total, u32 *slots, u32 *hashes, u32 mask) {
  for (u32 start = 0; start < total;) start = index_string_at(all, total, start, slots, hashes, mask);
}
