/*
 * The body of `format c` (libbpf's btf_dump as bpftool 7.8 drives it: every type in the
 * given order, or a few roots, then the kfunc prototypes), byte for byte as dumper.ts and
 * header.ts write it, compiled to WebAssembly by scripts/build-wasm.mjs. The JavaScript
 * dumper stays the reference and the path for everything this gives back; this one runs
 * without a JIT warming up: in a one-shot `btfkit dump --format c` of vmlinux the JavaScript
 * dumper spent most of its time in cold code.
 *
 * sort-core.c is compiled in (its table accessors, and sort_types for the sorted order), so
 * a sorted dump copies the table into one instance and compiles one module.
 *
 * No libc. The caller lays out the table above heap_base() as for sort_types, calls
 * dump_check() (nonzero: an input the JavaScript dumper must take: a kind it does not know,
 * an id or string offset out of range, a string table that does not end in NUL or is not
 * UTF-8, which the JavaScript dumper decodes), then dump_c(). Text goes in chunks to the
 * imported flush(length) from out[0..length). Where the JavaScript dumper would throw (a
 * walk deeper than MAX_WALK_DEPTH, a cycle C cannot express) the core traps
 * (unreachable); the caller then has the JavaScript dumper report it.
 */

#include "sort-core.c"
#include "../../wasm/btf-index.h"

__attribute__((import_module("env"), import_name("flush"))) void flush(u32 length);

#define MAX_PADDING_LINES (1 << 16) /* limits.ts */
#define MAX_RESOLVE_DEPTH 32        /* libbpf; model/sizes.ts */
#define DECL_STACK_CAP (1 << 16)
#define OUT_CAP (1 << 18)

/* order_state / emit_state (0, fresh memory's value, is "not ordered" / "not emitted") */
enum { ORDERING = 1, ORDERED = 2 };
enum { NOT_EMITTED = 0, EMITTING = 1, EMITTED = 2 };

static u32 ptr_size;
static u8 *order_state, *emit_state, *fwd_emitted, *referenced, *align_memo, *fastcall;
/* The ___N of each type's name, 0 = not resolved yet (a resolved name has 1 or more). */
static i32 *name_dup;
static u32 *emit_queue;
static u32 queued;
static u32 *decl_stack;
static u32 decl_cnt;
/* The declaration chain being written: decl_stack[d_start .. d_start + d_cnt), top first. */
static u32 d_start, d_cnt;
static u32 depth;
static u8 *out;
static u32 pos;
static u32 heap_top;
/* Nonzero: alloc() may not go past it (the input lies below, read in place by the caller's views, which growing would detach). */
static u32 heap_limit;
/* Room for the kfunc ids and their sort (emit_kfuncs), laid out with the rest by dump_check. */
static u32 *kfunc_ids, *kfunc_tmp;

/* Where the JavaScript dumper throws: stop here, the caller has it report the error. */
__attribute__((noreturn)) static void fail(void) { __builtin_trap(); }

/* Zeroed memory above everything placed so far (the memory is grown to hold it). */
static void *alloc(u32 bytes) {
  u32 at = (heap_top + 7) & ~7u;
  heap_top = at + bytes;
  if (heap_limit && heap_top > heap_limit) fail();
  u32 have = (u32)__builtin_wasm_memory_size(0) * 65536;
  if (heap_top > have && __builtin_wasm_memory_grow(0, (heap_top - have + 65535) / 65536) < 0) fail();
  return (void *)at;
}

/* ---- output ---- */

__attribute__((noinline)) static void flush_out(void) {
  flush(pos);
  pos = 0;
}

INLINE void put(u8 c) {
  if (pos == OUT_CAP) flush_out();
  out[pos++] = c;
}

/* The NUL-terminated bytes at s. */
static void put_bytes(const u8 *s) {
  for (;;) {
    u8 *o = out + pos, *stop = out + OUT_CAP;
    while (o < stop && *s) *o++ = *s++;
    pos = (u32)(o - out);
    if (!*s) return;
    flush_out();
  }
}

static void lit(const char *s) { put_bytes((const u8 *)s); }

static void put_str(u32 off) { put_bytes(strs + off); }

static void put_u64(u64 n) {
  u8 digits[20];
  int k = decimal_digits_reversed(digits, n);
  while (k) put(digits[--k]);
}

static void put_i64(i64 n) {
  if (n < 0) {
    put('-');
    put_u64(0 - (u64)n);
  } else {
    put_u64((u64)n);
  }
}

/* Indentation for nesting level lvl (at most 13 tabs, as libbpf). */
static void tabs(u32 lvl) {
  for (u32 i = 0; i < lvl && i < 13; i++) put('\t');
}

/* ---- the table ---- */

