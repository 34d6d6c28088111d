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

/* The table's accessors are a load or two: inlined, not called (-Oz would call them). */
#define INLINE static inline __attribute__((always_inline))

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

/* The table the caller laid out (sort.ts placeTable): records, word offset per id, strings, trailing words per kind. */
static void take_table(const u32 *w, const i32 *o, u32 n, const u8 *s, u32 slen, const u8 *iw) {
  words = w;
  offs = o;
  type_cnt = n;
  strs = s;
  str_len = slen;
  info_words = iw;
}

/* Every id read from a record goes through here: out of range, the caller takes over. */
INLINE u32 checked(u32 id) {
  if (id >= type_cnt) {
    failed = 1;
    return 0;
  }
  return id;
}

INLINE u32 info(u32 id) { return words[offs[id] + 1]; }
INLINE u32 kind(u32 id) { return info_kind(info(id)); }
INLINE u32 vlen(u32 id) { return info_vlen(info(id)); }
INLINE u32 name_off(u32 id) { return words[offs[id]]; }
INLINE u32 ref_type(u32 id) { return checked(words[offs[id] + 2]); }
INLINE u32 array_elem(u32 id) { return checked(words[offs[id] + 3]); }
INLINE u32 array_nelems(u32 id) { return words[offs[id] + 5]; }
INLINE u32 elems(u32 id) { return offs[id] + 3 + info_words[kind(id)]; }
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
 * The hot loops are functions of their own, each called many times: V8 runs a long loop in
 * its baseline code to the end (no on-stack replacement for WebAssembly), while a function
 * called again gets the optimized code compiled meanwhile.
 */
#define SLICE 4096

#define ID_BITS 21
#define NAME_BITS 20
#define ID_MASK ((1u << ID_BITS) - 1)

/*
 * Stable LSD radix sorts of 64-bit records, RADIX_BITS per pass: names by 5 bytes at a
 * time, types by their record's bits above the id (ids come in ascending, so equal names
 * stay in id order), each run of equal names by disambiguation hash. A merge sort
 * compared 2 million pairs here.
 */
#define RADIX_BITS 11
#define RADIX (1u << RADIX_BITS)
static u32 radix_counts[RADIX];

static u64 digit_of(u64 rec, u32 shift, int by_hash) {
  return (by_hash ? hashes[(u32)rec & ID_MASK] : rec) >> shift & (RADIX - 1);
}

/* One pass over src[0..n) by the digit at `shift`: its counts, then the records scattered into dst. */
__attribute__((noinline)) static void count_digits(const u64 *src, u32 from, u32 to, u32 shift, int by_hash) {
  for (u32 i = from; i < to; i++) radix_counts[digit_of(src[i], shift, by_hash)]++;
}
__attribute__((noinline)) static void scatter(const u64 *src, u64 *dst, u32 from, u32 to, u32 shift, int by_hash) {
  for (u32 i = from; i < to; i++) dst[radix_counts[digit_of(src[i], shift, by_hash)]++] = src[i];
}

/* src[0..n) sorted by `bits` bits from `low` (of the record, or of its id's hash) with tmp[0..n); the sorted array. */
static u64 *radix_sort(u64 *src, u64 *tmp, u32 n, u32 low, u32 bits, int by_hash) {
  for (u32 shift = low; shift < low + bits; shift += RADIX_BITS) {
    for (u32 d = 0; d < RADIX; d++) radix_counts[d] = 0;
    for (u32 i = 0; i < n; i += SLICE) count_digits(src, i, i + SLICE < n ? i + SLICE : n, shift, by_hash);
    u32 sum = 0, same = 0;
    for (u32 d = 0; d < RADIX; d++) {
      u32 c = radix_counts[d];
      if (c == n) same = 1;
      radix_counts[d] = sum;
      sum += c;
    }
    if (same) continue; /* one digit for all: this pass would change nothing */
    for (u32 i = 0; i < n; i += SLICE) scatter(src, tmp, i, i + SLICE < n ? i + SLICE : n, shift, by_hash);
    u64 *t = src;
    src = tmp;
    tmp = t;
  }
  return src;
}

