/*
 * The CO-RE candidate scan (candidates.ts, NameIndex.ensure) over a base BTF, compiled to
 * WebAssembly by scripts/build-wasm.mjs: one pass over every type of vmlinux for the types
 * whose name is one of the wanted essential names, as it is or with a flavour
 * (`task_struct___v2`). In a one-shot `btfkit min-core` the JavaScript loop ran as cold code,
 * optimised on the stack part way through; candidates.ts stays the reference and the path for
 * split BTF and for BTF that is not in this core's memory.
 *
 * No libc: the caller lays out memory above heap_base() and passes the addresses.
 */

#include "../../wasm/core.h"
#include "../../wasm/btf-index.h"

/* Wanted names by their first two bytes: a type's name is compared only with names starting as it does. */
static u8 keys[65536];

/* Essential length of the NUL-terminated string at s: before its last `___` that has a non-underscore on both sides. */
static u32 essential_len(const u8 *s) {
  u32 j = 0;
  i32 ess = -1;
  for (; s[j]; j++)
    if (s[j] == '_' && j > 0 && s[j - 1] != '_' && s[j + 1] == '_' && s[j + 2] == '_' && s[j + 3] != '_' && s[j + 3] != 0) ess = (i32)j;
  return ess >= 0 ? (u32)ess : j;
}

/*
 * The index into `wanted` (NUL-terminated names back to back, `wanted_n` of them) of the
 * first name the string at t is, as it is or flavoured; -1 for none.
 */
__attribute__((noinline)) static i32 match(const u8 *t, const u8 *wanted, u32 wanted_n) {
  const u8 *w = wanted;
  for (u32 i = 0; i < wanted_n; i++) {
    u32 k = 0;
    while (w[k] && t[k] == w[k]) k++;
    if (w[k] == 0 && (t[k] == 0 || (t[k] == '_' && t[k + 1] == '_' && t[k + 2] == '_' && essential_len(t) == k))) return (i32)i;
    while (w[k]) k++;
    w += k + 1;
  }
  return -1;
}

/* keys[]: set for the first two bytes of each wanted name (a one-byte name: it and it + '_'). */
__attribute__((noinline)) static void set_keys(const u8 *wanted, u32 wanted_n) {
  for (u32 i = 0; i < 65536; i++) keys[i] = 0;
  const u8 *w = wanted;
  for (u32 i = 0; i < wanted_n; i++) {
    u32 len = 0;
    while (w[len]) len++;
    if (len > 1) {
      keys[(u32)w[0] << 8 | w[1]] = 1;
    } else if (len == 1) {
      keys[(u32)w[0] << 8] = 1;
      keys[(u32)w[0] << 8 | '_'] = 1;
    }
    w += len + 1;
  }
}

/* Pairs found by scan_names so far, and how many fit in its out. */
static u32 found, found_cap;

/* Type i is named by the string at t, which starts as a wanted name does: the pair (i, which name) if it is one. */
__attribute__((noinline)) static void hit(u32 i, const u8 *t, const u8 *wanted, u32 wanted_n, u32 *out) {
  i32 m = match(t, wanted, wanted_n);
  if (m < 0) return;
  if (found < found_cap) {
    out[2 * found] = i;
    out[2 * found + 1] = (u32)m;
  }
  found++;
}

/*
 * Own types 0..n-1 (record of type i at word offs[i], its name offset first) whose name is
 * a wanted name: pairs (i, wanted index) into out, in type order; the number of pairs, or
 * out_cap + 1 when they do not fit. Names past the string table (unchecked input) match
 * nothing; the table ends with a NUL (Btf.parse checks), so a compare stops inside it.
 *
 * The loop over every type is all this function does (set_keys, match and hit are not
 * inlined): V8 compiles a function that runs this long again with TurboFan while it runs,
 * on the main thread's time in a one-shot process, and a small function compiles in a
 * fraction of the time (the scan of vmlinux in a cold min-core: ~3 ms before, ~1.8 after).
 */
__attribute__((export_name("scan_names"))) u32 scan_names(const u32 *words, const u32 *offs, u32 n, const u8 *strs, u32 str_len, const u8 *wanted, u32 wanted_n, u32 *out, u32 out_cap) {
  set_keys(wanted, wanted_n);
  found = 0;
  found_cap = out_cap;
  u32 last = str_len ? str_len - 1 : 0; /* a name at p < last has its first two bytes inside */
  for (u32 i = 0; i < n; i++) {
    u32 p = words[offs[i]];
    if (p < last && keys[(u32)strs[p] << 8 | strs[p + 1]]) hit(i, strs + p, wanted, wanted_n, out);
  }
  return found > found_cap ? found_cap + 1 : found;
}

/* The record index of the target BTF read into this core's memory (candidates.ts candidateScanIndex). */
__attribute__((export_name("names_index"))) i32 names_index(const u8 *kinds, const u32 *w, u32 n_words, u32 *o) { return index_records(kinds, w, n_words, o); }