INLINE u32 word(u32 id, u32 w) { return words[offs[id] + w]; }
INLINE u32 size_of(u32 id) { return word(id, 2); }
INLINE int kflag(u32 id) { return info_kflag(info(id)); }
INLINE int is_composite(u32 k) { return k == K_STRUCT || k == K_UNION; }
static int str_is(u32 off, const char *s) {
  const u8 *p = strs + off;
  while (*s)
    if (*p++ != (u8)*s++) return 0;
  return *p == 0;
}
INLINE int has_name_at(u32 off) { return off != 0 && strs[off] != 0; }

/* ---- ___N: uses of each name, keyed by its bytes (names.ts) ---- */

struct names {
  u32 *slots; /* string offset + 1 of the name (0 = empty slot), then its count */
  u32 mask;
};
static struct names type_names, ident_names;

static void names_init(struct names *t, u32 bound) {
  u32 cap = 1024;
  while (cap < bound * 2) cap *= 2;
  t->slots = alloc(cap * 8);
  t->mask = cap - 1;
}

static u32 hash_str(u32 off) {
  u32 h = 0x811c9dc5;
  for (const u8 *p = strs + off; *p; p++) h = (h ^ *p) * 0x01000193;
  return h;
}

/* One more use of the name at `off`; the count including it (1 the first time). */
static i32 names_take(struct names *t, u32 off) {
  for (u32 i = hash_str(off) & t->mask;; i = (i + 1) & t->mask) {
    u32 *s = t->slots + 2 * i;
    if (s[0] == 0) {
      s[0] = off + 1;
      s[1] = 1;
      return 1;
    }
    if (s[0] == off + 1 || compare_strs(s[0] - 1, off) == 0) return (i32)++s[1];
  }
}

/*
 * The ___N of id's name (1 or less: none), taken the first time it is asked for (libbpf:
 * the order types are first written out); 0 for an anonymous type.
 */
static i32 name_dup_of(u32 id, struct names *t) {
  if (name_dup[id]) return name_dup[id];
  u32 off = name_off(id);
  if (off == 0) return 0;
  u32 k = kind(id);
  i32 dup = k != K_FWD && !(k == K_ENUM && vlen(id) == 0) ? names_take(t, off) : 1;
  name_dup[id] = dup;
  return dup;
}

static void put_dup(i32 dup) {
  if (dup > 1) {
    lit("___");
    put_u64((u64)dup);
  }
}

static void write_name(u32 id, struct names *t) {
  i32 dup = name_dup_of(id, t);
  put_str(name_off(id));
  put_dup(dup);
}

/* ---- layout (libbpf btf__align_of, btf__resolve_size) ---- */

static void enter(void) {
  if (++depth > MAX_WALK_DEPTH) fail();
}

static u32 align_of(u32 id);

/*
 * One walk over a struct/union's members for both alignment questions: the largest member
 * alignment, and the first member that stops the walk: one without alignment (only when
 * stop_on_no_align) or a non-bitfield member off its alignment.
 */
enum { SCAN_NONE, SCAN_NO_ALIGN, SCAN_MISALIGNED };
static int scan_members(u32 id, int stop_on_no_align, u32 *max_align) {
  u32 n = vlen(id), e = elems(id);
  int kf = kflag(id);
  *max_align = 1;
  for (u32 i = 0; i < n; i++, e += 3) {
    u32 a = align_of(words[e + 1]);
    if (a == 0 && stop_on_no_align) return SCAN_NO_ALIGN;
    if (a > *max_align) *max_align = a;
    u32 off = words[e + 2];
    u32 bit_sz = kf ? off >> 24 : 0;
    u32 bit_off = kf ? off & 0xffffff : off;
    if (a > 0 && bit_sz == 0 && bit_off % (8 * a) != 0) return SCAN_MISALIGNED;
  }
  return SCAN_NONE;
}

static u32 compute_align(u32 id) {
  switch (kind(id)) {
  case K_INT:
  case K_ENUM:
  case K_ENUM64:
  case K_FLOAT:
    return ptr_size < size_of(id) ? ptr_size : size_of(id);
  case K_PTR:
    return ptr_size;
  case K_TYPEDEF:
  case K_VOLATILE:
  case K_CONST:
  case K_RESTRICT:
  case K_TYPE_TAG:
    return align_of(ref_type(id));
  case K_ARRAY:
    return align_of(array_elem(id));
  case K_STRUCT:
  case K_UNION: {
    /* a member without alignment makes the type unalignable; a misaligned non-bitfield
       member, or a size that is not a multiple, means packed (align 1) */
    u32 max_align;
    int scan = scan_members(id, 1, &max_align);
    if (scan == SCAN_NO_ALIGN) return 0;
    if (scan == SCAN_MISALIGNED) return 1;
    return size_of(id) % max_align != 0 ? 1 : max_align;
  }
  default:
    return 0;
  }
}

/* Alignment of id in bytes; 0 when it has none (FWD, FUNC_PROTO, void). */
static u32 align_of(u32 id) {
  u32 m = align_memo[id];
  if (m) return m - 1;
  enter();
  u32 a = compute_align(id);
  depth--;
  if (a < 255) align_memo[id] = (u8)(a + 1);
  return a;
}

