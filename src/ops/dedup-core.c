/*
 * dedup.ts's passes (strings, prep, primitive types, STRUCT/UNION/TYPEDEF by graph
 * equivalence with the type signatures past the budget, unambiguous FWDs, reference types,
 * compaction), compiled to WebAssembly by scripts/build-wasm.mjs: in a one-shot `btfkit encode
 * module.ko -B vmlinux` the JavaScript dedup ran as cold code, four times as long as warm.
 * dedup.ts stays the reference and the fallback, and this follows it step for step, so the two
 * give the same bytes, id map and graph-pair count (test/dedup/core.test.ts compares them).
 *
 * No libc: the caller lays out the kind table (core.h SHAPE_*), the words of every type (base
 * chain, then the own types, then void's three zero words), the record offsets and the strings
 * above heap_base(), then calls dedup_strings and dedup_run; the core allocates its own tables
 * above those, growing the memory itself. Both return DEDUP_OK, or DEDUP_BAD_INPUT for
 * anything the JavaScript would report or treat specially (a type id or string offset out of
 * range, a kind it cannot rewrite, a loop of reference types, memory that cannot grow): the
 * caller then runs dedup.ts, which reports it as it always did.
 */

#include "../wasm/core.h"
#include "../wasm/string-index.h"

enum { DEDUP_OK = 0, DEDUP_BAD_INPUT = 2 };

/*
 * The body of a loop over every type (or every base type), kept out of the function that
 * loops: V8 runs a WebAssembly function's optimized code from its next call on, so a pass
 * inlined into dedup_run (called once) would run unoptimized from its first type to its last.
 */
#define PER_ITEM static __attribute__((noinline))

#define UNPROCESSED (-1)
#define IN_PROGRESS (-2)
#define IDENTICAL_DEPTH 16
/* legacy_structs recurses through nested member structs; deeper than this, dedup.ts decides. */
#define MAX_LEGACY_DEPTH 1000


/* A growable array of ids (see vec_room). */
typedef struct {
  i32 *at;
  u32 cap;
} id_vec;

static const u8 *shapes;
static u32 *W;
static const i32 *OFF;
static i32 N, S;
static u32 total_words;
static i32 *map, *hypot, *hlist, *head, *nxt, *hv, *new_id;
/* is_equiv's pairs to visit */
static id_vec stack;
static u32 *out, *id_map;
static i32 hcnt, mask, out_words;
static int adjust_canon, force, legacy, failed;
static double equiv_work;
static u32 heap_at;

/* Bump allocation above the inputs, growing the memory; 0 when it cannot grow (fresh memory is zeroed). */
static void *alloc(u32 bytes) {
  u32 at = (heap_at + 7) & ~7u;
  if (at + bytes < at) return 0;
  u32 end = at + bytes;
  u32 have = (u32)__builtin_wasm_memory_size(0) * 65536u;
  if (end > have) {
    /* Each grow costs a call into the engine (a tenth of a millisecond or more): grow by half
       the memory at least, down to the pages needed when that much cannot be had. */
    u32 need = (end - have + 65535) / 65536;
    u32 more = (u32)__builtin_wasm_memory_size(0) / 2;
    if (more < 16) more = 16;
    if (more < need || __builtin_wasm_memory_grow(0, more) < 0) {
      if (__builtin_wasm_memory_grow(0, need) < 0) return 0;
    }
  }
  heap_at = end;
  return (void *)at;
}

static i32 *alloc_ids(u32 n) { return (i32 *)alloc(n * 4); }

/*
 * Passes over every id (the base's 100k and more) in chunks of CHUNK, a call each (see
 * PER_ITEM): a loop inside a function called once would run unoptimized to its end.
 */
#define CHUNK 4096
typedef void chunk_fn(u32 from, u32 to);
static void in_chunks(chunk_fn *fn, u32 from, u32 to) {
  for (u32 at = from; at < to; at += CHUNK) fn(at, to - at > CHUNK ? at + CHUNK : to);
}

/* Room in v for `need` ids past `used` (doubling; the old block is left behind). */
static int vec_room(id_vec *v, u32 used, u32 need) {
  if (used + need <= v->cap) return 1;
  u32 cap = v->cap * 2;
  while (cap < used + need) cap *= 2;
  i32 *grown = alloc_ids(cap);
  if (!grown) {
    failed = 1;
    return 0;
  }
  for (u32 i = 0; i < used; i++) grown[i] = v->at[i];
  v->at = grown;
  v->cap = cap;
  return 1;
}

/* Every id read from a record goes through here: out of range, dedup.ts takes over. */
static u32 checked(u32 id) {
  if (id >= (u32)N) {
    failed = 1;
    return 0;
  }
  return id;
}

static u32 kind_of_rec(u32 o) { return info_kind(W[o + 1]); }
static u32 kind(u32 id) { return kind_of_rec(OFF[id]); }
static int is_composite(u32 k) { return k == K_STRUCT || k == K_UNION; }
static int is_any_enum(u32 k) { return k == K_ENUM || k == K_ENUM64; }
/* Kinds the graph checks compare by info and name, then follow to the one type they refer to. */
static int is_one_target_kind(u32 k) {
  return k == K_CONST || k == K_VOLATILE || k == K_RESTRICT || k == K_PTR || k == K_TYPEDEF || k == K_FUNC || k == K_TYPE_TAG;
}
static const u8 *shape(u32 k) { return shapes + k * SHAPE_BYTES; }

/* The field visitor (fields.ts forEachTypeIdWord): word positions of the type ids of the record at o. */
typedef void (*word_fn)(u32 w);
static void for_each_type_id_word(const u32 *words, u32 o, word_fn visit) {
  const u8 *s = shape(info_kind(words[o + 1]));
  if (s[0] & SHAPE_TYPE_IN_SIZE) visit(o + 2);
  for (u32 i = 0; i < s[3]; i++) visit(o + 3 + s[4 + i]);
  if (s[6] == SHAPE_NO_WORD) return;
  u32 vlen = info_vlen(words[o + 1]);
  for (u32 i = 0, e = o + 3 + s[1]; i < vlen; i++, e += s[2]) visit(e + s[6]);
}

static i32 resolve(i32 id) {
  i32 m = map[id];
  while (m >= 0 && m != id) {
    id = m;
    m = map[id];
  }
  return id;
}

static void table_add(i32 h, i32 id) {
  i32 b = h & mask;
  nxt[id] = head[b];
  head[b] = id;
  hv[id] = h;
}

/* ---- hashes (dedup.ts hashCommon, hashIntTag, ...) ---- */

static i32 hc(i32 h, u32 v) { return (i32)((u32)h * 31u + v); }

static i32 hash_common(u32 o) { return force ? 0 : hc(hc(hc(0, W[o]), W[o + 1]), W[o + 2]); }
static i32 hash_int_tag(u32 o) { return force ? 0 : hc(hash_common(o), W[o + 3]); }
static i32 hash_enum(u32 o) { return force ? 0 : hc(0, W[o]); }

