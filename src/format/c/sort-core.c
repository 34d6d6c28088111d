/*
 * bpftool's sorted `format c` order (btf_type_rank, btf_type_compare and sort_btf_c in
 * tools/bpf/bpftool/btf.c) over the flat records of a TypeTable, compiled to WebAssembly by
 * scripts/build-wasm.mjs. The same order as sortedTypeOrderJs in sort.ts, which stays the
 * fallback and the reference; this one runs without a JIT warming up: in a one-shot
 * `btfkit dump --format c` the JavaScript sort spent most of its time in cold code.
 *
 * No libc: the caller lays out memory above heap_base() and passes the addresses. Any input
 * the JavaScript sort would treat specially (a type id out of range, a walk deeper than
 * MAX_WALK_DEPTH) makes sort_types return 1, and the caller runs the JavaScript sort, which
 * reports it as it always did.
 */

#include "../../wasm/core.h"

#define MAX_RANK 10
#define MAX_WALK_DEPTH 1000 /* limits.ts */

static const u32 *words;
static const i32 *offs;
static const u8 *strs;
static const u8 *info_words; /* trailing-data words per kind */
static u32 type_cnt;
static u32 str_len;
static u64 *hashes;
static u8 *hashed;
static u32 *sort_offs;
static int failed;

/* Every id read from a record goes through here: out of range, the caller takes over. */
static u32 checked(u32 id) {
  if (id >= type_cnt) {
    failed = 1;
    return 0;
  }
  return id;
}

static u32 info(u32 id) { return words[offs[id] + 1]; }
static u32 kind(u32 id) { return info_kind(info(id)); }
static u32 vlen(u32 id) { return info_vlen(info(id)); }
static u32 name_off(u32 id) { return words[offs[id]]; }
static u32 ref_type(u32 id) { return checked(words[offs[id] + 2]); }
static u32 array_elem(u32 id) { return checked(words[offs[id] + 3]); }
static u32 array_nelems(u32 id) { return words[offs[id] + 5]; }
static u32 elems(u32 id) { return offs[id] + 3 + info_words[kind(id)]; }
static int is_any_enum(u32 k) { return k == K_ENUM || k == K_ENUM64; }
static int is_ranked_by_target(u32 k) {
  return k == K_TYPEDEF || k == K_VOLATILE || k == K_CONST || k == K_RESTRICT || k == K_TYPE_TAG || k == K_PTR || k == K_DECL_TAG;
}

/* A string offset past the table: the caller takes over (it reads 0 there). */
static u32 checked_str(u32 off) {
  if (off >= str_len) {
    failed = 1;
    return 0;
  }
  return off;
}

static u32 type_rank(u32 id) {
  int has_name = 0;
  for (int depth = 0; depth < MAX_WALK_DEPTH && !failed; depth++) {
    if (name_off(id) != 0) has_name = 1;
    u32 k = kind(id);
    switch (k) {
    case K_ENUM:
    case K_ENUM64:
      return has_name ? 1 : 0;
    case K_INT:
    case K_FLOAT:
      return 2;
    case K_STRUCT:
    case K_UNION:
      return has_name ? 3 : MAX_RANK;
    case K_FUNC_PROTO:
      return has_name ? 4 : MAX_RANK;
    case K_ARRAY:
      if (!has_name) return MAX_RANK;
      id = array_elem(id);
      break;
    default:
      if (!is_ranked_by_target(k) || !has_name) return MAX_RANK;
      id = ref_type(id);
    }
  }
  return MAX_RANK;
}

static u32 sort_name_off(u32 id) {
  int from_ref = 0;
  for (int depth = 0; depth < MAX_WALK_DEPTH && !failed; depth++) {
    u32 k = kind(id);
    if (is_any_enum(k)) {
      u32 off = name_off(id);
      if (!from_ref && off == 0 && vlen(id) > 0) off = words[elems(id)];
      return checked_str(off);
    }
    if (k == K_ARRAY) id = array_elem(id);
    else if (is_ranked_by_target(k)) id = ref_type(id);
    else return checked_str(name_off(id));
    from_ref = 1;
  }
  return 0;
}

/* libbpf's str_hash: h = h * 31 + (signed char) byte, mod 2^64. */
static u64 mix_name(u64 h, u32 off) {
  if (off == 0) return h;
  u64 s = 0;
  for (const u8 *p = strs + checked_str(off); *p; p++) s = s * 31 + (u64)(signed char)*p;
  return h * 31 + s;
}

/*
 * The disambiguation hash, memoized with members (the hash of a whole type); without them
 * (a member's type) the walk stops at the first struct or union, so it is short.
 */