static int is_struct_packed(u32 id) {
  /* libbpf's btf_is_struct_packed: members without alignment are skipped, not fatal */
  u32 max_align;
  return scan_members(id, 0, &max_align) == SCAN_MISALIGNED || size_of(id) % max_align != 0;
}

/* Byte size of id, libbpf's way; -1 when it has none, -2 when it overflows 32 bits. */
static i64 resolve_size(u32 id) {
  u64 nelems = 1;
  for (int d = 0; d < MAX_RESOLVE_DEPTH; d++) {
    if (id == 0) return -1;
    switch (kind(id)) {
    case K_INT:
    case K_STRUCT:
    case K_UNION:
    case K_ENUM:
    case K_ENUM64:
    case K_DATASEC:
    case K_FLOAT: {
      u64 size = size_of(id);
      if (nelems != 0 && size * nelems > 0xffffffffu) return -2;
      return (i64)(nelems * size);
    }
    case K_PTR:
      return (i64)(nelems * ptr_size);
    case K_TYPEDEF:
    case K_VOLATILE:
    case K_CONST:
    case K_RESTRICT:
    case K_VAR:
    case K_DECL_TAG:
    case K_TYPE_TAG:
      id = ref_type(id);
      break;
    case K_ARRAY: {
      u64 n = array_nelems(id);
      if (nelems != 0 && n * nelems > 0xffffffffu) return -2;
      nelems *= n;
      id = array_elem(id);
      break;
    }
    default:
      return -1;
    }
  }
  return -1;
}

/* ---- padding (libbpf btf_dump_emit_bit_padding) ---- */

static const char *const PAD_NAMES[4] = {"long", "int", "short", "char"};

static u64 roundup(u64 x, u64 y) { return (x + y - 1) / y * y; }

static void pad_line(u32 lvl, const char *type, u64 bits) {
  put('\n');
  tabs(lvl);
  lit(type);
  lit(": ");
  put_u64(bits);
  put(';');
}

static void bit_padding(u64 cur, u64 next, u32 next_align, int in_bitfield, u32 lvl) {
  if (cur >= next) return;
  if (next - cur > (u64)MAX_PADDING_LINES * 8 * ptr_size) {
    /* A gap of more than MAX_PADDING_LINES words: one array of bytes (dumper.ts says why). */
    if (cur % 8 != 0) {
      pad_line(lvl, "char", 8 - cur % 8);
      cur += 8 - cur % 8;
    }
    u64 bytes = (next - cur) / 8;
    put('\n');
    tabs(lvl);
    lit("char __pad_");
    put_u64(cur / 8);
    put('[');
    put_u64(bytes);
    lit("];");
    cur += bytes * 8;
    if (cur == next) return;
  }
  u64 pad_bits[4] = {(u64)ptr_size * 8, 32, 16, 8};
  u64 new_off = 0, bits_of = 0;
  int pad = 0;
  for (pad = 0; pad < 4; pad++) {
    bits_of = pad_bits[pad];
    new_off = roundup(cur, bits_of);
    if (new_off <= next) break;
  }
  if (pad == 4) pad = 3;
  if (new_off > cur && new_off <= next) {
    if (in_bitfield || (new_off == next && (next_align == 0 || roundup(cur, (u64)next_align * 8) != new_off)) ||
        (new_off != next && next - new_off <= new_off - cur))
      pad_line(lvl, PAD_NAMES[pad], in_bitfield ? new_off - cur : 0);
    cur = new_off;
  }
  while (cur != next) {
    u64 bits = next - cur < bits_of ? next - cur : bits_of;
    if (bits == bits_of) {
      pad_line(lvl, PAD_NAMES[pad], bits_of);
      cur += bits;
      continue;
    }
    for (int i = 3; i >= 0; i--) {
      pad = i;
      bits_of = pad_bits[i];
      if (bits_of < bits) continue;
      pad_line(lvl, PAD_NAMES[pad], bits);
      cur += bits;
      break;
    }
  }
}

/* ---- definitions ---- */

static void type_decl(u32 id, u32 fname, i32 fdup, u32 lvl);

static void struct_fwd(u32 id) {
  lit(kind(id) == K_STRUCT ? "struct" : "union");
  if (name_off(id) != 0) {
    put(' ');
    write_name(id, &type_names);
  }
}