static i32 ref_sig(u32 id) {
  if (id == 0) return 0x3c6ef372;
  u32 o = OFF[id];
  u32 info = W[o + 1];
  switch (info_kind(info)) {
  case K_STRUCT:
  case K_UNION:
    return hc((i32)info_kind(info), W[o]);
  case K_FWD:
    return hc(info_kflag(info) ? K_UNION : K_STRUCT, W[o]);
  case K_ENUM:
  case K_ENUM64:
    return hc(K_ENUM, W[o]);
  case K_VAR:
  case K_DATASEC:
  case K_DECL_TAG:
    return (i32)info_kind(info);
  default:
    return hc((i32)info, W[o]);
  }
}

static i32 hash_typedef(u32 o) { return force ? 0 : hc(hc(hc(0, W[o]), W[o + 1]), (u32)ref_sig(checked(W[o + 2]))); }

static i32 hash_struct(u32 o) {
  if (force) return 0;
  i32 h = hash_common(o);
  u32 vlen = info_vlen(W[o + 1]);
  for (u32 i = 0, e = o + 3; i < vlen; i++, e += 3) h = hc(hc(hc(h, W[e]), W[e + 2]), (u32)ref_sig(checked(W[e + 1])));
  return h;
}

static i32 hash_array(u32 o) { return force ? 0 : hc(hc(hc(hash_common(o), W[o + 3]), W[o + 4]), W[o + 5]); }

static i32 hash_fnproto(u32 o) {
  if (force) return 0;
  i32 h = hash_common(o);
  u32 vlen = info_vlen(W[o + 1]);
  for (u32 i = 0, e = o + 3; i < vlen; i++, e += 2) h = hc(hc(h, W[e]), W[e + 1]);
  return h;
}

/* ---- equality on record word offsets ---- */

static int equal_common(u32 a, u32 b) { return W[a] == W[b] && W[a + 1] == W[b + 1] && W[a + 2] == W[b + 2]; }
static int equal_int_tag(u32 a, u32 b) { return equal_common(a, b) && W[a + 3] == W[b + 3]; }

static int equal_enum(u32 a, u32 b) {
  if (!equal_common(a, b)) return 0;
  u32 n = info_vlen(W[a + 1]) * (info_kind(W[a + 1]) == K_ENUM64 ? 3 : 2);
  for (u32 i = 3; i < 3 + n; i++)
    if (W[a + i] != W[b + i]) return 0;
  return 1;
}

static int is_enum_fwd(u32 o) { return is_any_enum(info_kind(W[o + 1])) && info_vlen(W[o + 1]) == 0; }

static int compat_enum(u32 a, u32 b) {
  if (!is_enum_fwd(a) && !is_enum_fwd(b)) return equal_enum(a, b);
  return W[a] == W[b] && is_any_enum(info_kind(W[a + 1])) && is_any_enum(info_kind(W[b + 1]));
}

static int shallow_equal_struct(u32 a, u32 b) {
  if (!equal_common(a, b)) return 0;
  u32 vlen = info_vlen(W[a + 1]);
  for (u32 i = 0, ea = a + 3, eb = b + 3; i < vlen; i++, ea += 3, eb += 3)
    if (W[ea] != W[eb] || W[ea + 2] != W[eb + 2]) return 0;
  return 1;
}

static int equal_array(u32 a, u32 b) { return equal_common(a, b) && W[a + 3] == W[b + 3] && W[a + 4] == W[b + 4] && W[a + 5] == W[b + 5]; }
static int compat_array(u32 a, u32 b) { return equal_common(a, b) && W[a + 5] == W[b + 5]; }

static int equal_fnproto(u32 a, u32 b) {
  if (!equal_common(a, b)) return 0;
  u32 n = info_vlen(W[a + 1]) * 2;
  for (u32 i = 3; i < 3 + n; i++)
    if (W[a + i] != W[b + i]) return 0;
  return 1;
}

static int compat_fnproto(u32 a, u32 b) {
  if (W[a] != W[b] || W[a + 1] != W[b + 1]) return 0;
  u32 vlen = info_vlen(W[a + 1]);
  for (u32 i = 0, e = 3; i < vlen; i++, e += 2)
    if (W[a + e] != W[b + e]) return 0;
  return 1;
}

static int equal_typedef(u32 a, u32 b) { return W[a] == W[b] && W[a + 1] == W[b + 1]; }

typedef int (*equal_fn)(u32 a, u32 b);

/* First canonical candidate with hash h whose record equals the one at o, else self. */
static i32 find_equal(i32 h, u32 o, i32 self, equal_fn equal) {
  for (i32 c = head[h & mask]; c >= 0; c = nxt[c])
    if (hv[c] == h && equal(o, OFF[c])) return c;
  return self;
}

/* ---- the string pass (dedup.ts remapStrings): own strings referenced, in order of first use ---- */

static const u8 *own_strs, *base_strs;
static u32 own_len, base_len, first_own_off;
/* own string (local offset) -> its new offset + 1 (0: not met yet) */
static u32 *str_memo;
/* base strings: strings.ts BaseStringIndex's open addressing (offset + 1, string_hash hashes) */
static const u32 *base_slots, *base_hashes;
static u32 base_mask;
/* the new own string table and its set */
static u8 *new_strs;
static u32 new_len, *new_slots, *new_hashes, new_mask;

/* string_hash of the string at t[at], which ends at a NUL or at `end`. */
static u32 hash_str(const u8 *t, u32 at, u32 end) { return string_hash(t + at, string_end(t, end, at) - at); }

static int same_str(const u8 *a, u32 ai, u32 a_end, const u8 *b, u32 bi, u32 b_end) {
  for (;;) {
    u8 ca = ai < a_end ? a[ai++] : 0, cb = bi < b_end ? b[bi++] : 0;
    if (ca != cb) return 0;
    if (ca == 0) return 1;
  }
}

static u32 table_cap(u32 n) {
  u32 cap = 1024;
  while (cap < n * 2) cap *= 2;
  return cap;
}

/* The new offset of the own string at local offset `local` (interned at the end of the new table when new). */
static u32 intern_new(u32 local, u32 h) {
  u32 i = h & new_mask;
  for (; new_slots[i]; i = (i + 1) & new_mask)
    if (new_hashes[i] == h && same_str(new_strs, new_slots[i] - 1, new_len, own_strs, local, own_len)) return first_own_off + new_slots[i] - 1;
  u32 at = new_len;
  while (local < own_len && own_strs[local]) new_strs[new_len++] = own_strs[local++];
  new_strs[new_len++] = 0;
  new_slots[i] = at + 1;
  new_hashes[i] = h;
  return first_own_off + at;
}

static u32 remap_str(u32 off) {
  if (off == 0 || off < first_own_off) return off;
  u32 local = off - first_own_off;
  if (local >= own_len) {
    failed = 1; /* dedup.ts names the offset */
    return off;
  }
  if (str_memo[local]) return str_memo[local] - 1;
  u32 h = hash_str(own_strs, local, own_len);
  u32 r = 0xffffffffu;
  if (base_slots) {
    for (u32 i = h & base_mask; base_slots[i]; i = (i + 1) & base_mask) {
      if (base_hashes[i] == h && same_str(base_strs, base_slots[i] - 1, base_len, own_strs, local, own_len)) {
        r = base_slots[i] - 1;
        break;
      }
    }
  }
  if (r == 0xffffffffu) r = intern_new(local, h);
  str_memo[local] = r + 1;
  return r;
}