/*
 * Names are sorted once, each distinct string getting its strcmp rank; types are then
 * ordered by one 64-bit word each: the rank slot (3 bits), the ranks of the sort name and
 * of the own name (NAME_BITS each) and the id (ID_BITS). Words that differ only in the id
 * belong to types with equal names, ordered by the disambiguation hash, then the id.
 */

static u32 *name_bits;   /* which string offsets are names to rank (a bit per offset) */
static u32 *bits_before; /* set bits in the words before each word of name_bits */
static u32 *rank_of;     /* the rank of each marked offset, by its index among them */

static void mark_name(u32 off) { name_bits[off >> 5] |= 1u << (off & 31); }

static u32 marked_index(u32 off) {
  u32 r = off & 31;
  return bits_before[off >> 5] + (r ? (u32)__builtin_popcount(name_bits[off >> 5] & (0xffffffffu >> (32 - r))) : 0);
}

static u32 name_rank(u32 off) { return rank_of[marked_index(off)]; }


/* Deepest recursion of sort_names, a 1 KiB frame each (the stack is 1 MiB). */
#define NAME_SORT_DEPTH 256
static u32 byte_counts[256];

/*
 * The names at run[0..len), which agree on their first `depth` bytes (none of them NUL), in
 * strcmp order: an MSD radix sort, bucketed by the byte at `depth`, each bucket then by the
 * next byte (names that end there are equal); short runs by insertion. buf: len of room.
 */
static void sort_names(u32 *run, u32 *buf, u32 len, u32 depth) {
  if (len <= 16) {
    for (u32 i = 1; i < len; i++) {
      u32 off = run[i], j = i;
      for (; j > 0 && compare_strs(run[j - 1] + depth, off + depth) > 0; j--) run[j] = run[j - 1];
      run[j] = off;
    }
    return;
  }
  if (depth > NAME_SORT_DEPTH) {
    failed = 1; /* many names sharing a long prefix: the caller sorts */
    return;
  }
  /* bucket sizes in byte_counts (zero again before recursing), ends in `ends` for the bytes seen */
  u32 lo = 255, hi = 0, ends[256];
  for (u32 i = 0; i < len; i++) {
    u32 c = strs[run[i] + depth];
    byte_counts[c]++;
    if (c < lo) lo = c;
    if (c > hi) hi = c;
  }
  for (u32 c = lo, sum = 0; c <= hi; c++) {
    ends[c] = sum; /* the bucket's start until the records are placed */
    sum += byte_counts[c];
    byte_counts[c] = 0;
  }
  for (u32 i = 0; i < len; i++) buf[ends[strs[run[i] + depth]]++] = run[i];
  for (u32 i = 0; i < len; i++) run[i] = buf[i];
  /* each bucket by the next byte; bucket 0 (names ending here) needs nothing */
  for (u32 c = lo, begin = 0; c <= hi; c++) {
    if (c != 0 && ends[c] - begin > 1) sort_names(run + begin, buf, ends[c] - begin, depth + 1);
    begin = ends[c];
  }
}

/* run[0..len), types of equal names in id order, ordered by hash (stable); buf: len records of room. */
static void order_by_hash(u64 *run, u64 *buf, u32 len) {
  for (u32 i = 0; i < len; i++) hash((u32)run[i] & ID_MASK, 1, 1);
  /* (a radix sort's passes cost 2 * RADIX each, whatever the length) */
  if (len <= 64) {
    for (u32 i = 1; i < len; i++) {
      u64 r = run[i], h = hashes[(u32)r & ID_MASK];
      u32 j = i;
      for (; j > 0 && hashes[(u32)run[j - 1] & ID_MASK] > h; j--) run[j] = run[j - 1];
      run[j] = r;
    }
    return;
  }
  u64 *sorted = radix_sort(run, buf, len, 0, 64, 1);
  if (sorted != run)
    for (u32 i = 0; i < len; i++) run[i] = sorted[i];
}