static void struct_def(u32 id, u32 lvl) {
  int is_struct = kind(id) == K_STRUCT;
  u32 n = vlen(id), e = elems(id);
  int kf = kflag(id);
  u32 size = size_of(id);
  u32 align = align_of(id);
  int packed = is_struct ? is_struct_packed(id) : 0;
  struct_fwd(id);
  lit(" {");
  u64 off = 0;
  int prev_bitfield = 0;
  for (u32 i = 0; i < n; i++, e += 3) {
    u32 mtype = words[e + 1], moff = words[e + 2];
    u32 m_sz = kf ? moff >> 24 : 0;
    u32 m_off = kf ? moff & 0xffffff : moff;
    u32 m_align = packed ? 1 : align_of(mtype);
    bit_padding(off, m_off, m_align, prev_bitfield && m_sz != 0, lvl + 1);
    put('\n');
    tabs(lvl + 1);
    type_decl(mtype, words[e], 0, lvl + 1);
    if (m_sz) {
      lit(": ");
      put_u64(m_sz);
      off = (u64)m_off + m_sz;
      prev_bitfield = 1;
    } else {
      i64 sz = resolve_size(mtype);
      off = (u64)m_off + (u64)(sz > 0 ? sz : 0) * 8;
      prev_bitfield = 0;
    }
    put(';');
  }
  if (is_struct) bit_padding(off, (u64)size * 8, align, 0, lvl + 1);
  if (n || size) {
    put('\n');
    tabs(lvl);
  }
  put('}');
  if (packed) lit(" __attribute__((packed))");
}

/* `enum NAME` (de-conflicted), or `enum` for an anonymous one. */
static void enum_fwd(u32 id) {
  lit("enum");
  if (name_off(id) != 0) {
    put(' ');
    write_name(id, &type_names);
  }
}

static void enum_def(u32 id, u32 lvl) {
  u32 n = vlen(id);
  enum_fwd(id);
  if (!n) return;
  lit(" {");
  int is_signed = kflag(id);
  int is64 = kind(id) == K_ENUM64;
  int any_hi = 0;
  u32 e = elems(id);
  for (u32 i = 0; i < n; i++, e += is64 ? 3 : 2) {
    u32 off = words[e];
    i32 dup = names_take(&ident_names, off);
    put('\n');
    tabs(lvl + 1);
    put_str(off);
    put_dup(dup);
    lit(" = ");
    if (is64) {
      u32 hi = words[e + 2];
      if (hi != 0) any_hi = 1;
      u64 v = (u64)hi << 32 | words[e + 1];
      if (is_signed) {
        put_i64((i64)v);
        lit("LL");
      } else {
        put_u64(v);
        lit("ULL");
      }
    } else if (is_signed) {
      put_i64((i32)words[e + 1]);
    } else {
      put_u64(words[e + 1]);
    }
    put(',');
  }
  put('\n');
  tabs(lvl);
  put('}');
  u32 size = size_of(id);
  if (size == 1) lit(" __attribute__((mode(byte)))");
  else if (size == 8 && ptr_size == 8 && (!is64 || !any_hi)) lit(" __attribute__((mode(word)))");
}

static void fwd_def(u32 id) {
  lit(kflag(id) ? "union " : "struct ");
  write_name(id, &type_names);
}

static void typedef_def(u32 id, u32 lvl) {
  i32 dup = name_dup_of(id, &ident_names);
  u32 off = name_off(id);
  if (ref_type(id) == 0 && dup <= 1 && str_is(off, "__gnuc_va_list")) {
    lit("typedef __builtin_va_list __gnuc_va_list");
    return;
  }
  lit("typedef ");
  type_decl(ref_type(id), off, dup, lvl);
}

/* ---- declarations (type chains; libbpf btf_dump_emit_type_decl) ---- */

static void emit_mods(void) {
  while (d_cnt) {
    u32 k = kind(decl_stack[d_start + d_cnt - 1]);
    if (k == K_VOLATILE) lit("volatile ");
    else if (k == K_CONST) lit("const ");
    else if (k == K_RESTRICT) lit("restrict ");
    else return;
    d_cnt--;
  }
}

static void drop_mods(void) {
  while (d_cnt) {
    u32 k = kind(decl_stack[d_start + d_cnt - 1]);
    if (k != K_VOLATILE && k != K_CONST && k != K_RESTRICT && k != K_TYPE_TAG) return;
    d_cnt--;
  }
}

/* A declared name: the string at fname, with ___fdup when fdup > 1. */
static int has_decl_name(u32 fname, i32 fdup) { return fdup > 1 || has_name_at(fname); }

static void emit_name(u32 fname, i32 fdup, int last_was_ptr) {
  if (!has_decl_name(fname, fdup)) return;
  if (!last_was_ptr) put(' ');
  put_str(fname);
  put_dup(fdup);
}

static void type_chain(u32 fname, i32 fdup, u32 lvl);