static const u32 *early;
static u32 early_len, early_at;

/* The strings interned ahead of type `up_to` (groups: before, count, offsets). */
static void take_early(u32 up_to) {
  while (early_at + 2 <= early_len && early[early_at] <= up_to) {
    u32 count = early[early_at + 1];
    if (count > early_len - early_at - 2) {
      failed = 1;
      return;
    }
    for (u32 i = 0; i < count; i++) remap_str(early[early_at + 2 + i]);
    early_at += 2 + count;
  }
}

/*
 * Strings of types S..N-1 (words[] laid out as for dedup_run) remapped in place: own strings
 * (offsets from start_str_off, own_len bytes) the base chain has (base_len bytes, offset 0 on,
 * indexed by BaseStringIndex's table: base_index_slots 0 when there is no base) to the base's offset, the others to a new table in order of first use, beginning with the
 * empty string when with_empty (base BTF). groups: the strings to take first (before type,
 * count, offsets; a group before 0xffffffff goes after the types: the .BTF.ext's). Returns
 * DEDUP_OK or DEDUP_BAD_INPUT; dedup_strings_out() and dedup_strings_len() give the table,
 * dedup_string_map() the new offset + 1 of each own offset met.
 */
static int unknown_kinds;
static u32 own_nuls;

PER_ITEM void check_kinds(u32 from, u32 to) {
  for (u32 id = from; id < to; id++)
    if (!(shape(kind(id))[0] & SHAPE_FIELDS_KNOWN)) unknown_kinds = 1;
}

PER_ITEM void count_own_nuls(u32 from, u32 to) {
  for (u32 i = from; i < to; i++)
    if (own_strs[i] == 0) own_nuls++;
}

__attribute__((export_name("dedup_strings"))) int dedup_strings(const u8 *kinds, u32 *words, const i32 *offs, i32 n, i32 s, const u8 *own, u32 own_bytes, const u8 *base,
                                                               u32 base_bytes, const u32 *base_index_slots, const u32 *base_index_hashes, u32 base_index_mask,
                                                               u32 start_str_off, int with_empty, const u32 *groups, u32 groups_len, u32 heap) {
  shapes = kinds;
  W = words;
  OFF = offs;
  N = n;
  S = s;
  heap_at = heap;
  own_strs = own;
  own_len = own_bytes;
  base_strs = base;
  base_len = base_bytes;
  base_slots = base_index_slots;
  base_hashes = base_index_hashes;
  base_mask = base_index_mask;
  first_own_off = start_str_off;
  early = groups;
  early_len = groups_len;
  early_at = 0;
  /* every kind must be one whose type-id and string words are known (dedup.ts requireDedupableKinds) */
  unknown_kinds = 0;
  in_chunks(check_kinds, 1, (u32)n);
  if (unknown_kinds) return DEDUP_BAD_INPUT;
  str_memo = (u32 *)alloc(own_len * 4 + 4);
  new_strs = (u8 *)alloc(own_len + 1);
  own_nuls = 0;
  in_chunks(count_own_nuls, 0, own_len);
  u32 n_own = 1 + own_nuls;
  u32 cap = table_cap(n_own);
  new_mask = cap - 1;
  new_slots = (u32 *)alloc(cap * 4);
  new_hashes = (u32 *)alloc(cap * 4);
  if (!str_memo || !new_strs || !new_slots || !new_hashes) return DEDUP_BAD_INPUT;
  if (with_empty) {
    u32 h = hash_str(new_strs, 0, 1);
    new_strs[0] = 0;
    new_len = 1;
    new_slots[h & new_mask] = 1;
    new_hashes[h & new_mask] = h;
  }
  for (i32 id = s; id < n && !failed; id++) {
    take_early((u32)id);
    u32 o = OFF[id];
    W[o] = remap_str(W[o]);
    const u8 *sh = shape(kind_of_rec(o));
    if (sh[7] == SHAPE_NO_WORD) continue;
    u32 vlen = info_vlen(W[o + 1]);
    for (u32 i = 0, e = o + 3 + sh[1]; i < vlen; i++, e += sh[2]) W[e + sh[7]] = remap_str(W[e + sh[7]]);
  }
  take_early(0xffffffffu);
  return failed ? DEDUP_BAD_INPUT : DEDUP_OK;
}

__attribute__((export_name("dedup_strings_out"))) u32 dedup_strings_out(void) { return (u32)new_strs; }
__attribute__((export_name("dedup_strings_len"))) u32 dedup_strings_len(void) { return new_len; }
__attribute__((export_name("dedup_string_map"))) u32 dedup_string_map(void) { return (u32)str_memo; }
/* Record offsets of ids start..end-1 made absolute: the caller copied them relative to their blob at `add`. */
__attribute__((export_name("dedup_rebase"))) void dedup_rebase(i32 *offs, i32 start, i32 end, i32 add) {
  for (i32 id = start; id < end; id++) offs[id] += add;
}

__attribute__((export_name("dedup_heap"))) u32 dedup_heap(void) { return heap_at; }

/* ---- prep: base types self-canonical, those a split type could fold into hashed (see dedup.ts prep) ---- */

static i32 *base_group_start, *base_group_members, *base_composites;
static u8 *base_group_added;
static i32 n_base_composites;

static i32 base_ref_hash(u32 k, u32 o) { return k == K_ARRAY ? hash_array(o) : k == K_FUNC_PROTO ? hash_fnproto(o) : hash_common(o); }
static u32 first_ref_word(u32 k, u32 o) { return o + (k == K_ARRAY ? 3 : 2); }

/* prep's arrays: names split types have (a bit per base string offset), base reference types grouped by their first referenced id. */
static u8 *own_name;
static i32 *grouped, *group_count;
static i32 n_grouped;

/* Base type `id`: self-canonical, and hashed (or grouped) when a split type could fold into it; 0 for a kind it cannot take. */
PER_ITEM int prep_base_type(i32 id, u32 start_str_off) {
  map[id] = id;
  u32 o = OFF[id];
  u32 k = kind_of_rec(o);
  if (k == K_VAR || k == K_DATASEC) return 1;
  if (k == 0 || k > K_ENUM64) return 0;
  /* (a name past the base's strings counts as one a split type may have, as in dedup.ts) */
  if (W[o] != 0 && W[o] < start_str_off && (own_name[W[o] >> 3] & (1u << (W[o] & 7))) == 0) return 1;
  i32 h;
  switch (k) {
  case K_CONST:
  case K_VOLATILE:
  case K_RESTRICT:
  case K_PTR:
  case K_TYPE_TAG:
  case K_ARRAY:
  case K_FUNC_PROTO: {
    u32 first = W[first_ref_word(k, o)];
    if (first < (u32)S) {
      grouped[n_grouped++] = id;
      group_count[first + 1]++;
      return 1;
    }
    h = base_ref_hash(k, o);
    break;
  }
  case K_FWD:
  case K_FUNC:
  case K_FLOAT:
    h = hash_common(o);
    break;
  case K_TYPEDEF:
    h = legacy ? hash_common(o) : hash_typedef(o);
    break;
  case K_INT:
  case K_DECL_TAG:
    h = hash_int_tag(o);
    break;
  case K_ENUM:
  case K_ENUM64:
    h = hash_enum(o);
    break;
  default: /* STRUCT, UNION */
    h = hash_struct(o);
    base_composites[n_base_composites++] = id;
  }
  if (failed) return 0;
  table_add(h, id);
  return 1;
}