/* The runs of equal names in sorted[0..n), each ordered by hash; buf: n records of room. */
__attribute__((noinline)) static void order_ties(u64 *sorted, u64 *buf, u32 n) {
  for (u32 i = 0; i < n;) {
    u32 j = i + 1;
    while (j < n && (sorted[j] ^ sorted[i]) >> ID_BITS == 0) j++;
    if (j - i > 1) order_by_hash(sorted + i, buf, j - i);
    i = j;
  }
}

/* The rank slot (above bit 29) and sort-name offset of ids [from, to), both names marked. */
__attribute__((noinline)) static void name_types(u32 from, u32 to) {
  for (u32 id = from; id < to && !failed; id++) {
    u32 rank = type_rank(id), off = sort_name_off(id);
    sort_offs[id] = (rank == MAX_RANK ? 5 : rank) << 29 | off;
    mark_name(off);
    mark_name(checked_str(name_off(id)));
  }
}

/* Each type's record from its slot and its names' ranks, ids [from, to). */
__attribute__((noinline)) static void make_records(u64 *recs, u32 from, u32 to) {
  for (u32 id = from; id < to; id++) {
    u32 so = sort_offs[id];
    recs[id] = (u64)(so >> 29) << 61 | (u64)name_rank(so & 0x1fffffff) << (ID_BITS + NAME_BITS) | (u64)name_rank(name_off(id)) << ID_BITS | id;
  }
}

/*
 * All ids in sorted order as n u32 at scratch (over the records they came from, so no
 * memory of their own); 0, or 1 when the caller must sort instead. scratch: zeroed (fresh
 * memory), 8-aligned, SCRATCH_BYTES(n, slen) (sort.ts sortScratchBytes). Fewer than
 * 2^ID_BITS types, 2^NAME_BITS distinct names and a string table under 2^29 bytes.
 */
__attribute__((export_name("sort_types"))) i32 sort_types(const u32 *w, const i32 *o, u32 n, const u8 *s, u32 slen, const u8 *iw, u8 *scratch) {
  take_table(w, o, n, s, slen, iw);
  failed = n > ID_MASK || slen >= 1u << 29; /* (sort_offs keeps the rank slot above bit 29) */
  if (failed) return 1;
  /* records, their sort buffer and the hash memo */
  u64 *recs = (u64 *)scratch, *tmp = recs + n;
  hashes = tmp + n;
  sort_offs = (u32 *)(hashes + n);
  hashed = (u8 *)(sort_offs + n);
  u32 name_words = (slen >> 5) + 1;
  name_bits = (u32 *)(((u32)(hashed + n) + 7) & ~7u);
  bits_before = name_bits + name_words;
  rank_of = bits_before + name_words;
  for (u32 id = 0; id < n; id += SLICE) name_types(id, id + SLICE < n ? id + SLICE : n);
  if (failed) return 1;
  /* the marked offsets (at most 2n, as u32) at recs, sorted through tmp */
  u32 *names = (u32 *)recs;
  u32 count = 0;
  for (u32 i = 0; i < name_words; i++) {
    bits_before[i] = count;
    for (u32 b = name_bits[i]; b; b &= b - 1) names[count++] = i * 32 + (u32)__builtin_ctz(b);
  }
  sort_names(names, (u32 *)tmp, count, 0);
  if (failed) return 1;
  u32 rank = 0;
  for (u32 i = 0; i < count; i++) {
    u32 off = names[i];
    if (i > 0 && compare_strs(names[i - 1], off) != 0) rank++;
    rank_of[marked_index(off)] = rank;
  }
  if (rank >= 1u << NAME_BITS) return 1;
  for (u32 id = 0; id < n; id += SLICE) make_records(recs, id, id + SLICE < n ? id + SLICE : n);
  u64 *sorted = radix_sort(recs, tmp, n, ID_BITS, 64 - ID_BITS, 0);
  order_ties(sorted, sorted == recs ? tmp : recs, n);
  if (failed) return 1;
  /* Into recs: where sorted is recs, out[i] overwrites bytes of sorted[i / 2], already read. */
  u32 *out = (u32 *)recs;
  for (u32 i = 0; i < n; i++) out[i] = (u32)sorted[i] & ID_MASK;
  return failed ? 1 : 0;
}