static void type_chain_at(u32 fname, i32 fdup, u32 lvl) {
  int last_was_ptr = 1;
  while (d_cnt) {
    u32 id = decl_stack[d_start + --d_cnt];
    if (id == 0) {
      emit_mods();
      lit("void");
      last_was_ptr = 0;
      continue;
    }
    u32 k = kind(id);
    switch (k) {
    case K_INT:
    case K_FLOAT:
      emit_mods();
      put_str(name_off(id));
      break;
    case K_STRUCT:
    case K_UNION:
      emit_mods();
      if (name_off(id) == 0) struct_def(id, lvl);
      else struct_fwd(id);
      break;
    case K_ENUM:
    case K_ENUM64:
      emit_mods();
      if (name_off(id) == 0) enum_def(id, lvl);
      else enum_fwd(id);
      break;
    case K_FWD:
      emit_mods();
      fwd_def(id);
      break;
    case K_TYPEDEF:
      emit_mods();
      write_name(id, &ident_names);
      break;
    case K_PTR:
      lit(last_was_ptr ? "*" : " *");
      break;
    case K_VOLATILE:
      lit(" volatile");
      break;
    case K_CONST:
      lit(" const");
      break;
    case K_RESTRICT:
      lit(" restrict");
      break;
    case K_TYPE_TAG:
      emit_mods();
      if (kflag(id)) {
        lit(" __attribute__((");
        put_str(name_off(id));
        lit("))");
      } else {
        lit(" __attribute__((btf_type_tag(\"");
        put_str(name_off(id));
        lit("\")))");
      }
      break;
    case K_ARRAY: {
      u32 nelems = array_nelems(id);
      drop_mods();
      if (d_cnt == 0) {
        emit_name(fname, fdup, last_was_ptr);
        put('[');
        put_u64(nelems);
        put(']');
        return;
      }
      u32 next = decl_stack[d_start + d_cnt - 1];
      int multidim = kind(next) == K_ARRAY && next != 0;
      if (has_decl_name(fname, fdup) && !last_was_ptr) put(' ');
      if (!multidim) put('(');
      type_chain(fname, fdup, lvl);
      if (!multidim) put(')');
      put('[');
      put_u64(nelems);
      put(']');
      return;
    }
    case K_FUNC_PROTO: {
      u32 n = vlen(id), e = elems(id);
      drop_mods();
      if (d_cnt) {
        lit(" (");
        type_chain(fname, fdup, lvl);
        put(')');
      } else {
        emit_name(fname, fdup, last_was_ptr);
      }
      put('(');
      if (n == 0 || (n == 1 && words[e + 1] == 0)) {
        lit("void)");
        return;
      }
      for (u32 i = 0; i < n; i++, e += 2) {
        u32 ptype = words[e + 1];
        if (i > 0) lit(", ");
        if (i == n - 1 && ptype == 0) {
          lit("...");
          break;
        }
        type_decl(ptype, words[e], 0, lvl);
      }
      put(')');
      return;
    }
    default:
      /* libbpf warns (unexpected type in decl chain) and writes nothing more */
      return;
    }
    last_was_ptr = k == K_PTR;
  }
  emit_name(fname, fdup, last_was_ptr);
}

static void type_chain(u32 fname, i32 fdup, u32 lvl) {
  enter();
  type_chain_at(fname, fdup, lvl);
  depth--;
}

static void type_decl(u32 id, u32 fname, i32 fdup, u32 lvl) {
  u32 start = decl_cnt;
  for (;;) {
    if (decl_cnt - start > MAX_WALK_DEPTH || decl_cnt == DECL_STACK_CAP) fail();
    decl_stack[decl_cnt++] = id;
    if (id == 0) break;
    u32 k = kind(id);
    if (k == K_PTR || k == K_VOLATILE || k == K_CONST || k == K_RESTRICT || k == K_FUNC_PROTO || k == K_TYPE_TAG) id = ref_type(id);
    else if (k == K_ARRAY) id = array_elem(id);
    else break;
  }
  u32 outer_start = d_start, outer_cnt = d_cnt;
  d_start = start;
  d_cnt = decl_cnt - start;
  type_chain(fname, fdup, lvl);
  d_start = outer_start;
  d_cnt = outer_cnt;
  decl_cnt = start;
}

/* ---- ordering (libbpf btf_dump_order_type: strong and weak links) ---- */

static int order_type(u32 id, int through_ptr);