static i32 *group_fill;

PER_ITEM void sum_group_counts(u32 from, u32 to) {
  for (u32 i = from; i < to; i++) group_count[i] += group_count[i - 1];
}

PER_ITEM void start_group_fill(u32 from, u32 to) {
  for (u32 i = from; i < to; i++) group_fill[i] = group_count[i];
}

static int prep(u32 start_str_off) {
  /* A bit per base string offset (a byte each touched a page of fresh memory per base name read). */
  own_name = (u8 *)alloc(start_str_off / 8 + 1);
  base_composites = alloc_ids((u32)S);
  grouped = alloc_ids((u32)S);
  group_count = alloc_ids((u32)S + 1);
  i32 *fill = alloc_ids((u32)S);
  base_group_added = (u8 *)alloc((u32)S);
  if (!own_name || !base_composites || !grouped || !group_count || !fill || !base_group_added) return 0;
  for (i32 id = S; id < N; id++) {
    u32 name = W[OFF[id]];
    if (name < start_str_off) own_name[name >> 3] |= (u8)(1u << (name & 7));
  }
  n_grouped = 0;
  for (i32 id = 1; id < S; id++)
    if (!prep_base_type(id, start_str_off)) return 0;
  in_chunks(sum_group_counts, 1, (u32)S + 1);
  base_group_members = alloc_ids((u32)n_grouped + 1);
  if (!base_group_members) return 0;
  group_fill = fill;
  in_chunks(start_group_fill, 0, (u32)S);
  for (i32 i = 0; i < n_grouped; i++) {
    i32 id = grouped[i];
    u32 o = OFF[id];
    base_group_members[fill[W[first_ref_word(kind_of_rec(o), o)]]++] = id; /* ascending within each group */
  }
  base_group_start = group_count;
  return 1;
}

/* Put the grouped base reference types whose first referenced id is first in the table. */
static void add_base_refs(u32 first) {
  if (first >= (u32)S || base_group_start[first] == base_group_start[first + 1] || base_group_added[first]) return;
  base_group_added[first] = 1;
  for (i32 i = base_group_start[first]; i < base_group_start[first + 1]; i++) {
    i32 id = base_group_members[i];
    u32 o = OFF[id];
    table_add(base_ref_hash(kind_of_rec(o), o), id);
  }
}

/* ---- primitive types ---- */

/* Split type `id` folded into an equal primitive type (INT, ENUM, ENUM64, FWD, FLOAT) met before, else hashed. */
PER_ITEM void primitive(i32 id) {
  u32 o = OFF[id];
  u32 k = kind_of_rec(o);
  i32 new_id = id;
  i32 h;
  switch (k) {
  case K_INT:
    h = hash_int_tag(o);
    new_id = find_equal(h, o, id, equal_int_tag);
    break;
  case K_ENUM:
  case K_ENUM64: {
    h = hash_enum(o);
    int fwd = is_enum_fwd(o);
    for (i32 c = head[h & mask]; c >= 0; c = nxt[c]) {
      if (hv[c] != h) continue;
      u32 co = OFF[c];
      if (equal_enum(o, co)) {
        new_id = c;
        break;
      }
      if (compat_enum(o, co)) {
        if (fwd) {
          new_id = c;
          break;
        }
        map[c] = id; /* the candidate is a forward declaration: point it at this full enum */
      }
    }
    break;
  }
  case K_FWD:
  case K_FLOAT:
    h = hash_common(o);
    new_id = find_equal(h, o, id, equal_common);
    break;
  default:
    return;
  }
  map[id] = new_id;
  if (new_id == id) table_add(h, id);
}

static void primitives(void) {
  for (i32 id = S; id < N; id++) primitive(id);
}

/* ---- graph equivalence (dedup.ts isEquiv, identical, legacyArrays, legacyStructs, mergeHypot) ---- */

static int identical(u32 id1, u32 id2, int depth) {
  for (;;) {
    if (depth <= 0) return 0;
    if (id1 == id2) return 1;
    if (checked(id1) != id1 || checked(id2) != id2) return 0;
    u32 a = OFF[id1], b = OFF[id2];
    u32 k = kind_of_rec(a);
    if (k != kind_of_rec(b)) return 0;
    if (is_one_target_kind(k)) {
      if (W[a + 1] != W[b + 1] || W[a] != W[b]) return 0;
      id1 = W[a + 2];
      id2 = W[b + 2];
      continue;
    }
    switch (k) {
    case 0:
      return 1;
    case K_INT:
      return equal_int_tag(a, b);
    case K_ENUM:
    case K_ENUM64:
      return compat_enum(a, b);
    case K_FWD:
    case K_FLOAT:
      return equal_common(a, b);
    case K_ARRAY:
      if (!compat_array(a, b)) return 0;
      if (W[a + 4] != W[b + 4] && !identical(W[a + 4], W[b + 4], depth - 1)) return 0;
      if (W[a + 3] != W[b + 3] && !identical(W[a + 3], W[b + 3], depth - 1)) return 0;
      return 1;
    case K_STRUCT:
    case K_UNION: {
      if (!shallow_equal_struct(a, b)) return 0;
      u32 vlen = info_vlen(W[a + 1]);
      for (u32 i = 0; i < vlen; i++) {
        u32 ta = W[a + 4 + i * 3], tb = W[b + 4 + i * 3];
        if (ta != tb && !identical(ta, tb, depth - 1)) return 0;
      }
      return 1;
    }
    case K_FUNC_PROTO: {
      if (!compat_fnproto(a, b)) return 0;
      if (W[a + 2] != W[b + 2] && !identical(W[a + 2], W[b + 2], depth - 1)) return 0;
      u32 vlen = info_vlen(W[a + 1]);
      for (u32 i = 0; i < vlen; i++) {
        u32 ta = W[a + 4 + i * 2], tb = W[b + 4 + i * 2];
        if (ta != tb && !identical(ta, tb, depth - 1)) return 0;
      }
      return 1;
    }
    default:
      return 0;
    }
  }
}

static int legacy_arrays(u32 id1, u32 id2) {
  u32 a = OFF[id1], b = OFF[id2];
  if (kind_of_rec(a) != K_ARRAY || kind_of_rec(b) != K_ARRAY) return 0;
  return W[a + 3] == W[b + 3] && W[a + 4] == W[b + 4] && W[a + 5] == W[b + 5];
}