static u64 hash(u32 id, int members, int depth) {
  if (depth > MAX_WALK_DEPTH || failed) {
    failed = 1;
    return 0;
  }
  if (members && hashed[id]) return hashes[id];
  u64 h = mix_name(0, name_off(id));
  u32 k = kind(id);
  if (is_any_enum(k)) {
    u32 n = vlen(id), e = elems(id), stride = k == K_ENUM ? 2 : 3;
    for (u32 i = 0; i < n; i++, e += stride) h = mix_name(h, words[e]);
  } else if (k == K_STRUCT || k == K_UNION) {
    if (members) {
      u32 n = vlen(id), e = elems(id);
      for (u32 i = 0; i < n; i++, e += 3) {
        h = mix_name(h, words[e]);
        h = h * 31 + hash(checked(words[e + 1]), 0, depth + 1);
      }
    }
  } else if (is_ranked_by_target(k)) {
    h = h * 31 + hash(ref_type(id), members, depth + 1);
  } else if (k == K_ARRAY) {
    h = h * 31 + array_nelems(id);
    h = h * 31 + hash(array_elem(id), members, depth + 1);
  }
  if (members) {
    hashed[id] = 1;
    hashes[id] = h;
  }
  return h;
}

/* strcmp: unsigned bytes. */
static int compare_strs(u32 a, u32 b) {
  const u8 *x = strs + a, *y = strs + b;
  for (;;) {
    u8 c = *x++, d = *y++;
    if (c != d) return c < d ? -1 : 1;
    if (c == 0) return 0;
  }
}

/*
 * A type to sort as one 64-bit word: the rank (3 bits), the first 5 bytes of its sort name
 * (NUL-padded) and its id (ID_BITS). Most pairs are ordered by the word above the id, as
 * (rank, strcmp of the sort names) would order them; equal ones by compare_tied.
 */
#define ID_BITS 21
static u64 record(u32 rank, u32 off, u32 id) {
  u64 k = (u64)(rank == MAX_RANK ? 5 : rank) << 61;
  const u8 *p = strs + off;
  for (int i = 0; i < 5 && *p; i++, p++) k |= (u64)*p << (53 - 8 * i);
  return k | id;
}

/* (sort name, own name, disambiguation hash, id) of two types whose keys are equal. */
static int compare_tied(u32 a, u32 b) {
  int c = compare_strs(sort_offs[a], sort_offs[b]);
  if (c != 0) return c;
  c = compare_strs(name_off(a), name_off(b));
  if (c != 0) return c;
  u64 ha = hash(a, 1, 1), hb = hash(b, 1, 1);
  if (ha != hb) return ha < hb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

#define ID_MASK ((1u << ID_BITS) - 1)

static int before(u64 x, u64 y) {
  if ((x >> ID_BITS) != (y >> ID_BITS)) return x < y;
  return compare_tied((u32)x & ID_MASK, (u32)y & ID_MASK) < 0;
}

/* Bottom-up merge sort of recs[0..n), with tmp[0..n); the sorted array (one of the two). */
static u64 *merge_sort(u64 *recs, u64 *tmp, u32 n) {
  u64 *src = recs, *dst = tmp;
  for (u32 width = 1; width < n; width *= 2) {
    for (u32 lo = 0; lo < n; lo += 2 * width) {
      u32 mid = lo + width < n ? lo + width : n;
      u32 hi = lo + 2 * width < n ? lo + 2 * width : n;
      u32 i = lo, j = mid, k = lo;
      while (i < mid && j < hi) dst[k++] = before(src[j], src[i]) ? src[j++] : src[i++];
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    u64 *t = src;
    src = dst;
    dst = t;
  }
  return src;
}

/*
 * All ids in sorted order as n u32 at scratch + 8 * n (over the records they came from, so
 * no memory of their own); 0, or 1 when the caller must sort instead. scratch: 29 bytes per
 * type, 8-aligned, zeroed (fresh memory). Fewer than 2^ID_BITS types.
 */
__attribute__((export_name("sort_types"))) i32 sort_types(const u32 *w, const i32 *o, u32 n, const u8 *s, u32 slen, const u8 *iw, u8 *scratch) {
  words = w;
  offs = o;
  type_cnt = n;
  strs = s;
  str_len = slen;
  info_words = iw;
  failed = n > ID_MASK;
  hashes = (u64 *)scratch;
  u64 *recs = hashes + n;
  u64 *tmp = recs + n;
  sort_offs = (u32 *)(tmp + n);
  hashed = (u8 *)(sort_offs + n);
  for (u32 id = 0; id < n && !failed; id++) {
    sort_offs[id] = sort_name_off(id);
    recs[id] = record(type_rank(id), sort_offs[id], id);
    checked_str(name_off(id));
  }
  if (failed) return 1;
  u64 *sorted = merge_sort(recs, tmp, n);
  /* Into recs: where sorted is recs, out[i] overwrites bytes of sorted[i / 2], already read. */
  u32 *out = (u32 *)recs;
  for (u32 i = 0; i < n; i++) out[i] = (u32)sorted[i] & ID_MASK;
  return failed ? 1 : 0;
}