static int order_type_at(u32 id, int through_ptr) {
  u32 st = order_state[id];
  if (st == ORDERED) return 1;
  u32 k = kind(id);
  if (st == ORDERING) {
    if (is_composite(k) && through_ptr && name_off(id) != 0) return 0;
    fail(); /* unsatisfiable type cycle */
  }
  switch (k) {
  case K_INT:
  case K_FLOAT:
    order_state[id] = ORDERED;
    return 0;
  case K_PTR: {
    int r = order_type(ref_type(id), 1);
    order_state[id] = ORDERED;
    return r;
  }
  case K_ARRAY:
    return order_type(array_elem(id), 0);
  case K_STRUCT:
  case K_UNION: {
    int named = name_off(id) != 0;
    if (through_ptr && named) return 0;
    order_state[id] = ORDERING;
    u32 n = vlen(id), e = elems(id);
    for (u32 i = 0; i < n; i++, e += 3) order_type(words[e + 1], 0);
    if (named) emit_queue[queued++] = id;
    order_state[id] = ORDERED;
    return 1;
  }
  case K_ENUM:
  case K_ENUM64:
  case K_FWD:
    if (name_off(id) != 0 || !referenced[id]) emit_queue[queued++] = id;
    order_state[id] = ORDERED;
    return 1;
  case K_TYPEDEF: {
    int strong = order_type(ref_type(id), through_ptr);
    if (through_ptr && !strong) return 0;
    emit_queue[queued++] = id;
    order_state[id] = ORDERED;
    return 1;
  }
  case K_VOLATILE:
  case K_CONST:
  case K_RESTRICT:
  case K_TYPE_TAG:
    return order_type(ref_type(id), through_ptr);
  case K_FUNC_PROTO: {
    int strong = order_type(ref_type(id), through_ptr) > 0;
    u32 n = vlen(id), e = elems(id);
    for (u32 i = 0; i < n; i++, e += 2)
      if (order_type(words[e + 1], through_ptr) > 0) strong = 1;
    return strong;
  }
  case K_FUNC:
  case K_VAR:
  case K_DATASEC:
  case K_DECL_TAG:
    order_state[id] = ORDERED;
    return 0;
  default:
    fail(); /* dump_check lets no other kind in */
  }
}

static int order_type(u32 id, int through_ptr) {
  enter();
  int r = order_type_at(id, through_ptr);
  depth--;
  return r;
}

/* ---- emitting (libbpf btf_dump_emit_type) ---- */

static int is_blacklisted(u32 id) { return str_is(name_off(id), "__builtin_va_list"); }

/* GCC's ARM SIMD polynomial types, aliased to standard integer types when an INT uses them. */
static const char *const POLY_NAMES[4] = {"__Poly8_t", "__Poly16_t", "__Poly64_t", "__Poly128_t"};
static const char *const POLY_TYPES[4] = {"unsigned char", "unsigned short", "unsigned long long", "unsigned __int128"};

static void emit_missing_aliases(u32 id) {
  if (name_dup_of(id, &type_names) > 1) return;
  u32 off = name_off(id);
  for (int i = 0; i < 4; i++) {
    if (str_is(off, POLY_NAMES[i])) {
      lit("typedef ");
      lit(POLY_TYPES[i]);
      put(' ');
      lit(POLY_NAMES[i]);
      lit(";\n\n");
      return;
    }
  }
}

static void emit_type(u32 id, u32 cont_id);

static void emit_type_at(u32 id, u32 cont_id) {
  u32 es = emit_state[id];
  if (es == EMITTED) return;
  int top_level = cont_id == 0;
  u32 k = kind(id);

  if (es == EMITTING) {
    if (fwd_emitted[id]) return;
    if (is_composite(k)) {
      if (id == cont_id) return;
      if (name_off(id) == 0) return; /* libbpf warns: anonymous struct/union loop */
      struct_fwd(id);
      lit(";\n\n");
      fwd_emitted[id] = 1;
    } else if (k == K_TYPEDEF) {
      if (!is_blacklisted(id)) {
        typedef_def(id, 0);
        lit(";\n\n");
      }
      fwd_emitted[id] = 1;
    }
    return;
  }

  switch (k) {
  case K_INT:
    emit_missing_aliases(id);
    emit_state[id] = EMITTED;
    break;
  case K_ENUM:
  case K_ENUM64:
    if (top_level) {
      enum_def(id, 0);
      lit(";\n\n");
    }
    emit_state[id] = EMITTED;
    break;
  case K_PTR:
  case K_VOLATILE:
  case K_CONST:
  case K_RESTRICT:
  case K_TYPE_TAG:
    emit_type(ref_type(id), cont_id);
    break;
  case K_ARRAY:
    emit_type(array_elem(id), cont_id);
    break;
  case K_FWD:
    fwd_def(id);
    lit(";\n\n");
    emit_state[id] = EMITTED;
    break;
  case K_TYPEDEF:
    emit_state[id] = EMITTING;
    emit_type(ref_type(id), id);
    if (!fwd_emitted[id] && !is_blacklisted(id)) {
      typedef_def(id, 0);
      lit(";\n\n");
    }
    emit_state[id] = EMITTED;
    break;
  case K_STRUCT:
  case K_UNION: {
    emit_state[id] = EMITTING;
    int anon = name_off(id) == 0;
    if (top_level || anon) {
      u32 n = vlen(id), e = elems(id);
      u32 new_cont = anon ? cont_id : id;
      for (u32 i = 0; i < n; i++, e += 3) emit_type(words[e + 1], new_cont);
    } else if (!fwd_emitted[id] && id != cont_id) {
      struct_fwd(id);
      lit(";\n\n");
      fwd_emitted[id] = 1;
    }
    if (top_level) {
      struct_def(id, 0);
      lit(";\n\n");
      emit_state[id] = EMITTED;
    } else {
      emit_state[id] = NOT_EMITTED;
    }
    break;
  }
  case K_FUNC_PROTO: {
    emit_type(ref_type(id), cont_id);
    u32 n = vlen(id), e = elems(id);
    for (u32 i = 0; i < n; i++, e += 2) emit_type(words[e + 1], cont_id);
    break;
  }
  default:
    break;
  }
}