static int legacy_structs(u32 id1, u32 id2, int depth) {
  if (depth > MAX_LEGACY_DEPTH) {
    failed = 1;
    return 0;
  }
  u32 a = OFF[id1], b = OFF[id2];
  u32 k = kind_of_rec(a);
  if (!is_composite(k) || k != kind_of_rec(b)) return 0;
  if (!shallow_equal_struct(a, b)) return 0;
  u32 vlen = info_vlen(W[a + 1]);
  for (u32 i = 0; i < vlen; i++) {
    u32 ta = checked(W[a + 4 + i * 3]), tb = checked(W[b + 4 + i * 3]);
    if (failed) return 0;
    if (ta != tb && !legacy_arrays(ta, tb) && !legacy_structs(ta, tb, depth + 1)) return 0;
  }
  return 1;
}

static void hypot_add(i32 canon, i32 cand) {
  hlist[hcnt++] = canon;
  hypot[canon] = cand;
}

static void clear_hypot(void) {
  for (i32 i = 0; i < hcnt; i++) hypot[hlist[i]] = UNPROCESSED;
  hcnt = 0;
  adjust_canon = 0;
}

static int is_equiv(i32 cand_root, i32 canon_root) {
  i32 sp = 0;
  stack.at[sp++] = cand_root;
  stack.at[sp++] = canon_root;
  while (sp > 0) {
    equiv_work++;
    i32 canon = stack.at[--sp];
    i32 cand = stack.at[--sp];
    if ((u32)canon >= (u32)N || (u32)cand >= (u32)N) {
      failed = 1;
      return 0;
    }
    i32 rc = resolve(cand), rk = resolve(canon);
    if (rc == rk) continue;
    u32 b = OFF[canon];
    u32 kb = kind_of_rec(b);
    if (kb == K_FWD && rk != canon) {
      /* FWD resolution on the canonical side only */
      u32 rb = OFF[rk];
      u32 krk = kind_of_rec(rb);
      if (krk != K_FWD) {
        canon = rk;
        b = rb;
        kb = krk;
      }
    }
    i32 hyp = hypot[canon];
    if (hyp >= 0) {
      if (hyp == cand) continue;
      if (legacy ? legacy_arrays(hyp, cand) || legacy_structs(hyp, cand, 0) : identical(hyp, cand, IDENTICAL_DEPTH)) continue;
      return 0;
    }
    hypot_add(canon, cand);
    u32 a = OFF[cand];
    if (W[a] != W[b]) return 0;
    u32 ka = kind_of_rec(a);
    if ((ka == K_FWD || kb == K_FWD) && ka != kb) {
      u32 real, fwd_kind;
      if (ka == K_FWD) {
        real = kb;
        fwd_kind = info_kflag(W[a + 1]) ? K_UNION : K_STRUCT;
      } else {
        real = ka;
        fwd_kind = info_kflag(W[b + 1]) ? K_UNION : K_STRUCT;
        /* resolving a base FWD into a struct would change the base */
        if (fwd_kind == real && canon < S) adjust_canon = 1;
      }
      if (fwd_kind != real) return 0;
      continue;
    }
    if (ka != kb) return 0;
    if (is_one_target_kind(ka)) {
      if (W[a + 1] != W[b + 1]) return 0;
      if (!vec_room(&stack, (u32)sp, 2)) return 0;
      stack.at[sp++] = (i32)W[a + 2];
      stack.at[sp++] = (i32)W[b + 2];
      continue;
    }
    switch (ka) {
    case K_INT:
      if (!equal_int_tag(a, b)) return 0;
      continue;
    case K_ENUM:
    case K_ENUM64:
      if (!compat_enum(a, b)) return 0;
      continue;
    case K_FWD:
    case K_FLOAT:
      if (!equal_common(a, b)) return 0;
      continue;
    case K_ARRAY:
      if (!compat_array(a, b)) return 0;
      if (!vec_room(&stack, (u32)sp, 4)) return 0;
      stack.at[sp++] = (i32)W[a + 3]; /* element type, checked second */
      stack.at[sp++] = (i32)W[b + 3];
      stack.at[sp++] = (i32)W[a + 4]; /* index type, checked first */
      stack.at[sp++] = (i32)W[b + 4];
      continue;
    case K_STRUCT:
    case K_UNION: {
      if (!shallow_equal_struct(a, b)) return 0;
      u32 vlen = info_vlen(W[a + 1]);
      if (!vec_room(&stack, (u32)sp, 2 * vlen)) return 0;
      for (i32 i = (i32)vlen - 1; i >= 0; i--) {
        stack.at[sp++] = (i32)W[a + 4 + (u32)i * 3];
        stack.at[sp++] = (i32)W[b + 4 + (u32)i * 3];
      }
      continue;
    }
    case K_FUNC_PROTO: {
      if (!compat_fnproto(a, b)) return 0;
      u32 vlen = info_vlen(W[a + 1]);
      if (!vec_room(&stack, (u32)sp, 2 * vlen + 2)) return 0;
      for (i32 i = (i32)vlen - 1; i >= 0; i--) {
        stack.at[sp++] = (i32)W[a + 4 + (u32)i * 2];
        stack.at[sp++] = (i32)W[b + 4 + (u32)i * 2];
      }
      stack.at[sp++] = (i32)W[a + 2]; /* return type first */
      stack.at[sp++] = (i32)W[b + 2];
      continue;
    }
    default:
      /* a graph reaching void or a kind that is not a C type: dedup.ts reports it */
      failed = 1;
      return 0;
    }
  }
  return 1;
}

static void merge_hypot(void) {
  for (i32 i = 0; i < hcnt; i++) {
    i32 canon_id = hlist[i];
    i32 t = resolve(hypot[canon_id]);
    i32 c = resolve(canon_id);
    u32 tk = kind(t), ck = kind(c);
    /* base FWDs may point at split structs (references only; base data never changes) */
    if (tk != K_FWD && ck == K_FWD) map[c] = t;
    if (adjust_canon) continue;
    if (tk == K_FWD && ck != K_FWD) map[t] = c;
    if ((is_composite(tk) || (tk == K_TYPEDEF && !legacy)) && ck != K_FWD && map[c] >= 0 && map[t] < 0) map[t] = c;
  }
}

/* ---- type signatures (dedup.ts computeSigs, useSignatures): what every pair the graph check accepts shares ---- */

#define CYCLIC_SIG_DEPTH 4

static i32 *sig; /* 0 until the graph checks cost more than the budget */
static id_vec edges;
static u32 n_edges;

static u32 mix(u32 h, u32 v) {
  u32 x = (h ^ v) * 0x9e3779b1u;
  x ^= x >> 15;
  x *= 0x85ebca6bu;
  return x ^ (x >> 13);
}

static void push_edge(u32 w) {
  if (vec_room(&edges, n_edges, 1)) edges.at[n_edges++] = (i32)w;
}

/* The refSig values of every FWD (open addressing over the values, with a used flag). */
static u32 *fwd_sigs, fwd_sigs_mask;
static u8 *fwd_sigs_used;

static void fwd_sig_add(u32 v) {
  u32 i = mix(v, 0) & fwd_sigs_mask;
  while (fwd_sigs_used[i] && fwd_sigs[i] != v) i = (i + 1) & fwd_sigs_mask;
  fwd_sigs_used[i] = 1;
  fwd_sigs[i] = v;
}

static int fwd_sig_has(u32 v) {
  for (u32 i = mix(v, 0) & fwd_sigs_mask; fwd_sigs_used[i]; i = (i + 1) & fwd_sigs_mask)
    if (fwd_sigs[i] == v) return 1;
  return 0;
}

static int compute_sigs(void) {
  u32 n = (u32)N;
  u32 n_fwd = 0;
  for (i32 id = 1; id < N; id++) n_fwd += kind(id) == K_FWD;
  u32 cap = 16;
  while (cap < n_fwd * 2 + 2) cap *= 2;
  fwd_sigs_mask = cap - 1;
  fwd_sigs = (u32 *)alloc(cap * 4);
  fwd_sigs_used = (u8 *)alloc(cap);
  sig = alloc_ids(n);
  i32 *start = alloc_ids(n + 1);
  i32 *label = alloc_ids(n);
  u8 *coarse = (u8 *)alloc(n);
  edges.cap = n * 2 < 16 ? 16 : n * 2;
  edges.at = alloc_ids(edges.cap);
  u8 *infinite = (u8 *)alloc(n);
  i32 *index = alloc_ids(n);
  i32 *low = alloc_ids(n);
  i32 *cursor = alloc_ids(n);
  u8 *on_stack = (u8 *)alloc(n);
  i32 *scc_stack = alloc_ids(n);
  i32 *call_stack = alloc_ids(n);
  if (!fwd_sigs || !fwd_sigs_used || !sig || !start || !label || !coarse || !edges.at || !infinite || !index || !low || !cursor || !on_stack || !scc_stack || !call_stack) return 0;
  for (i32 id = 1; id < N; id++)
    if (kind(id) == K_FWD) fwd_sig_add((u32)ref_sig((u32)id));
  n_edges = 0;
  coarse[0] = 1;
  sig[0] = (i32)mix(0x3c6ef372u, 0);
  /* referenced ids of shape-compared types (CSR); coarse types are leaves */
  for (i32 id = 1; id < N; id++) {
    start[id] = (i32)n_edges;
    u32 o = OFF[id];
    u32 k = kind_of_rec(o);
    if (k == K_FWD || is_any_enum(k) || k == K_VAR || k == K_DATASEC || k == K_DECL_TAG || (is_composite(k) && fwd_sig_has((u32)ref_sig((u32)id)))) {
      coarse[id] = 1;
      sig[id] = (i32)mix((u32)ref_sig((u32)id), 1);
      continue;
    }
    u32 first = n_edges;
    for_each_type_id_word(W, o, push_edge); /* word positions, ascending */
    if (failed) return 0;
    u32 end = id + 1 < N ? (u32)OFF[id + 1] : total_words;
    u32 h = 0x2545f491u;
    for (u32 w = o, e = first; w < end; w++) {
      if (e < n_edges && (u32)edges.at[e] == w) e++;
      else h = mix(h, W[w]);
    }
    label[id] = (i32)h;
    for (u32 e = first; e < n_edges; e++) {
      u32 t = W[edges.at[e]];
      edges.at[e] = t < n ? (i32)t : 0; /* out of range (the parser rejects it): a leaf */
    }
  }
  start[N] = (i32)n_edges;
  /* Tarjan's SCCs, iteratively: finite unfoldings are hashed as their SCCs complete */
  for (i32 i = 0; i < N; i++) index[i] = -1;
  i32 sp = 0, cp = 0, counter = 0;
  int any_infinite = 0;
  for (i32 root = 1; root < N; root++) {
    if (coarse[root] || index[root] >= 0) continue;
    index[root] = low[root] = counter++;
    cursor[root] = start[root];
    scc_stack[sp++] = root;
    on_stack[root] = 1;
    call_stack[cp++] = root;
    while (cp > 0) {
      i32 v = call_stack[cp - 1];
      i32 c = cursor[v];
      if (c < start[v + 1]) {
        cursor[v] = c + 1;
        i32 t = edges.at[c];
        if (coarse[t]) continue;
        if (index[t] < 0) {
          index[t] = low[t] = counter++;
          cursor[t] = start[t];
          scc_stack[sp++] = t;
          on_stack[t] = 1;
          call_stack[cp++] = t;
        } else if (on_stack[t] && index[t] < low[v]) {
          low[v] = index[t];
        }
        continue;
      }
      cp--;
      if (cp > 0) {
        i32 parent = call_stack[cp - 1];
        if (low[v] < low[parent]) low[parent] = low[v];
      }
      if (low[v] != index[v]) continue;
      i32 first = sp - 1;
      while (scc_stack[first] != v) first--;
      int cyclic = sp - first > 1;
      for (i32 i = first; i < sp; i++) {
        i32 u = scc_stack[i];
        on_stack[u] = 0;
        for (i32 e = start[u]; e < start[u + 1]; e++)
          if (edges.at[e] == u || infinite[edges.at[e]]) cyclic = 1;
      }
      if (cyclic) {
        any_infinite = 1;
        for (i32 i = first; i < sp; i++) infinite[scc_stack[i]] = 1;
      } else {
        u32 h = (u32)label[v];
        for (i32 e = start[v]; e < start[v + 1]; e++) h = mix(h, (u32)sig[edges.at[e]]);
        sig[v] = (i32)h;
      }
      sp = first;
    }
  }
  if (!any_infinite) return 1;
  /* types that reach a cycle: the first levels of their unfolding, the same way everywhere */
  i32 *cur = alloc_ids(n);
  i32 *nx = alloc_ids(n);
  if (!cur || !nx) return 0;
  for (i32 id = 0; id < N; id++) cur[id] = coarse[id] ? sig[id] : label[id];
  for (int d = 0; d < CYCLIC_SIG_DEPTH; d++) {
    for (i32 id = 0; id < N; id++) {
      if (coarse[id]) {
        nx[id] = cur[id];
        continue;
      }
      u32 h = (u32)label[id];
      for (i32 e = start[id]; e < start[id + 1]; e++) h = mix(h, (u32)cur[edges.at[e]]);
      nx[id] = (i32)h;
    }
    i32 *t = cur;
    cur = nx;
    nx = t;
  }
  for (i32 id = 1; id < N; id++)
    if (infinite[id]) sig[id] = cur[id];
  return 1;
}

/* The struct-phase hash of a STRUCT/UNION (and, outside legacy mode, TYPEDEF) into *h; 0 for other kinds. */
static int struct_hash(i32 id, i32 *h) {
  u32 o = OFF[id];
  u32 k = kind_of_rec(o);
  if (k == K_TYPEDEF && !legacy) *h = hash_typedef(o);
  else if (is_composite(k)) *h = hash_struct(o);
  else return 0;
  if (sig && !force) *h = hc(*h, (u32)sig[id]);
  return 1;
}