static void emit_type(u32 id, u32 cont_id) {
  enter();
  emit_type_at(id, cont_id);
  depth--;
}

/* libbpf btf_dump__dump_type: order id's dependencies, then emit each queued definition. */
static void dump_type(u32 id) {
  queued = 0;
  depth = 0;
  order_type(id, 0);
  for (u32 i = 0; i < queued; i++) emit_type(emit_queue[i], 0);
}

/* ---- the kfunc prototypes (bpftool's dump_btf_c) ---- */

static int kfunc_before(u32 a, u32 b) { return compare_strs(name_off(a), name_off(b)) < 0; }

/* Stable merge sort of ids by name (as the JavaScript sort, which is stable). */
static void sort_by_name(u32 *ids, u32 *tmp, u32 n) {
  u32 *src = ids, *dst = tmp;
  for (u32 width = 1; width < n; width *= 2) {
    for (u32 lo = 0; lo < n; lo += 2 * width) {
      u32 mid = lo + width < n ? lo + width : n;
      u32 hi = lo + 2 * width < n ? lo + 2 * width : n;
      u32 i = lo, j = mid, k = lo;
      while (i < mid && j < hi) dst[k++] = kfunc_before(src[j], src[i]) ? src[j++] : src[i++];
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    u32 *t = src;
    src = dst;
    dst = t;
  }
  if (src != ids)
    for (u32 i = 0; i < n; i++) ids[i] = src[i];
}

static void emit_kfuncs(void) {
  u32 count = 0;
  for (u32 id = 1; id < type_cnt; id++)
    if (kind(id) == K_DECL_TAG && word(id, 3) == 0xffffffffu && kind(ref_type(id)) == K_FUNC && str_is(name_off(id), "bpf_kfunc")) count++;
  u32 *kfuncs = kfunc_ids, *tmp = kfunc_tmp;
  count = 0;
  for (u32 id = 1; id < type_cnt; id++) {
    if (kind(id) != K_DECL_TAG || word(id, 3) != 0xffffffffu) continue;
    u32 fn = ref_type(id);
    if (kind(fn) != K_FUNC) continue;
    if (str_is(name_off(id), "bpf_kfunc")) kfuncs[count++] = fn;
    else if (str_is(name_off(id), "bpf_fastcall")) fastcall[fn] = 1;
  }
  sort_by_name(kfuncs, tmp, count);
  lit("\n/* BPF kfuncs */\n#ifndef BPF_NO_KFUNC_PROTOTYPES\n");
  for (u32 i = 0; i < count; i++) {
    u32 fn = kfuncs[i];
    lit(fastcall[fn] ? "extern __bpf_fastcall " : "extern ");
    type_decl(ref_type(fn), name_off(fn), 0, 0);
    lit(" __weak __ksym;\n");
  }
  lit("#endif\n\n");
}

/* ---- checks and entry points ---- */

/*
 * Whether the bytes from `from` on are valid UTF-8 (as TextDecoder's fatal mode decides),
 * looking at the sequences that start before `to` (the strings are NUL-separated, so a
 * sequence never crosses a NUL).
 */
typedef u64 __attribute__((may_alias)) ascii_word;

__attribute__((noinline)) static int utf8_ok(u32 from, u32 to) {
  const u8 *p = strs + from, *stop = strs + to, *end = strs + str_len;
  while (p < stop) {
    /* eight ASCII bytes at a time where p is 8-aligned (the table is) */
    if (((u32)p & 7) == 0 && p + 8 <= stop && (*(const ascii_word *)p & 0x8080808080808080ull) == 0) {
      p += 8;
      continue;
    }
    u8 c = *p++;
    if (c < 0x80) continue;
    u32 more, cp, min;
    if (c >= 0xc2 && c <= 0xdf) more = 1, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef) more = 2, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4) more = 3, cp = c & 0x07, min = 0x10000;
    else return 0;
    for (; more; more--) {
      if (p == end || (*p & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (*p++ & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  }
  return 1;
}

static int id_ok(u32 id) { return id < type_cnt; }
static int str_ok(u32 off) { return off < str_len; }

/*
 * Names the two namespaces can take: struct, union, enum and int names; typedef and
 * enumerator names (counted by records_ok).
 */
static u32 type_bound, ident_bound;

/* A type id of a record, in range (else the caller dumps), marked referenced. */
#define REFERENCED(x)             \
  do {                            \
    u32 ref = (x);                \
    if (!id_ok(ref)) return 0;    \
    referenced[ref] = 1;          \
  } while (0)

/*
 * Every id and string offset the dump reads of ids [from, to), in range; every kind one the
 * dumper knows. On the way, the types something refers to are marked: every type-id field
 * but a FUNC_PROTO's return type (libbpf's btf_dump_mark_referenced, so an anonymous enum
 * that is only ever returned is still written as a definition of its own).
 */
__attribute__((noinline)) static int records_ok(u32 from, u32 to) {
  for (u32 id = from; id < to; id++) {
    u32 k = kind(id), n = vlen(id), e = elems(id);
    if (k < K_INT || k > K_ENUM64 || !str_ok(name_off(id))) return 0;
    if (k == K_TYPEDEF) ident_bound++;
    else if (k == K_ENUM || k == K_ENUM64) type_bound++, ident_bound += n;
    else if (k == K_STRUCT || k == K_UNION || k == K_INT) type_bound++;
    switch (k) {
    case K_ARRAY:
      REFERENCED(word(id, 3));
      REFERENCED(word(id, 4));
      break;
    case K_STRUCT:
    case K_UNION:
      for (u32 i = 0; i < n; i++, e += 3) {
        if (!str_ok(words[e])) return 0;
        REFERENCED(words[e + 1]);
      }
      break;
    case K_ENUM:
    case K_ENUM64:
      for (u32 i = 0; i < n; i++, e += k == K_ENUM ? 2 : 3)
        if (!str_ok(words[e])) return 0;
      break;
    case K_FUNC_PROTO:
      if (!id_ok(word(id, 2))) return 0;
      for (u32 i = 0; i < n; i++, e += 2) {
        if (!str_ok(words[e])) return 0;
        REFERENCED(words[e + 1]);
      }
      break;
    case K_DATASEC:
      for (u32 i = 0; i < n; i++, e += 3) REFERENCED(words[e]);
      break;
    case K_INT:
    case K_FWD:
    case K_FLOAT:
      break;
    default: /* the kinds whose size_or_type is a type id */
      REFERENCED(word(id, 2));
    }
  }
  return 1;
}

/*
 * Take the table (as sort_types) and check it, marking what is referenced: 0, or 1 when the
 * JavaScript dumper must do this input. Then lays out the dumper's state above `heap` (the
 * end of what the caller placed), all of it: nothing is allocated later. With `limit`
 * nonzero the state must end below it (else a trap, before any text: the caller has a copy
 * of the table dumped instead) and the memory does not grow.
 */
__attribute__((export_name("dump_check"))) i32 dump_check(const u32 *w, const i32 *o, u32 n, const u8 *s, u32 slen, const u8 *iw, u32 heap, u32 psize, u32 limit) {
  take_table(w, o, n, s, slen, iw);
  ptr_size = psize;
  heap_top = heap;
  heap_limit = limit;
  /* (string 0 is where names.ts and nameIs see the empty name) */
  if (slen == 0 || strs[0] != 0 || strs[slen - 1] != 0) return 1;
  for (u32 at = 0; at < slen; at += 16 * SLICE)
    if (!utf8_ok(at, at + 16 * SLICE < slen ? at + 16 * SLICE : slen)) return 1;
  referenced = alloc(n);
  for (u32 id = 1; id < n; id += SLICE)
    if (!records_ok(id, id + SLICE < n ? id + SLICE : n)) return 1;
  order_state = alloc(n);
  emit_state = alloc(n);
  fwd_emitted = alloc(n);
  align_memo = alloc(n);
  fastcall = alloc(n);
  name_dup = alloc(n * 4);
  emit_queue = alloc(n * 4);
  decl_stack = alloc(DECL_STACK_CAP * 4);
  names_init(&type_names, type_bound);
  names_init(&ident_names, ident_bound);
  out = alloc(OUT_CAP);
  kfunc_ids = alloc(n * 4);
  kfunc_tmp = alloc(n * 4);
  order_state[0] = ORDERED;
  emit_state[0] = EMITTED;
  return 0;
}

/*
 * dump_type of each of ids[0..count) (ids null: 1..n-1), then, with kfuncs, the kfunc
 * prototypes; the text goes to flush(). Traps where the JavaScript dumper throws.
 */
__attribute__((export_name("dump_c"))) void dump_c(const u32 *ids, u32 count, i32 kfuncs) {
  if (ids) {
    for (u32 i = 0; i < count; i++) dump_type(ids[i]);
  } else {
    for (u32 id = 1; id < type_cnt; id++) dump_type(id);
  }
  if (kfuncs) emit_kfuncs();
  if (pos) flush(pos);
  pos = 0;
}

/* The record index of a BTF read into this core's memory (dump-core.ts dumpCoreIndex). */
__attribute__((export_name("dump_index"))) i32 dump_index(const u8 *kinds, const u32 *w, u32 n_words, u32 *o) { return index_records(kinds, w, n_words, o); }

/* Where flush() reads the text from. */
__attribute__((export_name("dump_out"))) u32 dump_out(void) { return (u32)out; }