/* Compute the signatures and rehash the table with them (ascending ids: the same order within each bucket). */
static int use_signatures(void) {
  if (!compute_sigs()) return 0;
  u8 *in_table = (u8 *)alloc((u32)N);
  if (!in_table) return 0;
  for (i32 b = 0; b <= mask; b++)
    for (i32 c = head[b]; c >= 0; c = nxt[c]) in_table[c] = 1;
  for (i32 b = 0; b <= mask; b++) head[b] = -1;
  for (i32 id = 1; id < N; id++) {
    if (!in_table[id]) continue;
    i32 h;
    if (!struct_hash(id, &h)) h = hv[id];
    table_add(h, id);
  }
  return !failed;
}

/* Split STRUCT/UNION (TYPEDEF) `id` folded into an equivalent one met before, else hashed; DEDUP_OK or DEDUP_BAD_INPUT. */
PER_ITEM int struct_type(i32 id, double budget) {
  if (map[id] >= 0) return DEDUP_OK;
  if (!sig && equiv_work >= budget && !use_signatures()) return DEDUP_BAD_INPUT;
  i32 h;
  if (!struct_hash(id, &h)) return DEDUP_OK;
  u32 o = OFF[id];
  int is_typedef = kind_of_rec(o) == K_TYPEDEF;
  i32 own = sig ? sig[id] : 0;
  i32 new_id = id;
  for (i32 c = head[h & mask]; c >= 0; c = nxt[c]) {
    /* another signature: the graph check would fail */
    if (hv[c] != h || (sig && sig[c] != own)) continue;
    u32 co = OFF[c];
    /* guard against FWD/STRUCT hash collisions before the graph check */
    if (is_typedef ? !equal_typedef(o, co) : !shallow_equal_struct(o, co)) continue;
    clear_hypot();
    int eq = is_equiv(id, c);
    if (failed) return DEDUP_BAD_INPUT;
    if (!eq) continue;
    merge_hypot();
    if (adjust_canon) continue; /* would need a base FWD resolved: not equivalent */
    new_id = c;
    break;
  }
  if (failed) return DEDUP_BAD_INPUT;
  map[id] = new_id;
  if (new_id == id) table_add(h, id);
  return DEDUP_OK;
}

/* The struct pass; the signatures are computed once the graph checks cost more than budget. */
static int structs(double budget) {
  for (i32 id = S; id < N; id++)
    if (struct_type(id, budget) != DEDUP_OK) return DEDUP_BAD_INPUT;
  return DEDUP_OK;
}

/* ---- FWDs still canonical whose name belongs to exactly one canonical struct/union ---- */

/*
 * The names of the canonical FWDs (string offsets), by open addressing (a table over every
 * string offset touched a page of fresh memory per struct name read): each with 1 (no
 * candidate yet), 2 (ambiguous) or a candidate id + 2.
 */
static u32 *fwd_keys, *fwd_vals; /* key: string offset + 1, 0 empty */
static u32 fwd_mask;
static u32 str_space;

/* The slot of FWD name `name`, or of where it would go (fwd_keys 0). */
static u32 fwd_slot(u32 name) {
  u32 i = (name * 0x9e3779b1u) & fwd_mask;
  while (fwd_keys[i] != 0 && fwd_keys[i] != name + 1) i = (i + 1) & fwd_mask;
  return i;
}

static void fwd_candidate(i32 id) {
  u32 o = OFF[id];
  if (!is_composite(kind_of_rec(o)) || map[id] != id || W[o] >= str_space) return;
  u32 i = fwd_slot(W[o]);
  if (fwd_keys[i] != 0) fwd_vals[i] = fwd_vals[i] == 1 ? (u32)id + 2 : 2;
}

static int resolve_fwds(void) {
  u32 n_fwds = 0;
  for (i32 id = S; id < N; id++)
    if (kind(id) == K_FWD && map[id] == id) n_fwds++;
  if (n_fwds == 0) return 1;
  u32 cap = 64;
  while (cap < 2 * n_fwds) cap *= 2;
  fwd_mask = cap - 1;
  fwd_keys = (u32 *)alloc(cap * 4);
  fwd_vals = (u32 *)alloc(cap * 4);
  if (!fwd_keys || !fwd_vals) return 0;
  for (i32 id = S; id < N; id++) {
    u32 o = OFF[id];
    if (kind_of_rec(o) != K_FWD || map[id] != id) continue;
    if (W[o] >= str_space) return 0;
    u32 i = fwd_slot(W[o]);
    fwd_keys[i] = W[o] + 1;
    fwd_vals[i] = 1;
  }
  for (i32 i = 0; i < n_base_composites; i++) fwd_candidate(base_composites[i]);
  for (i32 id = S; id < N; id++) fwd_candidate(id);
  for (i32 id = S; id < N; id++) {
    u32 o = OFF[id];
    if (kind_of_rec(o) != K_FWD || map[id] != id) continue;
    u32 slot = fwd_vals[fwd_slot(W[o])];
    if (slot < 3) continue;
    i32 c = (i32)slot - 2;
    u32 fwd_kind = info_kflag(W[o + 1]) ? K_UNION : K_STRUCT;
    if (kind(c) != fwd_kind) continue;
    map[id] = c;
  }
  return 1;
}

/* ---- reference types (dedup.ts refType, pushRefFrame, finishRef) ---- */

static i32 *ref_ids, *ref_first_word, *ref_done;
/* the type-id word positions of the open frames */
static id_vec word_sink;
static i32 ref_top, sink_len;

static int is_ref_kind(u32 k) {
  return k == K_CONST || k == K_VOLATILE || k == K_RESTRICT || k == K_PTR || k == K_FUNC || k == K_TYPE_TAG || k == K_TYPEDEF || k == K_DECL_TAG || k == K_ARRAY ||
         k == K_FUNC_PROTO;
}

static void collect_word(u32 w) {
  if (vec_room(&word_sink, (u32)sink_len, 1)) word_sink.at[sink_len++] = (i32)w;
}

static int push_ref_frame(i32 id) {
  u32 k = kind(id);
  if (!is_ref_kind(k)) return 0;
  map[id] = IN_PROGRESS;
  i32 top = ++ref_top;
  ref_ids[top] = id;
  ref_first_word[top] = sink_len;
  ref_done[top] = 0;
  for_each_type_id_word(W, OFF[id], collect_word);
  return !failed;
}

static i32 finish_ref(i32 id) {
  u32 o = OFF[id];
  u32 k = kind_of_rec(o);
  i32 h;
  equal_fn equal;
  switch (k) {
  case K_DECL_TAG:
    h = hash_int_tag(o);
    equal = equal_int_tag;
    break;
  case K_ARRAY:
    h = hash_array(o);
    equal = equal_array;
    break;
  case K_FUNC_PROTO:
    h = hash_fnproto(o);
    equal = equal_fnproto;
    break;
  default: /* CONST, VOLATILE, RESTRICT, PTR, FUNC, TYPE_TAG, and TYPEDEF in legacy mode */
    h = hash_common(o);
    equal = equal_common;
  }
  /* the base types this one could equal, if not in the table yet (see prep) */
  if (k != K_DECL_TAG && k != K_FUNC && k != K_TYPEDEF) add_base_refs(W[first_ref_word(k, o)]);
  i32 new_id = find_equal(h, o, id, equal);
  map[id] = new_id;
  if (new_id == id) table_add(h, id);
  return new_id;
}

PER_ITEM int ref_type(i32 root) {
  i32 m0 = map[root];
  if (m0 == IN_PROGRESS) return 0;
  if (m0 >= 0) return 1;
  sink_len = 0;
  ref_top = -1;
  if (!push_ref_frame(root)) return 0;
  while (ref_top >= 0) {
    i32 top = ref_top;
    i32 from = ref_first_word[top];
    i32 count = sink_len - from;
    if (ref_done[top] < count) {
      i32 w = word_sink.at[from + ref_done[top]];
      u32 t = checked(W[w]);
      if (failed) return 0;
      i32 m = map[t];
      if (m == IN_PROGRESS) return 0;
      if (m == UNPROCESSED) {
        if (!push_ref_frame((i32)t)) return 0;
        continue;
      }
      W[w] = (u32)resolve((i32)t);
      ref_done[top]++;
      continue;
    }
    sink_len = from;
    ref_top = top - 1;
    i32 result = finish_ref(ref_ids[top]);
    /* the frame below was waiting on this type: its word now holds a canonical id */
    if (top > 0) {
      W[word_sink.at[ref_first_word[top - 1] + ref_done[top - 1]]] = (u32)result;
      ref_done[top - 1]++;
    }
  }
  return 1;
}

/* ---- compaction: the canonical own types in order, renumbered from S, every id remapped ---- */

static void remap_out_word(u32 w) {
  u32 t = checked(out[w]);
  if (failed) return;
  i32 r = new_id[resolve((i32)t)];
  if (r < 0) failed = 1;
  out[w] = (u32)r;
}

PER_ITEM void base_ids_kept(u32 from, u32 to) {
  for (u32 id = from; id < to; id++) new_id[id] = (i32)id;
}

PER_ITEM void map_ids(u32 from, u32 to) {
  for (u32 id = from; id < to; id++) id_map[id] = (u32)new_id[resolve((i32)id)];
}

/* Canonical type `id` copied to out at `p`, its ids remapped; where the next goes. */
PER_ITEM u32 compact_record(i32 id, u32 p) {
  u32 o = OFF[id];
  u32 len = (id + 1 < N ? (u32)OFF[id + 1] : total_words) - o;
  for (u32 i = 0; i < len; i++) out[p + i] = W[o + i];
  for_each_type_id_word(out, p, remap_out_word);
  return p + len;
}

static int compact(void) {
  new_id = alloc_ids((u32)N);
  id_map = (u32 *)alloc_ids((u32)N);
  if (!new_id || !id_map) return 0;
  in_chunks(base_ids_kept, 0, (u32)S);
  u32 words = 0;
  i32 next = S;
  for (i32 id = S; id < N; id++) {
    if (map[id] != id) {
      new_id[id] = -1;
      continue;
    }
    new_id[id] = next++;
    u32 o = OFF[id];
    words += (id + 1 < N ? (u32)OFF[id + 1] : total_words) - o;
  }
  out = (u32 *)alloc(words * 4 + 4);
  if (!out) return 0;
  u32 p = 0;
  for (i32 id = S; id < N; id++) {
    if (map[id] != id) continue;
    p = compact_record(id, p);
    if (failed) return 0;
  }
  out_words = (i32)words;
  in_chunks(map_ids, 0, (u32)N);
  return 1;
}

/*
 * Deduplicate types S..N-1 of words[] (records at offs[id], offs[0] = void's zero words at
 * type_words, strings remapped) on base types 1..S-1. kinds: the kind table (SHAPE_BYTES per
 * kind 0..127); start_str_off: the own strings' first offset; str_space: one past the last
 * string offset; flags: 1 force collisions, 2 legacy; budget: graph pairs before
 * signatures are needed. The result: dedup_out_words() words at dedup_out(), dedup_id_map().
 */
PER_ITEM void unprocessed(u32 from, u32 to) {
  for (u32 i = from; i < to; i++) map[i] = hypot[i] = UNPROCESSED;
}

PER_ITEM void empty_heads(u32 from, u32 to) {
  for (u32 i = from; i < to; i++) head[i] = -1;
}

__attribute__((export_name("dedup_run"))) int dedup_run(const u8 *kinds, u32 *words, u32 type_words, const i32 *offs, i32 n, i32 s, u32 start_str_off,
                                                        u32 strings_end, u32 flags, double budget, u32 heap) {
  shapes = kinds;
  W = words;
  total_words = type_words;
  OFF = offs;
  N = n;
  S = s;
  str_space = strings_end;
  force = (flags & 1) != 0;
  legacy = (flags & 2) != 0;
  heap_at = heap;
  u32 cap = 1024;
  while (cap < (u32)n) cap *= 2;
  mask = (i32)cap - 1;
  map = alloc_ids((u32)n);
  hypot = alloc_ids((u32)n);
  hlist = alloc_ids((u32)n + 1);
  head = alloc_ids(cap);
  nxt = alloc_ids((u32)n);
  hv = alloc_ids((u32)n);
  ref_ids = alloc_ids((u32)n);
  ref_first_word = alloc_ids((u32)n);
  ref_done = alloc_ids((u32)n);
  word_sink.cap = stack.cap = 1024;
  word_sink.at = alloc_ids(word_sink.cap);
  stack.at = alloc_ids(stack.cap);
  if (!map || !hypot || !hlist || !head || !nxt || !hv || !ref_ids || !ref_first_word || !ref_done || !word_sink.at || !stack.at) return DEDUP_BAD_INPUT;
  in_chunks(unprocessed, 0, (u32)n);
  in_chunks(empty_heads, 0, cap);
  map[0] = 0;
  for (i32 id = s; id < n; id++) {
    u32 k = kind(id);
    if (k == K_VAR || k == K_DATASEC) map[id] = id;
  }
  if (!prep(start_str_off)) return DEDUP_BAD_INPUT;
  primitives();
  int r = structs(budget);
  if (r != DEDUP_OK) return r;
  if (!resolve_fwds()) return DEDUP_BAD_INPUT;
  for (i32 id = s; id < n; id++)
    if (!ref_type(id)) return DEDUP_BAD_INPUT;
  if (!compact()) return DEDUP_BAD_INPUT;
  return DEDUP_OK;
}

__attribute__((export_name("dedup_out"))) u32 dedup_out(void) { return (u32)out; }
__attribute__((export_name("dedup_out_words"))) u32 dedup_out_words(void) { return (u32)out_words; }
__attribute__((export_name("dedup_id_map"))) u32 dedup_id_map(void) { return (u32)id_map; }
__attribute__((export_name("dedup_graph_pairs"))) double dedup_graph_pairs(void) { return equiv_work; }
