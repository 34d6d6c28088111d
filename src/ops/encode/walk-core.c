/*
 * The DWARF walk of one unit (UnitEncoder.walkUnit in cu.ts, with the DIE cursor of
 * dwarf/reader.ts and the parameter-register rule of locations.ts), compiled to WebAssembly
 * by scripts/build-wasm.mjs and driven by walk-core.ts. It produces the same draft the
 * JavaScript walk exports (UnitDraft): records with DIE offsets for type references, the
 * unit's functions, parameters, variables and tags. cu.ts stays the reference and the path
 * for everything else; this one runs without a JIT warming up (one module's encode spent
 * most of its time in cold code).
 *
 * Numbers follow the JavaScript: attribute values are doubles (lo) plus a high word, LEB128
 * is summed in doubles, words are stored through ToUint32, so every value comes out the same.
 * Anything the JavaScript would refuse (bad DWARF), and the few cases where the draft could
 * not carry a value exactly, stop the walk with a trap: the caller then walks that unit in
 * JavaScript, which gives the located error (or the result). Every read is bounded by its
 * unit or section; nothing recurses.
 *
 * No libc: the caller copies the sections above heap_base() (or they lie there already: a
 * module read into this memory and relocated by relocate.h's `relocate`), calls init(), then walk_unit()
 * per unit and reads the arrays result() describes. Names are interned in the core's own
 * string table (the encode's BtfBuilder strings, see strings_init), which the caller adds to
 * through strings_add and reads once at the end: no call out per name.
 */

#include "../../wasm/core.h"
#include "../../wasm/string-index.h"
/* A module read into this core's memory is relocated here too (walk-core.ts walkCoreInput). */
#include "../../dwarf/relocate.h"


#define TRAP() __builtin_trap()
/* Small helpers of the per-DIE path, inlined although the cores are built for size (-Oz). */
#define HOT static inline __attribute__((always_inline))
/*
 * Per-DIE (and per-record) work kept out of the per-unit loops: V8 runs a function's optimized
 * code from its next call on, so work inlined into walk_unit (called once per unit) would run
 * unoptimized through the first units.
 */
#define PER_ITEM static __attribute__((noinline))

/*
 * Name namespaces (as the JavaScript walk interns them): a .debug_str name looked up in the
 * base from its bytes, then decoded; a name decoded to a string first.
 */
enum { NS_RAW = 0, NS_DECODED = 1 };
#define FAKE_INT_NAME "__SANITIZED_FAKE_INT__"
/* Where a string is (intern's and result's section numbers). */
enum { SEC_NONE = 0, SEC_STR = 1, SEC_LINE_STR = 2, SEC_INFO = 3 };

enum {
  F_FLOAT = 1, F_ENUM64 = 2, F_TYPE_TAG = 4, F_DECL_TAG = 8,
};

/* Value classes (reader.ts ValueClass). */
enum { C_ABSENT, C_UNSIGNED, C_SIGNED, C_REF, C_STRP, C_LINE_STR, C_INLINE, C_STRX, C_BLOCK, C_SEC_OFFSET, C_INDEX, C_ADDRX };

/* Attribute slots (cu.ts S, then the unit's bases). */
enum {
  S_NAME, S_TYPE, S_BYTE_SIZE, S_BIT_SIZE, S_DATA_BIT_OFFSET, S_MEMBER_LOCATION, S_BIT_OFFSET, S_UPPER_BOUND, S_COUNT,
  S_ENCODING, S_DECLARATION, S_EXTERNAL, S_LOCATION, S_CONST_VALUE, S_SPECIFICATION, S_ABSTRACT_ORIGIN, S_ARTIFICIAL,
  S_LANGUAGE, S_STR_OFFSETS_BASE, S_ADDR_BASE, S_LOCLISTS_BASE, S_RNGLISTS_BASE, N_SLOTS,
};

static int slot_of(i32 attr) {
  switch (attr) {
    case 0x03: return S_NAME;
    case 0x49: return S_TYPE;
    case 0x0b: return S_BYTE_SIZE;
    case 0x0d: return S_BIT_SIZE;
    case 0x6b: return S_DATA_BIT_OFFSET;
    case 0x38: return S_MEMBER_LOCATION;
    case 0x0c: return S_BIT_OFFSET;
    case 0x2f: return S_UPPER_BOUND;
    case 0x37: return S_COUNT;
    case 0x3e: return S_ENCODING;
    case 0x3c: return S_DECLARATION;
    case 0x3f: return S_EXTERNAL;
    case 0x02: return S_LOCATION;
    case 0x1c: return S_CONST_VALUE;
    case 0x47: return S_SPECIFICATION;
    case 0x31: return S_ABSTRACT_ORIGIN;
    case 0x34: return S_ARTIFICIAL;
    case 0x13: return S_LANGUAGE;
    case 0x72: return S_STR_OFFSETS_BASE;
    case 0x73: return S_ADDR_BASE;
    case 0x8c: return S_LOCLISTS_BASE;
    case 0x74: return S_RNGLISTS_BASE;
    default: return -1;
  }
}

/* DW_TAG values the walk looks at (cu.ts WANTED_TAGS). */
enum {
  T_ARRAY = 0x01, T_CLASS = 0x02, T_ENUMERATION = 0x04, T_FORMAL_PARAMETER = 0x05, T_MEMBER = 0x0d, T_POINTER = 0x0f,
  T_REFERENCE = 0x10, T_COMPILE_UNIT = 0x11, T_STRUCTURE = 0x13, T_SUBROUTINE = 0x15, T_TYPEDEF = 0x16, T_UNION = 0x17,
  T_UNSPECIFIED_PARAMETERS = 0x18, T_PTR_TO_MEMBER = 0x1f, T_SUBRANGE = 0x21, T_BASE = 0x24, T_CONST = 0x26,
  T_ENUMERATOR = 0x28, T_SUBPROGRAM = 0x2e, T_VARIABLE = 0x34, T_VOLATILE = 0x35, T_RESTRICT = 0x37,
  T_UNSPECIFIED = 0x3b, T_PARTIAL_UNIT = 0x3c, T_RVALUE_REFERENCE = 0x42, T_ATOMIC = 0x47, T_LLVM_ANNOTATION = 0x6000,
};

static int tag_wanted(i32 tag) {
  switch (tag) {
    case T_COMPILE_UNIT: case T_PARTIAL_UNIT: case T_BASE: case T_POINTER: case T_CONST: case T_VOLATILE:
    case T_RESTRICT: case T_ATOMIC: case T_TYPEDEF: case T_STRUCTURE: case T_UNION: case T_CLASS:
    case T_ENUMERATION: case T_ENUMERATOR: case T_MEMBER: case T_ARRAY: case T_SUBRANGE: case T_SUBROUTINE:
    case T_FORMAL_PARAMETER: case T_UNSPECIFIED_PARAMETERS: case T_UNSPECIFIED: case T_SUBPROGRAM: case T_VARIABLE:
    case T_REFERENCE: case T_RVALUE_REFERENCE: case T_PTR_TO_MEMBER: case T_LLVM_ANNOTATION:
      return 1;
    default:
      return 0;
  }
}

/* DW_FORM values. */
enum {
  FM_ADDR = 0x01, FM_BLOCK2 = 0x03, FM_BLOCK4 = 0x04, FM_DATA2 = 0x05, FM_DATA4 = 0x06, FM_DATA8 = 0x07, FM_STRING = 0x08,
  FM_BLOCK = 0x09, FM_BLOCK1 = 0x0a, FM_DATA1 = 0x0b, FM_FLAG = 0x0c, FM_SDATA = 0x0d, FM_STRP = 0x0e, FM_UDATA = 0x0f,
  FM_REF_ADDR = 0x10, FM_REF1 = 0x11, FM_REF2 = 0x12, FM_REF4 = 0x13, FM_REF8 = 0x14, FM_REF_UDATA = 0x15,
  FM_INDIRECT = 0x16, FM_SEC_OFFSET = 0x17, FM_EXPRLOC = 0x18, FM_FLAG_PRESENT = 0x19, FM_STRX = 0x1a, FM_ADDRX = 0x1b,
  FM_REF_SUP4 = 0x1c, FM_STRP_SUP = 0x1d, FM_DATA16 = 0x1e, FM_LINE_STRP = 0x1f, FM_REF_SIG8 = 0x20,
  FM_IMPLICIT_CONST = 0x21, FM_LOCLISTX = 0x22, FM_RNGLISTX = 0x23, FM_REF_SUP8 = 0x24, FM_STRX1 = 0x25,
  FM_STRX2 = 0x26, FM_STRX3 = 0x27, FM_STRX4 = 0x28, FM_ADDRX1 = 0x29, FM_ADDRX2 = 0x2a, FM_ADDRX3 = 0x2b,
  FM_ADDRX4 = 0x2c, FM_GNU_ADDR_INDEX = 0x1f01, FM_GNU_STR_INDEX = 0x1f02, FM_GNU_REF_ALT = 0x1f20,
  FM_GNU_STRP_ALT = 0x1f21,
};

#define TWO32 4294967296.0

/* ---- memory: a bump allocator over the memory above what the caller placed ---- */

static u32 heap_top;
/*
 * Where the room ends when the memory must not grow (0: it grows as needed): it holds the
 * caller's file, whose views growing would detach (walk-core.ts walkCoreInput). Past it,
 * room_exhausted is set and the call traps: the caller starts over with a core of its own.
 */
static u32 heap_limit;
static u32 out_of_room;

static void *alloc(u32 n) {
  u32 at = (heap_top + 7) & ~7u;
  u64 end = (u64)at + n;
  if (heap_limit && end > heap_limit) {
    out_of_room = 1;
    TRAP();
  }
  u64 have = (u64)__builtin_wasm_memory_size(0) * 65536;
  if (end > have) {
    /* By half the memory at least: each growth costs the embedder a garbage collection. */
    u64 pages = (end - have + 65535) / 65536;
    u64 half = have / 65536 / 2;
    if (pages < half && have + half * 65536 <= 0xffff0000ull) pages = half;
    if (__builtin_wasm_memory_grow(0, (unsigned long)pages) == (unsigned long)-1) TRAP();
  }
  heap_top = (u32)end;
  return (void *)at;
}

static void copy_bytes(u8 *to, const u8 *from, u32 n) {
  for (u32 i = 0; i < n; i++) to[i] = from[i];
}

/* A growable array of bytes (len and cap in bytes); grown by copying (the old room is left). */
typedef struct {
  u8 *p;
  u32 len;
  u32 cap;
} vec;

static void vgrow(vec *v, u32 n) {
  u32 cap = v->cap * 2 + n + 256;
  u8 *p = alloc(cap);
  copy_bytes(p, v->p, v->len);
  v->p = p;
  v->cap = cap;
}

HOT void *vroom(vec *v, u32 n) {
  if (v->len + n > v->cap) vgrow(v, n);
  return v->p + v->len;
}

HOT void push_f64(vec *v, double x) {
  *(double *)vroom(v, 8) = x;
  v->len += 8;
}

HOT void push_i32(vec *v, i32 x) {
  *(i32 *)vroom(v, 4) = x;
  v->len += 4;
}

#define F64S(v) ((double *)(v).p)
#define I32S(v) ((i32 *)(v).p)
#define U32S(v) ((u32 *)(v).p)
#define N64(v) ((v).len / 8)
#define N32(v) ((v).len / 4)

/* ---- JavaScript number semantics ---- */

static double js_floor(double x) { return __builtin_floor(x); }

/* ToUint32 of an integer-valued (or any finite) double; 0 for NaN and infinities. */
static u32 to_u32_slow(double x) {
  if (!(x == x) || x == __builtin_inf() || x == -__builtin_inf()) return 0;
  double t = __builtin_trunc(x);
  double r = t - js_floor(t / TWO32) * TWO32;
  return (u32)r;
}

HOT u32 to_u32(double x) { return x >= 0 && x < TWO32 ? (u32)x : to_u32_slow(x); }

static i32 to_i32(double x) { return (i32)to_u32(x); }

/* ---- inputs ---- */

static const u8 *info, *abbrev, *str, *line_str, *str_offsets, *addr_sec, *loclists, *loc;
static u32 info_len, abbrev_len, str_len, line_str_len, str_offsets_len, addr_len, loclists_len, loc_len;
static int little_endian;
static u32 features;
static u32 arg_regs[16];
static u32 n_arg_regs;

/* WebAssembly is little-endian and loads at any alignment: a big-endian input is swapped. */
HOT u32 rd16(const u8 *p) {
  unsigned short v;
  __builtin_memcpy(&v, p, 2);
  return little_endian ? v : (u32)__builtin_bswap16(v);
}
HOT u32 rd32(const u8 *p) {
  u32 v;
  __builtin_memcpy(&v, p, 4);
  return little_endian ? v : __builtin_bswap32(v);
}
static u64 rd64(const u8 *p) {
  u64 v;
  __builtin_memcpy(&v, p, 8);
  return little_endian ? v : __builtin_bswap64(v);
}

static double uleb_long(const u8 *b, u32 *pos, u32 end);

/* An unsigned LEB128 number at *pos (before end), summed as reader.ts uleb does. */
HOT double uleb(const u8 *b, u32 *pos, u32 end) {
  u32 p = *pos;
  if (p >= end) TRAP();
  u8 byte = b[p];
  if (byte < 0x80) {
    *pos = p + 1;
    return byte;
  }
  return uleb_long(b, pos, end);
}

static double uleb_long(const u8 *b, u32 *pos, u32 end) {
  u32 p = *pos;
  u8 byte = b[p++];
  double result = byte & 0x7f, mul = 128;
  for (;;) {
    if (p >= end) TRAP();
    byte = b[p++];
    result += (byte & 0x7f) * mul;
    if (byte < 0x80) break;
    mul *= 128;
    if (mul > 9223372036854775808.0) TRAP();
  }
  *pos = p;
  return result;
}

static double sleb(const u8 *b, u32 *pos, u32 end) {
  u32 p = *pos;
  double result = 0, mul = 1;
  u8 byte;
  for (;;) {
    if (p >= end) TRAP();
    byte = b[p++];
    result += (byte & 0x7f) * mul;
    mul *= 128;
    if (byte < 0x80) break;
    if (mul > 1180591620717411303424.0) TRAP(); /* 2^70 */
  }
  if (byte & 0x40) result -= mul;
  *pos = p;
  return result;
}

/* A double as a u32 index or offset (it is an integer); traps when it is not below `limit`. */
HOT u32 below(double x, u32 limit) {
  if (!(x >= 0 && x < limit)) TRAP();
  return (u32)x;
}

/* ---- abbreviation tables ---- */

typedef signed char i8;

typedef struct {
  u32 offset;
  i32 *by_code;
  u32 n_codes; /* by_code has n_codes entries */
  i32 *tag;
  u8 *children;
  u32 *spec_start;
  i32 *attr;
  i32 *form;
  double *implicit;
  i8 *slot;
  /* Bytes of the run of fixed-size attributes nothing reads that starts here (-1: read this one), and the spec after it. */
  i32 *skip;
  u32 *skip_to;
  i32 *fixed_skip;
  u32 n_abbrevs;
  u32 bound_addr, bound_off;
} abbrev_table;

static abbrev_table **tables;
static u32 n_tables, cap_tables;

static i32 fixed_form_size(i32 form, u32 address_size, u32 offset_size) {
  switch (form) {
    case FM_FLAG_PRESENT: case FM_IMPLICIT_CONST: return 0;
    case FM_DATA1: case FM_REF1: case FM_FLAG: case FM_STRX1: case FM_ADDRX1: return 1;
    case FM_DATA2: case FM_REF2: case FM_STRX2: case FM_ADDRX2: return 2;
    case FM_STRX3: case FM_ADDRX3: return 3;
    case FM_DATA4: case FM_REF4: case FM_STRX4: case FM_ADDRX4: case FM_REF_SUP4: return 4;
    case FM_DATA8: case FM_REF8: case FM_REF_SIG8: case FM_REF_SUP8: return 8;
    case FM_DATA16: return 16;
    case FM_ADDR: return (i32)address_size;
    case FM_STRP: case FM_LINE_STRP: case FM_SEC_OFFSET: case FM_REF_ADDR: case FM_STRP_SUP: case FM_GNU_REF_ALT:
    case FM_GNU_STRP_ALT:
      return (i32)offset_size;
    default:
      return -1;
  }
}

static abbrev_table *parse_abbrevs(u32 offset) {
  /* Two passes: count, then fill (no per-abbrev allocation). */
  u32 n = 0, n_specs = 0;
  double max_code = 0;
  u32 pos = offset;
  for (;;) {
    if (pos >= abbrev_len) TRAP();
    double code = uleb(abbrev, &pos, abbrev_len);
    if (code == 0) break;
    uleb(abbrev, &pos, abbrev_len);
    if (pos >= abbrev_len) TRAP();
    pos++;
    n++;
    if (code > max_code) max_code = code;
    for (;;) {
      double at = uleb(abbrev, &pos, abbrev_len);
      double form = uleb(abbrev, &pos, abbrev_len);
      if (at == 0 && form == 0) break;
      n_specs++;
      if (form == FM_IMPLICIT_CONST) sleb(abbrev, &pos, abbrev_len);
    }
  }
  if (max_code > 16.0 * n + 1024) TRAP();
  abbrev_table *t = alloc(sizeof(abbrev_table));
  t->offset = offset;
  t->n_codes = (u32)max_code + 1;
  t->by_code = alloc(4 * t->n_codes);
  for (u32 i = 0; i < t->n_codes; i++) t->by_code[i] = -1;
  t->n_abbrevs = n;
  t->tag = alloc(4 * n + 4);
  t->children = alloc(n + 1);
  t->spec_start = alloc(4 * (n + 1));
  t->fixed_skip = alloc(4 * n + 4);
  t->attr = alloc(4 * n_specs + 4);
  t->form = alloc(4 * n_specs + 4);
  t->implicit = alloc(8 * n_specs + 8);
  t->slot = alloc(n_specs + 1);
  t->skip = alloc(4 * n_specs + 4);
  t->skip_to = alloc(4 * n_specs + 4);
  t->bound_addr = 0;
  pos = offset;
  u32 a = 0, s = 0;
  for (;;) {
    double code = uleb(abbrev, &pos, abbrev_len);
    if (code == 0) break;
    t->by_code[(u32)code] = (i32)a;
    t->tag[a] = to_i32(uleb(abbrev, &pos, abbrev_len));
    t->children[a] = abbrev[pos++] ? 1 : 0;
    t->spec_start[a] = s;
    for (;;) {
      double at = uleb(abbrev, &pos, abbrev_len);
      double form = uleb(abbrev, &pos, abbrev_len);
      if (at == 0 && form == 0) break;
      t->attr[s] = to_i32(at);
      t->form[s] = to_i32(form);
      t->implicit[s] = form == FM_IMPLICIT_CONST ? sleb(abbrev, &pos, abbrev_len) : 0;
      s++;
    }
    a++;
  }
  t->spec_start[a] = s;
  return t;
}

/* Slots and fixed skips for a unit's address and offset sizes (reader.ts bindSlots). */
static void bind_slots(abbrev_table *t, u32 address_size, u32 offset_size) {
  if (t->bound_addr == address_size && t->bound_off == offset_size) return;
  t->bound_addr = address_size;
  t->bound_off = offset_size;
  for (u32 a = 0; a < t->n_abbrevs; a++) {
    int want_tag = tag_wanted(t->tag[a]);
    i32 fixed = 0;
    for (u32 s = t->spec_start[a]; s < t->spec_start[a + 1]; s++) {
      int slot = want_tag ? slot_of(t->attr[s]) : -1;
      t->slot[s] = (i8)slot;
      i32 size = fixed_form_size(t->form[s], address_size, offset_size);
      t->skip[s] = slot < 0 ? size : -1;
      if (slot >= 0 || size < 0 || fixed < 0) fixed = -1;
      else fixed += size;
    }
    t->fixed_skip[a] = fixed;
    /* Runs skipped at once: a DIE's attributes are read a run, not a skip, at a step. */
    for (u32 s = t->spec_start[a + 1]; s-- > t->spec_start[a];) {
      int joined = s + 1 < t->spec_start[a + 1] && t->skip[s] >= 0 && t->skip[s + 1] >= 0;
      t->skip_to[s] = joined ? t->skip_to[s + 1] : s + 1;
      if (joined) t->skip[s] += t->skip[s + 1];
    }
  }
}

static abbrev_table *table_at(u32 offset) {
  for (u32 i = 0; i < n_tables; i++) if (tables[i]->offset == offset) return tables[i];
  abbrev_table *t = parse_abbrevs(offset);
  if (n_tables == cap_tables) {
    u32 cap = cap_tables * 2 + 16;
    abbrev_table **next = alloc(4 * cap);
    for (u32 i = 0; i < n_tables; i++) next[i] = tables[i];
    tables = next;
    cap_tables = cap;
  }
  tables[n_tables++] = t;
  return t;
}

/* ---- the DIE cursor (reader.ts DieCursor) ---- */

static u32 unit_offset, unit_end, unit_version, unit_addr_size, unit_off_size;
static abbrev_table *table;
static u32 pos, next_depth;
static double str_offsets_base, addr_base, loclists_base;

static i32 die_tag;
static u32 die_offset, die_depth;
static int die_children;
static u32 have; /* bit per slot decoded for this DIE */
static u8 cls[N_SLOTS];
static double lo[N_SLOTS];
static u32 hi[N_SLOTS];

HOT int has(int slot) { return (have >> slot) & 1; }

static void read_attributes(u32 a) {
  abbrev_table *t = table;
  const u8 *b = info;
  u32 end = unit_end;
  u32 p = pos;
  u32 spec_end = t->spec_start[a + 1];
  for (u32 s = t->spec_start[a]; s < spec_end; s++) {
    i32 size = t->skip[s];
    if (size >= 0) {
      p += (u32)size;
      if (p > end) TRAP();
      s = t->skip_to[s] - 1;
      continue;
    }
    i32 form = t->form[s];
    int slot = t->slot[s];
    u8 c = C_UNSIGNED;
    double vlo = 0;
    u32 vhi = 0;
    if (form == FM_INDIRECT) {
      /* Not an Int32Array entry here: a number too big for a form is no form. */
      double f = uleb(b, &p, end);
      form = f > 0xffff ? -1 : (i32)f;
    }
#define NEED(n) \
  if ((u64)p + (n) > end) TRAP()
    switch (form) {
      case FM_DATA1: case FM_FLAG: case FM_REF1: case FM_DATA2: case FM_REF2: case FM_DATA4: case FM_REF4: {
        u32 n = (u32)fixed_form_size(form, unit_addr_size, unit_off_size);
        NEED(n);
        u32 v = n == 1 ? b[p] : n == 2 ? rd16(b + p) : rd32(b + p);
        p += n;
        if (form == FM_REF1 || form == FM_REF2 || form == FM_REF4) {
          vlo = (double)unit_offset + v;
          c = C_REF;
        } else vlo = v;
        break;
      }
      case FM_DATA8: {
        NEED(8);
        u64 v = rd64(b + p);
        vlo = (u32)v;
        vhi = (u32)(v >> 32);
        p += 8;
        break;
      }
      case FM_REF8:
        NEED(8);
        vlo = (double)unit_offset + (double)rd64(b + p);
        c = C_REF;
        p += 8;
        break;
      case FM_REF_UDATA:
        vlo = (double)unit_offset + uleb(b, &p, end);
        c = C_REF;
        break;
      case FM_REF_ADDR: case FM_GNU_REF_ALT: {
        u32 step = unit_version == 2 ? unit_addr_size : unit_off_size;
        NEED(step);
        if ((u64)p + unit_off_size <= end) vlo = unit_off_size == 8 ? (double)rd64(b + p) : rd32(b + p);
        p += step;
        c = form == FM_REF_ADDR ? C_REF : C_UNSIGNED;
        break;
      }
      case FM_UDATA:
        vlo = uleb(b, &p, end);
        if (vlo > 4294967295.0) {
          double h = js_floor(vlo / TWO32);
          vhi = to_u32(h);
          vlo = vlo - h * TWO32;
        }
        break;
      case FM_SDATA: {
        double n = sleb(b, &p, end);
        c = C_SIGNED;
        vlo = to_u32(n);
        vhi = to_u32(js_floor(n / TWO32));
        break;
      }
      case FM_IMPLICIT_CONST: {
        double n = t->implicit[s];
        c = C_SIGNED;
        vlo = to_u32(n);
        vhi = to_u32(js_floor(n / TWO32));
        break;
      }
      case FM_FLAG_PRESENT:
        vlo = 1;
        break;
      case FM_ADDR:
        NEED(unit_addr_size);
        if (unit_addr_size == 8) {
          u64 v = rd64(b + p);
          vlo = (u32)v;
          vhi = (u32)(v >> 32);
        } else if (unit_addr_size == 4) vlo = rd32(b + p);
        else vlo = rd16(b + p);
        p += unit_addr_size;
        break;
      case FM_STRP: case FM_LINE_STRP: case FM_SEC_OFFSET: case FM_STRP_SUP: case FM_GNU_STRP_ALT:
        NEED(unit_off_size);
        vlo = unit_off_size == 8 ? (double)rd64(b + p) : rd32(b + p);
        p += unit_off_size;
        c = form == FM_STRP ? C_STRP : form == FM_LINE_STRP ? C_LINE_STR : form == FM_SEC_OFFSET ? C_SEC_OFFSET : C_UNSIGNED;
        break;
      case FM_STRING: {
        u32 z = p;
        while (z < end && b[z] != 0) z++;
        if (z >= end) TRAP();
        vlo = p;
        c = C_INLINE;
        p = z + 1;
        break;
      }
      case FM_STRX: case FM_GNU_STR_INDEX: case FM_ADDRX: case FM_GNU_ADDR_INDEX: case FM_LOCLISTX: case FM_RNGLISTX:
        vlo = uleb(b, &p, end);
        c = form == FM_STRX || form == FM_GNU_STR_INDEX ? C_STRX : form == FM_ADDRX || form == FM_GNU_ADDR_INDEX ? C_ADDRX : C_INDEX;
        break;
      case FM_STRX1: case FM_STRX2: case FM_STRX3: case FM_STRX4:
      case FM_ADDRX1: case FM_ADDRX2: case FM_ADDRX3: case FM_ADDRX4: {
        int is_str = form <= FM_STRX4;
        u32 n = (u32)(form - (is_str ? FM_STRX1 : FM_ADDRX1) + 1);
        NEED(n);
        u32 v = 0;
        for (u32 i = 0; i < n; i++) v |= (u32)b[p + (little_endian ? i : n - 1 - i)] << (8 * i);
        vlo = v;
        p += n;
        c = is_str ? C_STRX : C_ADDRX;
        break;
      }
      case FM_EXPRLOC: case FM_BLOCK: {
        double len = uleb(b, &p, end);
        if (len > end - p) TRAP();
        vlo = p;
        vhi = (u32)len;
        p += (u32)len;
        c = C_BLOCK;
        break;
      }
      case FM_BLOCK1: case FM_BLOCK2: case FM_BLOCK4: {
        u32 w = form == FM_BLOCK1 ? 1 : form == FM_BLOCK2 ? 2 : 4;
        NEED(w);
        u32 len = w == 1 ? b[p] : w == 2 ? rd16(b + p) : rd32(b + p);
        NEED((u64)w + len);
        vlo = p + w;
        vhi = len;
        p += w + len;
        c = C_BLOCK;
        break;
      }
      case FM_DATA16:
        NEED(16);
        vlo = p;
        vhi = 16;
        c = C_BLOCK;
        p += 16;
        break;
      case FM_REF_SIG8: case FM_REF_SUP8:
        NEED(8);
        p += 8;
        c = C_ABSENT;
        break;
      case FM_REF_SUP4:
        NEED(4);
        p += 4;
        c = C_ABSENT;
        break;
      default:
        TRAP();
    }
#undef NEED
    if (slot >= 0 && c != C_ABSENT) {
      have |= 1u << slot;
      cls[slot] = c;
      lo[slot] = vlo;
      hi[slot] = vhi;
    }
  }
  pos = p;
}

/* The next DIE of the unit; 0 at its end. */
PER_ITEM int next_die(void) {
  for (;;) {
    if (pos >= unit_end) return 0;
    u32 at = pos;
    double code = uleb(info, &pos, unit_end);
    if (code == 0) {
      if (next_depth > 0) next_depth--;
      continue;
    }
    if (!(code < table->n_codes)) TRAP();
    i32 a = table->by_code[(u32)code];
    if (a < 0) TRAP();
    die_offset = at;
    die_tag = table->tag[a];
    die_depth = next_depth;
    die_children = table->children[a];
    if (die_children) next_depth++;
    have = 0;
    i32 fixed = table->fixed_skip[a];
    if (fixed >= 0) {
      if ((u64)pos + (u32)fixed > unit_end) TRAP();
      pos += (u32)fixed;
      return 1;
    }
    read_attributes((u32)a);
    if (die_depth == 0) {
      if (has(S_STR_OFFSETS_BASE)) str_offsets_base = lo[S_STR_OFFSETS_BASE];
      if (has(S_ADDR_BASE)) addr_base = lo[S_ADDR_BASE];
      if (has(S_LOCLISTS_BASE)) loclists_base = lo[S_LOCLISTS_BASE];
    }
    return 1;
  }
}

/* Unsigned value of a constant attribute (reader.ts num). */
HOT double num(int slot) {
  double h = hi[slot];
  if (cls[slot] == C_SIGNED && hi[slot] >= 0x80000000u) return (h - TWO32) * TWO32 + lo[slot];
  return h * TWO32 + lo[slot];
}

/* .debug_str offset of string index `index` (reader.ts strxOffset). */
static double strx_offset(double index) {
  double at = str_offsets_base + index * unit_off_size;
  if (!(at + unit_off_size <= str_offsets_len) || !(at >= 0)) TRAP();
  u32 i = (u32)at;
  return unit_off_size == 8 ? (double)rd64(str_offsets + i) : rd32(str_offsets + i);
}

/* A string: where it is (SEC_NONE: the empty string) and its bytes. */
typedef struct {
  u32 sec;
  u32 off;
  const u8 *bytes;
  u32 len;
} string_ref;

/* The C string at `off` of a section, as reader.ts cString checks it. */
static string_ref section_string(u32 sec, double off) {
  const u8 *b = sec == SEC_STR ? str : sec == SEC_LINE_STR ? line_str : info;
  u32 n = sec == SEC_STR ? str_len : sec == SEC_LINE_STR ? line_str_len : info_len;
  u32 at = below(off, n);
  u32 end = at;
  while (end < n && b[end] != 0) end++;
  if (end >= n) TRAP();
  string_ref r = {sec, at, b + at, end - at};
  return r;
}

/* The string of a name-like attribute (reader.ts string): '' when absent or not a string form. */
static string_ref string_of(int slot) {
  string_ref none = {SEC_NONE, 0, 0, 0};
  if (!has(slot)) return none;
  switch (cls[slot]) {
    case C_STRP: return section_string(SEC_STR, lo[slot]);
    case C_LINE_STR: return section_string(SEC_LINE_STR, lo[slot]);
    case C_INLINE: return section_string(SEC_INFO, lo[slot]);
    case C_STRX: return section_string(SEC_STR, strx_offset(lo[slot]));
    default: return none;
  }
}

static int string_is(string_ref s, const char *lit) {
  u32 i = 0;
  for (; lit[i]; i++) if (i >= s.len || s.bytes[i] != (u8)lit[i]) return 0;
  return i == s.len;
}

/*
 * ---- the encode's string table (walk-core.ts CoreStringStore): the builder's own strings
 * live here, so a name found in the walk is interned without a call out ----
 *
 * The same offsets as BtfBuilder's addString over a StringTableBuilder: the empty string is
 * 0, a string the base has (split BTF) its base offset (the first occurrence, as
 * BaseStringIndex finds it: the base chain's bytes, copied in, indexed by strings_init),
 * else its own offset, appended at first use after start_offset.
 */

static const u8 *base_all;
static u32 base_len;
static u32 *base_slots, *base_hashes;
static u32 base_mask;
static int have_base;
static u32 own_start;
static vec own_bytes;
/*
 * An open-addressing table: a hash per slot (stored | 1, so 0 is an empty slot), probed
 * alone, and an entry of `size` bytes per slot beside it.
 */
typedef struct {
  u32 *hashes;
  u8 *entries;
  u32 mask, count, size;
} hash_table;

/* The table grown to `cap` slots (a power of two), every entry moved. */
static void table_grow(hash_table *t, u32 cap) {
  u32 *hashes = alloc(4 * cap);
  u8 *entries = alloc(cap * t->size);
  for (u32 i = 0; i < cap; i++) hashes[i] = 0;
  for (u32 i = 0; t->hashes && i <= t->mask; i++) {
    if (t->hashes[i] == 0) continue;
    u32 j = t->hashes[i] & (cap - 1);
    while (hashes[j]) j = (j + 1) & (cap - 1);
    hashes[j] = t->hashes[i];
    copy_bytes(entries + j * t->size, t->entries + i * t->size, t->size);
  }
  t->hashes = hashes;
  t->entries = entries;
  t->mask = cap - 1;
}

/* A free slot for hash `h` (stored | 1), the table grown first when half full. */
static u32 table_slot_for(hash_table *t, u32 h) {
  if ((t->count + 1) * 2 > t->mask) table_grow(t, (t->mask + 1) * 2);
  u32 i = h & t->mask;
  while (t->hashes[i]) i = (i + 1) & t->mask;
  t->hashes[i] = h;
  t->count++;
  return i;
}

/* Own strings by content (string_hash | 1): local offset and byte length. */
typedef struct {
  u32 local;
  u32 len;
} own_entry;
static hash_table own = {0, 0, 0, 0, sizeof(own_entry)};
static vec string_scratch;

/* Whether TextDecoder (non-fatal, BOM not ignored) gives back these bytes: valid UTF-8 and no leading BOM. */
static int utf8_exact(const u8 *b, u32 n) {
  if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) return 0;
  for (u32 i = 0; i < n;) {
    u8 c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    u32 more;
    u8 lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) more = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      more = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      more = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else return 0;
    if (n - i <= more) return 0;
    if (b[i + 1] < lo || b[i + 1] > hi) return 0;
    for (u32 k = 2; k <= more; k++) if (b[i + k] < 0x80 || b[i + k] > 0xbf) return 0;
    i += more + 1;
  }
  return 1;
}

/* Eight bytes at p, little-endian (wasm32's order; any alignment). */
HOT u64 load_le64(const u8 *p) {
  u64 v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

/*
 * The names table's hash, eight bytes at a step (the last word zero-padded), then the length:
 * a module's .debug_str repeats each name per unit (ext4: 150k strings, 13k distinct), so
 * most lookups here hash a name met before. str_name hashes as it finds the end.
 */
#define NAME_HASH_SEED 0xcbf29ce484222325ull
HOT u64 name_hash_step(u64 h, u64 w) { return (h ^ w) * 0x100000001b3ull; }
HOT u32 name_hash_final(u64 h, u32 n) { return (u32)(((h ^ n) * 0x9e3779b97f4a7c15ull) >> 32); }

static u32 name_hash(const u8 *b, u32 n) {
  u64 h = NAME_HASH_SEED;
  u32 i = 0;
  for (; i + 8 <= n; i += 8) h = name_hash_step(h, load_le64(b + i));
  if (i < n) {
    u64 w = 0;
    for (u32 k = 0; i + k < n; k++) w |= (u64)b[i + k] << (8 * k);
    h = name_hash_step(h, w);
  }
  return name_hash_final(h, n);
}

/*
 * The .debug_str string at `at` (below str_len) as section_string finds it (a NUL before the
 * section's end, else a trap) and its name_hash, in one pass eight bytes at a step: most of
 * a module's names are looked up from their bytes (see name_hash).
 */
static string_ref str_name(u32 at, u32 *hash) {
  const u8 *b = str;
  u32 n = str_len, p = at;
  u64 h = NAME_HASH_SEED;
  for (; p + 8 <= n; p += 8) {
    u64 w = load_le64(b + p);
    /* The lowest byte flagged is the first NUL (a borrow only runs up from a zero byte). */
    u64 zeros = (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
    if (zeros) {
      u32 k = (u32)__builtin_ctzll(zeros) >> 3;
      if (k) h = name_hash_step(h, w & ((1ull << (8 * k)) - 1));
      p += k;
      goto end;
    }
    h = name_hash_step(h, w);
  }
  {
    /* Under eight bytes left in the section. */
    u64 w = 0;
    u32 k = 0;
    for (; p + k < n && b[p + k]; k++) w |= (u64)b[p + k] << (8 * k);
    if (p + k >= n) TRAP();
    if (k) h = name_hash_step(h, w);
    p += k;
  }
end:
  *hash = name_hash_final(h, p - at);
  string_ref r = {SEC_STR, at, b + at, p - at};
  return r;
}

static int same_bytes(const u8 *a, const u8 *b, u32 n) {
  u32 i = 0;
  for (; i + 8 <= n; i += 8)
    if (load_le64(a + i) != load_le64(b + i)) return 0;
  for (; i < n; i++)
    if (a[i] != b[i]) return 0;
  return 1;
}

/* The base offset of these bytes (no NUL among them), or -1 (BaseStringIndex.find). */
static i32 base_find(const u8 *b, u32 n, u32 h) {
  if (!have_base) return -1;
  for (u32 i = h & base_mask;; i = (i + 1) & base_mask) {
    u32 s = base_slots[i];
    if (s == 0) return -1;
    if (base_hashes[i] != h) continue;
    u32 at = s - 1;
    if (at + n >= base_len) continue;
    if (base_all[at + n] == 0 && same_bytes(base_all + at, b, n)) return (i32)at;
  }
}

/* How table_intern looks a string up (BtfBuilder's addString, addStringAt, and the own table alone). */
enum { LOOKUP_ADD = 0, LOOKUP_RAW = 1, LOOKUP_OWN = 2 };

/*
 * The offset of the `n` bytes at `b`. LOOKUP_ADD (UTF-8 as TextEncoder makes it): the own
 * table, then the base (bytes with a NUL never match there), then appended. LOOKUP_RAW (bytes
 * of a section, which the JavaScript decodes before it adds them): the base from the bytes as
 * they are, then the own table; -1 when decoding would change them (the caller decodes and
 * adds with LOOKUP_OWN, as BtfBuilder.addStringAt does). LOOKUP_OWN: the own table only.
 */
static i32 table_intern(const u8 *b, u32 n, u32 mode) {
  if (n == 0) return 0;
  u32 h = string_hash(b, n);
  int nul = 0;
  for (u32 i = 0; i < n; i++) nul |= b[i] == 0;
  i32 in_base = nul || mode == LOOKUP_OWN ? -1 : base_find(b, n, h);
  if (in_base >= 0) return in_base;
  if (mode == LOOKUP_RAW && !utf8_exact(b, n)) return -1;
  u32 key = h | 1;
  for (u32 i = key & own.mask; own.hashes[i]; i = (i + 1) & own.mask) {
    const own_entry *e = (const own_entry *)own.entries + i;
    if (own.hashes[i] == key && e->len == n && same_bytes(own_bytes.p + e->local, b, n)) return (i32)(own_start + e->local);
  }
  /* Room first: a growth that fails traps before anything changed. */
  u8 *to = vroom(&own_bytes, n + 1);
  u32 slot = table_slot_for(&own, key);
  copy_bytes(to, b, n);
  to[n] = 0;
  u32 local = own_bytes.len;
  own_bytes.len += n + 1;
  own_entry e = {local, n};
  ((own_entry *)own.entries)[slot] = e;
  return (i32)(own_start + local);
}

/* NULs in all[from..to): the base's string count, a chunk per call (see PER_ITEM). */
PER_ITEM u32 count_nuls(u32 from, u32 to) { return count_nuls_in(base_all, from, to); }

/* The base string at `start` into the base index (string-index.h), a string per call; where the next starts. */
PER_ITEM u32 index_base_string(u32 start) { return index_string_at(base_all, base_len, start, base_slots, base_hashes, base_mask); }

/*
 * The table's start: own strings from logical offset `start` (a standalone table holds the
 * empty string at 0 first); with a base, its chain's strings all[0..all_len) (ending with a
 * NUL, placed by walk-core.ts), indexed here.
 */
__attribute__((export_name("strings_init"))) void strings_init(u32 start, const u8 *all, u32 all_len) {
  own_start = start;
  have_base = all_len > 0;
  base_all = all;
  base_len = all_len;
  if (have_base) {
    u32 n = 0;
    for (u32 from = 0; from < all_len; from += 65536) n += count_nuls(from, from + 65536 < all_len ? from + 65536 : all_len);
    u32 cap = 1024;
    while (cap < n * 2) cap *= 2;
    base_mask = cap - 1;
    base_slots = alloc(4 * cap);
    base_hashes = alloc(4 * cap);
    for (u32 i = 0; i < cap; i++) base_slots[i] = 0;
    for (u32 at = 0; at < all_len;) at = index_base_string(at);
  }
  table_grow(&own, 4096);
  if (!have_base) {
    *(u8 *)vroom(&own_bytes, 1) = 0;
    own_bytes.len = 1;
  }
}

/* Room for `n` bytes of a string the caller interns next (strings_add). */
__attribute__((export_name("strings_scratch"))) u8 *strings_scratch(u32 n) {
  string_scratch.len = 0;
  return vroom(&string_scratch, n);
}

/* table_intern of the first `n` scratch bytes, looked up as `mode` says (LOOKUP_*). */
__attribute__((export_name("strings_add"))) i32 strings_add(u32 n, u32 mode) {
  if (n > string_scratch.cap || mode > LOOKUP_OWN) TRAP();
  return table_intern(string_scratch.p, n, mode);
}

/* The own strings' bytes, strings_len() of them. */
__attribute__((export_name("strings_bytes"))) u8 *strings_bytes(void) { return own_bytes.p; }
__attribute__((export_name("strings_len"))) u32 strings_len(void) { return own_bytes.len; }

static u32 base_index_at[3];

/*
 * The base index strings_init made: slots, hashes, mask (0: no base). It is BaseStringIndex's
 * table for the same bytes (string-index.h, the same size), which walk-core.ts hands on
 * rather than have it made again (distill's base lookups).
 */
__attribute__((export_name("strings_base_index"))) u32 *strings_base_index(void) {
  base_index_at[0] = (u32)base_slots;
  base_index_at[1] = (u32)base_hashes;
  base_index_at[2] = have_base ? base_mask : 0;
  return base_index_at;
}

/* ---- names: each distinct string interned once in the table above ---- */

/*
 * Names met, by content: their hashes alone in one array (0: empty), so a lookup probes a
 * small table (a module's names are met once per unit: ext4 looks up 150k for 13k names),
 * then the entry. Only exact UTF-8 is kept, which both namespaces give the same offset.
 */
typedef struct {
  const u8 *bytes;
  u32 len;
  i32 value;
} name_entry;

static hash_table names = {0, 0, 0, 0, sizeof(name_entry)};
static i32 fake_int_name = -1;

/* The names table, first sized for a name per 32 bytes of .debug_str (ext4: 21k names in 2 MB). */
static void names_init(void) {
  u32 cap = 4096;
  while (cap < str_len / 32 && cap < (1u << 22)) cap *= 2;
  table_grow(&names, cap);
}

/* The caller's offset of a string (the empty string: 0) whose name_hash is `hash`; `ns` says how the JavaScript takes it. */
static i32 intern_hashed(u32 ns, string_ref s, u32 hash) {
  if (s.len == 0) return 0;
  u32 h = hash | 1;
  for (u32 i = h & names.mask; names.hashes[i]; i = (i + 1) & names.mask) {
    if (names.hashes[i] != h) continue;
    const name_entry *e = (const name_entry *)names.entries + i;
    if (e->len == s.len && same_bytes(e->bytes, s.bytes, s.len)) return e->value;
  }
  /* A name the JavaScript would decode into other bytes: that walk takes the unit, unless the
     base has the bytes as they are (a .debug_str name): its offset, not kept here. */
  int exact = utf8_exact(s.bytes, s.len);
  if (ns == NS_DECODED && !exact) TRAP();
  i32 value = table_intern(s.bytes, s.len, LOOKUP_RAW);
  if (value < 0) TRAP();
  if (!exact) return value;
  /* (The slot first: taking it may grow the table, which moves the entries.) */
  u32 slot = table_slot_for(&names, h);
  name_entry e = {s.bytes, s.len, value};
  ((name_entry *)names.entries)[slot] = e;
  return value;
}

static i32 intern_string(u32 ns, string_ref s) { return intern_hashed(ns, s, name_hash(s.bytes, s.len)); }

/*
 * The caller's offset of the DIE's name (cu.ts nameOff). Not cached by .debug_str offset: a
 * module's .debug_str holds each unit's strings apart (ext4: 152k of 181k names looked up at
 * an offset not met before), and a cache of them (4 MB for ext4) cost more than it saved.
 */
static i32 name_off(void) {
  if (!has(S_NAME)) return 0;
  u8 c = cls[S_NAME];
  if (c == C_STRP || c == C_STRX) {
    u32 at = below(c == C_STRP ? lo[S_NAME] : strx_offset(lo[S_NAME]), str_len);
    u32 hash;
    string_ref name = str_name(at, &hash);
    return intern_hashed(NS_RAW, name, hash);
  }
  if (c == C_INLINE || c == C_LINE_STR) return intern_string(NS_DECODED, string_of(S_NAME));
  return 0;
}

/* ---- the walk (cu.ts UnitEncoder) ---- */

static vec W, rec_off, rec_len, alias_from, alias_to, open_die, open_elem_start, open_depth, elem, saw_dimension;
static vec tag_at, die_at, fns, fn_tags, param_name, param_type, param_origin, param_unexpected, param_die;
static vec unexpected_origins, vars, var_decl, decl_tags, var_tags;
/* The die_map and param_at entries the last walk set (cleared by the next). */
static vec die_map_set, param_set;
static i32 *die_map, *param_at;
static u32 die_map_span;
static u32 die_map_span_last;
/* The last walk_unit succeeded for the unit at this offset (else ~0). */
static u32 walked_unit = ~0u;
static u32 n_rec;
static i32 open_fn = -1;
static i32 open_fn_depth = -1;
static int need_index;
static i32 int_local;

#define FN_STRIDE 9
enum { FN_DIE, FN_NAME_OFFSET, FN_NAME_SEC, FN_NAME_OFF, FN_RET, FN_ORIGIN, FN_FLAGS, FN_PARAM_START, FN_PARAM_COUNT };
enum { FN_DECLARATION = 1, FN_EXTERNAL = 2, FN_VARARGS = 4 };
#define VAR_STRIDE 8
#define DECL_STRIDE 5

static u32 make_info(u32 kind, u32 vlen, int kflag) { return (kflag ? 0x80000000u : 0) | (kind & 0x7f) << 24 | (vlen & 0xffffff); }

HOT double type_ref(void) {
  if (!has(S_TYPE)) return 0;
  if (cls[S_TYPE] != C_REF) TRAP();
  return lo[S_TYPE];
}

HOT u32 add_local(void) {
  u32 local = n_rec++;
  push_i32(&rec_off, -1);
  push_i32(&rec_len, 0);
  return local;
}

HOT u32 new_local(u32 die) {
  u32 local = add_local();
  push_i32(&die_map_set, (i32)(die - unit_offset));
  die_map[die - unit_offset] = (i32)local + 1;
  return local;
}

static void emit_words(u32 local, double w0, u32 w1, double w2, int four, double w3) {
  u32 n = four ? 4 : 3;
  u32 *w = vroom(&W, 4 * n);
  u32 off = N32(W);
  w[0] = to_u32(w0);
  w[1] = w1;
  w[2] = to_u32(w2);
  if (four) w[3] = to_u32(w3);
  W.len += 4 * n;
  I32S(rec_off)[local] = (i32)off;
  I32S(rec_len)[local] = (i32)n;
}

static void emit_simple(u32 kind, double name, double size_or_type) {
  emit_words(new_local(die_offset), name, make_info(kind, 0, 0), size_or_type, 0, 0);
}

HOT u32 n_open(void) { return N32(open_depth); }

static u32 parent_tag(u32 d) { return d > 0 ? (u32)I32S(tag_at)[d - 1] : (u32)-1; }

/* The open record whose DIE is the parent of a DIE at depth d, if any (cu.ts openParent). */
static i32 open_parent(u32 d, u32 kind, u32 or_kind) {
  u32 n = n_open();
  if (n == 0 || I32S(open_depth)[n - 1] != (i32)d - 1) return -1;
  u32 k = info_kind(to_u32(F64S(elem)[U32S(open_elem_start)[n - 1] + 1]));
  return k == kind || k == or_kind ? (i32)n - 1 : -1;
}

HOT void push_elem(double x) { push_f64(&elem, x); }

PER_ITEM void close_record(void);

PER_ITEM void open_record(u32 die, u32 d, double name, u32 info_word, double size_or_type, int array, double elem_type) {
  push_i32(&open_die, (i32)die);
  push_i32(&open_elem_start, (i32)N64(elem));
  push_i32(&open_depth, (i32)d);
  u32 p = n_open() - 1;
  if (saw_dimension.len < p + 1) {
    vroom(&saw_dimension, p + 1 - saw_dimension.len);
    while (saw_dimension.len < p + 1) saw_dimension.p[saw_dimension.len++] = 0;
  }
  push_elem(name);
  push_elem(info_word);
  push_elem(size_or_type);
  if (array) {
    push_elem(elem_type);
    push_elem(0);
    push_elem(1);
  }
  if (!die_children) close_record();
}

PER_ITEM void close_record(void) {
  u32 p = n_open() - 1;
  u32 local = new_local((u32)I32S(open_die)[p]);
  u32 start = U32S(open_elem_start)[p];
  open_die.len -= 4;
  open_elem_start.len -= 4;
  open_depth.len -= 4;
  double *e = F64S(elem);
  u32 top = N64(elem);
  u32 info_word = to_u32(e[start + 1]);
  u32 kind = info_kind(info_word);
  u32 n_elems = top - start - 3;
  u32 *w = vroom(&W, 4 * (6 + n_elems));
  u32 off = N32(W);
  u32 len;
  if (kind == K_PTR) {
    w[0] = 0;
    w[1] = info_word;
    w[2] = to_u32(n_elems > 0 ? e[top - 1] : e[start + 2]);
    len = 3;
  } else if (kind == K_ARRAY) {
    int dims = saw_dimension.p[p];
    saw_dimension.p[p] = 0;
    w[0] = 0;
    w[1] = info_word;
    w[2] = 0;
    w[3] = to_u32(e[start + 3]);
    w[4] = 0;
    w[5] = dims ? to_u32(e[start + 5]) : 0;
    len = 6;
  } else if (kind == K_STRUCT || kind == K_UNION) {
    u32 n = n_elems / 4;
    int kflag = 0;
    for (u32 at = start + 3; at < top; at += 4) {
      double bit = e[at + 2];
      if (e[at + 3] != 0 || bit - js_floor(bit / 8) * 8 != 0) kflag = 1;
    }
    w[0] = to_u32(e[start]);
    w[1] = make_info(kind, n, kflag);
    w[2] = to_u32(e[start + 2]);
    u32 i = 3;
    for (u32 at = start + 3; at < top; at += 4, i += 3) {
      w[i] = to_u32(e[at]);
      w[i + 1] = to_u32(e[at + 1]);
      w[i + 2] = to_u32(kflag ? e[at + 3] * 0x1000000 + e[at + 2] : e[at + 2]);
    }
    len = i;
  } else if (kind == K_ENUM || kind == K_ENUM64) {
    u32 n = n_elems / 4;
    int is_signed = 0;
    for (u32 at = start + 3; at < top; at += 4) if (e[at + 3] == 1) is_signed = 1;
    w[0] = to_u32(e[start]);
    w[1] = make_info(kind, n, is_signed);
    w[2] = to_u32(e[start + 2]);
    u32 i = 3;
    for (u32 at = start + 3; at < top; at += 4) {
      w[i++] = to_u32(e[at]);
      w[i++] = to_u32(e[at + 1]);
      if (kind == K_ENUM64) w[i++] = to_u32(e[at + 2]);
    }
    len = i;
  } else {
    /* FUNC_PROTO: return type then (name, type) pairs. */
    w[0] = 0;
    w[1] = make_info(kind, n_elems / 2, 0);
    w[2] = to_u32(e[start + 2]);
    for (u32 i = 0; i < n_elems; i++) w[3 + i] = to_u32(e[start + 3 + i]);
    len = 3 + n_elems;
  }
  elem.len = start * 8;
  W.len += 4 * len;
  I32S(rec_off)[local] = (i32)off;
  I32S(rec_len)[local] = (i32)len;
}

PER_ITEM void base_type(void) {
  double enc = has(S_ENCODING) ? num(S_ENCODING) : 0;
  double bits = has(S_BIT_SIZE) ? num(S_BIT_SIZE) : has(S_BYTE_SIZE) ? num(S_BYTE_SIZE) * 8 : 0;
  double size = __builtin_ceil(bits / 8);
  int is_float = enc == 4 || enc == 3;
  if (is_float && (features & F_FLOAT)) {
    emit_simple(K_FLOAT, name_off(), size);
    return;
  }
  double name = name_off();
  if (size == 0 || (to_i32(size) & to_i32(size - 1)) != 0 || size > 16) {
    if (fake_int_name < 0) fake_int_name = table_intern((const u8 *)FAKE_INT_NAME, sizeof FAKE_INT_NAME - 1, LOOKUP_ADD);
    name = fake_int_name;
    size = 4;
  }
  i32 encoding = enc == 2 ? 4 : enc == 5 || enc == 6 ? 1 : 0;
  u32 local = new_local(die_offset);
  if (int_local < 0 && size == 4 && string_is(string_of(S_NAME), "int")) int_local = (i32)local;
  emit_words(local, name, make_info(K_INT, 0, 0), size, 1, (double)(encoding << 24 | to_i32(size * 8)));
}

PER_ITEM void aggregate(u32 d) {
  int is_union = die_tag == T_UNION;
  double name = name_off();
  if (has(S_DECLARATION)) {
    emit_words(new_local(die_offset), name, make_info(K_FWD, 0, is_union), 0, 0, 0);
    return;
  }
  double size = has(S_BYTE_SIZE) ? num(S_BYTE_SIZE) : 0;
  open_record(die_offset, d, name, make_info(is_union ? K_UNION : K_STRUCT, 0, 0), size, 0, 0);
}

PER_ITEM void enumeration(u32 d) {
  double size = has(S_BYTE_SIZE) ? num(S_BYTE_SIZE) : 4;
  u32 kind = size > 4 && (features & F_ENUM64) ? K_ENUM64 : K_ENUM;
  open_record(die_offset, d, name_off(), make_info(kind, 0, 0), size, 0, 0);
}

/* Small LEB128 decoding of location operands, as cu.ts does it (no bounds error: stops at the end). */
static double operand_uleb(const u8 *b, u32 from, u32 end) {
  double v = 0, mul = 1;
  for (u32 i = from; i < end; i++) {
    v += (b[i] & 0x7f) * mul;
    if (b[i] < 0x80) break;
    mul *= 128;
  }
  return v;
}

static double member_location(void) {
  if (cls[S_MEMBER_LOCATION] != C_BLOCK) return num(S_MEMBER_LOCATION);
  u32 at = (u32)lo[S_MEMBER_LOCATION];
  u32 n = hi[S_MEMBER_LOCATION];
  if (n >= 2 && (info[at] == 0x23 || info[at] == 0x10)) return operand_uleb(info, at + 1, at + n);
  TRAP();
}

PER_ITEM void member(u32 d) {
  if (open_parent(d, K_STRUCT, K_UNION) < 0) return;
  double bit_off = 0;
  double bit_size = has(S_BIT_SIZE) ? num(S_BIT_SIZE) : 0;
  if (has(S_DATA_BIT_OFFSET)) bit_off = num(S_DATA_BIT_OFFSET);
  else {
    if (has(S_MEMBER_LOCATION)) bit_off = member_location() * 8;
    if (has(S_BIT_OFFSET) && bit_size > 0) {
      double storage = has(S_BYTE_SIZE) ? num(S_BYTE_SIZE) * 8 : 0;
      double old = num(S_BIT_OFFSET);
      bit_off += little_endian ? storage - old - bit_size : old;
    }
  }
  double name = name_off();
  double type = type_ref();
  push_elem(name);
  push_elem(type);
  push_elem(bit_off);
  push_elem(bit_size);
}

PER_ITEM void enumerator(u32 d) {
  if (open_parent(d, K_ENUM, K_ENUM64) < 0) return;
  double name = name_off();
  double vlo = 0, vhi = 0;
  int negative = 0;
  if (has(S_CONST_VALUE)) {
    vlo = lo[S_CONST_VALUE];
    vhi = hi[S_CONST_VALUE];
    negative = cls[S_CONST_VALUE] == C_SIGNED && hi[S_CONST_VALUE] >= 0x80000000u;
  }
  push_elem(name);
  push_elem(vlo);
  push_elem(vhi);
  push_elem(negative ? 1 : 0);
}

PER_ITEM void subrange(u32 d) {
  i32 p = open_parent(d, K_ARRAY, K_ARRAY);
  if (p < 0) return;
  double n = 0;
  if (has(S_COUNT)) n = cls[S_COUNT] == C_SIGNED && hi[S_COUNT] >= 0x80000000u ? 0 : num(S_COUNT);
  else if (has(S_UPPER_BOUND)) {
    u8 c = cls[S_UPPER_BOUND];
    if (c == C_UNSIGNED || c == C_SIGNED) {
      u64 v = (u64)hi[S_UPPER_BOUND] << 32 | (u64)(u32)lo[S_UPPER_BOUND];
      if (c == C_SIGNED && (i64)v < 0) n = 0;
      else n = v >= 0xffffffffull ? 0 : (double)v + 1;
    }
  }
  u32 start = U32S(open_elem_start)[p];
  F64S(elem)[start + 5] *= n;
  saw_dimension.p[p] = 1;
}

/* ---- parameter registers (locations.ts) ---- */

enum { OP_REG0 = 0x50, OP_REG31 = 0x6f, OP_BREG0 = 0x70, OP_BREG31 = 0x8f, OP_REGX = 0x90, OP_FBREG = 0x91,
       OP_BREGX = 0x92, OP_STACK_VALUE = 0x9f, OP_ENTRY_VALUE = 0xa3, OP_GNU_ENTRY_VALUE = 0xf3 };

/* Length of the expression's one operation (a trailing stack_value aside), else -1. */
static i32 single_operation(const u8 *e, u32 n) {
  if (n == 0) return -1;
  u8 op = e[0];
  u32 p = 1;
  double skip = 0;
  if (op >= OP_REG0 && op <= OP_REG31) {
  } else if ((op >= OP_BREG0 && op <= OP_BREG31) || op == OP_FBREG) sleb(e, &p, n);
  else if (op == OP_REGX) uleb(e, &p, n);
  else if (op == OP_BREGX) {
    uleb(e, &p, n);
    sleb(e, &p, n);
  } else if (op == OP_ENTRY_VALUE || op == OP_GNU_ENTRY_VALUE) {
    skip = uleb(e, &p, n);
  } else return -1;
  double at = p + skip;
  if (at == n) return (i32)at;
  if (at == (double)n - 1 && e[(u32)at] == OP_STACK_VALUE) return (i32)at;
  return -1;
}

static i32 scan_found, scan_index, scan_expected;

/* One expression of the list (locations.ts scan): 1 when the expected register is found. */
static int scan_expr(const u8 *e, u32 n) {
  scan_index++;
  if (single_operation(e, n) < 0) return 0;
  u8 op = e[0];
  if (op >= OP_REG0 && op <= OP_REG31) {
    if (scan_index != 0) return 0;
    scan_found = op;
    return op == scan_expected;
  }
  if (op == OP_ENTRY_VALUE || op == OP_GNU_ENTRY_VALUE) {
    u32 p = 1;
    double len = uleb(e, &p, n);
    u32 avail = n - p;
    if (len <= avail && single_operation(e + p, (u32)len) == (i32)len) {
      scan_found = e[p];
      return scan_found == scan_expected;
    }
  }
  return 0;
}

static void scan_loclists(double offset) {
  const u8 *b = loclists;
  u32 end = loclists_len;
  u32 p = below(offset, end + 1);
  for (u32 guard = 0; guard < 1u << 20; guard++) {
    if (p + 1 > end) TRAP();
    u8 kind = b[p++];
    switch (kind) {
      case 0: return;
      case 1: uleb(b, &p, end); continue;
      case 6:
        if ((u64)p + unit_addr_size > end) TRAP();
        p += unit_addr_size;
        continue;
      case 9: uleb(b, &p, end); uleb(b, &p, end); continue;
      case 2: case 3: case 4: uleb(b, &p, end); uleb(b, &p, end); break;
      case 5: break;
      case 7:
        if ((u64)p + 2 * unit_addr_size > end) TRAP();
        p += 2 * unit_addr_size;
        break;
      case 8:
        if ((u64)p + unit_addr_size > end) TRAP();
        p += unit_addr_size;
        uleb(b, &p, end);
        break;
      default: TRAP();
    }
    double n = uleb(b, &p, end);
    if (n > end - p) TRAP();
    if (scan_expr(b + p, (u32)n)) return;
    p += (u32)n;
  }
  TRAP();
}

static void scan_loc(double offset) {
  u32 as = unit_addr_size;
  if (as != 4 && as != 8) TRAP();
  const u8 *b = loc;
  u32 end = loc_len;
  u32 p = below(offset, end + 1);
  for (u32 guard = 0; guard < 1u << 20; guard++) {
    if ((u64)p + 2 * as > end) TRAP();
    u64 start = as == 8 ? rd64(b + p) : rd32(b + p);
    u64 stop = as == 8 ? rd64(b + p + as) : rd32(b + p + as);
    p += 2 * as;
    if (start == 0 && stop == 0) return;
    if (start == (as == 8 ? ~0ull : 0xffffffffull)) continue;
    if ((u64)p + 2 > end) TRAP();
    u32 n = rd16(b + p);
    p += 2;
    if ((u64)p + n > end) TRAP();
    if (scan_expr(b + p, n)) return;
    p += n;
  }
  TRAP();
}

/* The register of the current DIE's location (locations.ts parameterRegister), or -1. */
static i32 parameter_register(i32 expected) {
  scan_found = -1;
  scan_index = -1;
  scan_expected = expected;
  u8 c = cls[S_LOCATION];
  if (c == C_BLOCK) {
    scan_expr(info + (u32)lo[S_LOCATION], hi[S_LOCATION]);
  } else if (unit_version >= 5) {
    double offset;
    if (c == C_INDEX) {
      double at = loclists_base + lo[S_LOCATION] * unit_off_size;
      if (!(at >= 0) || !(at + unit_off_size <= loclists_len)) TRAP();
      u32 i = (u32)at;
      offset = loclists_base + (unit_off_size == 8 ? (double)rd64(loclists + i) : rd32(loclists + i));
    } else offset = lo[S_LOCATION];
    scan_loclists(offset);
  } else scan_loc(lo[S_LOCATION]);
  return scan_found;
}

static int unexpected_register(u32 index) {
  if (index >= n_arg_regs || !has(S_LOCATION)) return 0;
  i32 expected = (i32)arg_regs[index];
  i32 reg = parameter_register(expected);
  return reg >= 0 && reg != expected;
}

/* A value the draft carries in an Int32Array: must be one exactly. */
static i32 exact_i32(double x) {
  if (!(x >= -2147483648.0 && x <= 2147483647.0)) TRAP();
  return (i32)x;
}

PER_ITEM void parameter(u32 d) {
  if (open_parent(d, K_FUNC_PROTO, K_FUNC_PROTO) >= 0) {
    int varargs = die_tag == T_UNSPECIFIED_PARAMETERS;
    double name = varargs ? 0 : name_off();
    double type = varargs ? 0 : type_ref();
    push_elem(name);
    push_elem(type);
    return;
  }
  if (open_fn < 0 || open_fn_depth != (i32)d - 1) return;
  double *fn = F64S(fns) + (u32)open_fn * FN_STRIDE;
  if (die_tag == T_UNSPECIFIED_PARAMETERS) {
    fn[FN_FLAGS] = (double)((u32)fn[FN_FLAGS] | FN_VARARGS);
    return;
  }
  u32 i = N32(param_type);
  push_i32(&param_set, (i32)(die_offset - unit_offset));
  param_at[die_offset - unit_offset] = (i32)i + 1;
  push_i32(&param_die, (i32)die_offset);
  push_i32(&param_name, name_off());
  push_i32(&param_type, has(S_TYPE) ? exact_i32(type_ref()) : -1);
  double origin = has(S_ABSTRACT_ORIGIN) ? lo[S_ABSTRACT_ORIGIN] : 0;
  push_i32(&param_origin, exact_i32(origin));
  fn = F64S(fns) + (u32)open_fn * FN_STRIDE;
  int unexpected = unexpected_register((u32)fn[FN_PARAM_COUNT]);
  push_i32(&param_unexpected, unexpected);
  if (unexpected && has(S_ABSTRACT_ORIGIN)) push_f64(&unexpected_origins, origin);
  fn[FN_PARAM_COUNT] += 1;
}

/* A string for the draft: section and offset, or SEC_NONE for ''. */
static void push_string(vec *v, string_ref s) {
  push_f64(v, s.sec);
  push_f64(v, s.off);
}

PER_ITEM void subprogram(u32 d) {
  int instance = has(S_ABSTRACT_ORIGIN);
  if (instance && n_arg_regs == 0) return;
  double name_offset = -1;
  string_ref name = {SEC_NONE, 0, 0, 0};
  int name_undefined = 1;
  if (has(S_NAME)) {
    u8 c = cls[S_NAME];
    if (c == C_STRP) name_offset = lo[S_NAME];
    else if (c == C_STRX) name_offset = strx_offset(lo[S_NAME]);
    if (name_offset < 0) {
      name = string_of(S_NAME);
      name_undefined = 0;
    }
  }
  u32 flags = (has(S_DECLARATION) ? FN_DECLARATION : 0) | (has(S_EXTERNAL) ? FN_EXTERNAL : 0);
  push_f64(&fns, die_offset);
  push_f64(&fns, name_offset);
  if (name_undefined) {
    push_f64(&fns, -1);
    push_f64(&fns, 0);
  } else push_string(&fns, name);
  push_f64(&fns, has(S_TYPE) ? type_ref() : -1);
  push_f64(&fns, instance ? lo[S_ABSTRACT_ORIGIN] : has(S_SPECIFICATION) ? lo[S_SPECIFICATION] : 0);
  push_f64(&fns, flags);
  push_f64(&fns, N32(param_type));
  push_f64(&fns, 0);
  if (flags & FN_DECLARATION) return;
  if (die_children) {
    open_fn = (i32)(N64(fns) / FN_STRIDE) - 1;
    open_fn_depth = (i32)d;
  }
}

PER_ITEM void variable(u32 d) {
  u32 parent = parent_tag(d);
  if (parent != T_COMPILE_UNIT && parent != T_PARTIAL_UNIT) return;
  if (has(S_ARTIFICIAL)) return;
  string_ref name = string_of(S_NAME);
  if (has(S_DECLARATION)) {
    push_f64(&var_decl, die_offset);
    push_string(&var_decl, name);
    push_f64(&var_decl, type_ref());
    push_f64(&var_decl, has(S_EXTERNAL));
    return;
  }
  if (!has(S_LOCATION) || cls[S_LOCATION] != C_BLOCK) return;
  const u8 *expr = info + (u32)lo[S_LOCATION];
  u32 n = hi[S_LOCATION];
  u32 size = unit_addr_size;
  u32 alo, ahi = 0;
  if (n > 0 && expr[0] == 0x03 && n == 1 + size) {
    u64 v = 0;
    for (u32 i = 0; i < size; i++) v |= (u64)expr[little_endian ? 1 + i : size - i] << (8 * i);
    alo = (u32)v;
    ahi = (u32)(v >> 32);
  } else if (n > 0 && expr[0] == 0xa1) {
    double index = operand_uleb(expr, 1, n);
    if (size != 4 && size != 8) TRAP();
    double at = addr_base + index * size;
    if (!(at >= 0) || !(at + size <= addr_len)) TRAP();
    u32 i = (u32)at;
    u64 v = size == 8 ? rd64(addr_sec + i) : rd32(addr_sec + i);
    alo = (u32)v;
    ahi = (u32)(v >> 32);
  } else return;
  push_f64(&vars, die_offset);
  push_string(&vars, name);
  push_f64(&vars, has(S_TYPE) ? type_ref() : -1);
  push_f64(&vars, alo);
  push_f64(&vars, ahi);
  push_f64(&vars, has(S_EXTERNAL));
  push_f64(&vars, has(S_SPECIFICATION) ? lo[S_SPECIFICATION] : 0);
}

/* Caller's offset of an annotation's string value (cu.ts constValueOff). */
static i32 const_value_off(void) {
  u8 c = cls[S_CONST_VALUE];
  if (!has(S_CONST_VALUE) || (c != C_STRP && c != C_STRX && c != C_INLINE && c != C_LINE_STR)) TRAP();
  return intern_string(NS_DECODED, string_of(S_CONST_VALUE));
}

static void push_triple(vec *v, double a, double b, double c) {
  push_f64(v, a);
  push_f64(v, b);
  push_f64(v, c);
}

PER_ITEM void annotation(u32 d) {
  string_ref kind = string_of(S_NAME);
  u32 parent = parent_tag(d);
  if (string_is(kind, "btf_type_tag")) {
    if (!(features & F_TYPE_TAG) || parent != T_POINTER) return;
    i32 p = open_parent(d, K_PTR, K_PTR);
    if (p < 0) return;
    u32 start = U32S(open_elem_start)[p];
    u32 top = N64(elem);
    double inner = top > start + 3 ? F64S(elem)[top - 1] : F64S(elem)[start + 2];
    u32 local = new_local(die_offset);
    emit_words(local, const_value_off(), make_info(K_TYPE_TAG, 0, 0), inner, 0, 0);
    push_elem(die_offset);
    return;
  }
  if (!string_is(kind, "btf_decl_tag") || !(features & F_DECL_TAG)) return;
  double value = const_value_off();
  switch (parent) {
    case T_MEMBER: {
      i32 p = open_parent(d - 1, K_STRUCT, K_UNION);
      if (p < 0) return;
      push_triple(&decl_tags, value, I32S(die_at)[d - 2], (double)(N64(elem) - U32S(open_elem_start)[p] - 3) / 4 - 1);
      return;
    }
    case T_STRUCTURE: case T_UNION: case T_CLASS: case T_TYPEDEF: case T_ENUMERATION:
      push_triple(&decl_tags, value, I32S(die_at)[d - 1], -1);
      return;
    case T_SUBPROGRAM:
      if (open_fn >= 0 && open_fn_depth == (i32)d - 1) push_triple(&fn_tags, open_fn, value, -1);
      return;
    case T_FORMAL_PARAMETER:
      if (open_fn >= 0 && open_fn_depth == (i32)d - 2) push_triple(&fn_tags, open_fn, value, F64S(fns)[(u32)open_fn * FN_STRIDE + FN_PARAM_COUNT] - 1);
      return;
    case T_VARIABLE:
      push_f64(&var_tags, I32S(die_at)[d - 1]);
      push_f64(&var_tags, value);
      return;
    default:
      return;
  }
}

PER_ITEM void visit(u32 d) {
  switch (die_tag) {
    case T_BASE: base_type(); return;
    case T_POINTER:
      if (die_children) open_record(die_offset, d, 0, make_info(K_PTR, 0, 0), type_ref(), 0, 0);
      else emit_simple(K_PTR, 0, type_ref());
      return;
    case T_LLVM_ANNOTATION: annotation(d); return;
    case T_CONST: emit_simple(K_CONST, 0, type_ref()); return;
    case T_VOLATILE: emit_simple(K_VOLATILE, 0, type_ref()); return;
    case T_RESTRICT: emit_simple(K_RESTRICT, 0, type_ref()); return;
    case T_TYPEDEF: {
      double name = name_off();
      emit_simple(K_TYPEDEF, name, type_ref());
      return;
    }
    case T_ATOMIC:
      push_f64(&alias_from, die_offset);
      push_f64(&alias_to, type_ref());
      return;
    case T_STRUCTURE: case T_CLASS: case T_UNION: aggregate(d); return;
    case T_ENUMERATION: enumeration(d); return;
    case T_ARRAY:
      need_index = 1;
      open_record(die_offset, d, 0, make_info(K_ARRAY, 0, 0), 0, 1, type_ref());
      return;
    case T_SUBROUTINE: open_record(die_offset, d, 0, make_info(K_FUNC_PROTO, 0, 0), type_ref(), 0, 0); return;
    case T_MEMBER: member(d); return;
    case T_ENUMERATOR: enumerator(d); return;
    case T_SUBRANGE: subrange(d); return;
    case T_FORMAL_PARAMETER: case T_UNSPECIFIED_PARAMETERS: parameter(d); return;
    case T_SUBPROGRAM: subprogram(d); return;
    case T_VARIABLE: variable(d); return;
    default: return;
  }
}

static void set_depth_entry(vec *v, u32 d, i32 x) {
  while (N32(*v) <= d) push_i32(v, 0);
  I32S(*v)[d] = x;
}

/* ---- exports ---- */

/*
 * desc: info, info_len, abbrev, abbrev_len, str, str_len, line_str, line_str_len, str_offsets,
 * str_offsets_len, addr, addr_len, loclists, loclists_len, loc, loc_len, little_endian,
 * features, n_arg_regs, arg_regs[n], max_span, heap_top, heap_limit (0: the memory grows).
 */
__attribute__((export_name("init"))) void init(const u32 *desc) {
  const u8 **at[] = {&info, &abbrev, &str, &line_str, &str_offsets, &addr_sec, &loclists, &loc};
  u32 *len[] = {&info_len, &abbrev_len, &str_len, &line_str_len, &str_offsets_len, &addr_len, &loclists_len, &loc_len};
  for (u32 i = 0; i < 8; i++) {
    *at[i] = (const u8 *)desc[2 * i];
    *len[i] = desc[2 * i + 1];
  }
  little_endian = desc[16] != 0;
  features = desc[17];
  n_arg_regs = desc[18] > 16 ? 16 : desc[18];
  for (u32 i = 0; i < n_arg_regs; i++) arg_regs[i] = desc[19 + i];
  die_map_span = desc[19 + desc[18]];
  heap_top = desc[20 + desc[18]];
  heap_limit = desc[21 + desc[18]];
  if (!heap_limit) {
    /* One growth for the fixed tables (the names table: at most a 16-byte slot per 16 bytes of
       .debug_str, see names_init) and room for the largest unit's arrays. */
    u64 reserve = 24ull * die_map_span + (u64)str_len + (1u << 20);
    if (reserve > 0xf0000000ull) TRAP();
    alloc((u32)reserve);
    heap_top = desc[20 + desc[18]];
  }
  die_map = alloc(4 * die_map_span + 4);
  param_at = alloc(4 * die_map_span + 4);
  names_init();
}

static u32 out[64];

/* Whether a call trapped for want of room in a memory that must not grow (heap_limit). */
__attribute__((export_name("room_exhausted"))) u32 room_exhausted(void) { return out_of_room; }

/*
 * Walk the unit at `offset` (header fields as reader.ts parsed them). Returns 0 when walked,
 * 1 for a unit left out (Rust); traps on anything the JavaScript walk should see instead.
 */
__attribute__((export_name("walk_unit"))) u32 walk_unit(u32 offset, u32 end, u32 version, u32 address_size, u32 offset_size, u32 abbrev_offset, u32 die_offset_first) {
  if (end < offset || end > info_len || end - offset > die_map_span || die_offset_first > end) TRAP();
  unit_offset = offset;
  unit_end = end;
  unit_version = version;
  unit_addr_size = address_size;
  unit_off_size = offset_size;
  u32 span = end - offset;
  walked_unit = ~0u;
  for (u32 i = 0; i < N32(die_map_set); i++) die_map[I32S(die_map_set)[i]] = 0;
  for (u32 i = 0; i < N32(param_set); i++) param_at[I32S(param_set)[i]] = 0;
  die_map_set.len = param_set.len = 0;
  W.len = rec_off.len = rec_len.len = alias_from.len = alias_to.len = 0;
  open_die.len = open_elem_start.len = open_depth.len = elem.len = saw_dimension.len = 0;
  fns.len = fn_tags.len = param_name.len = param_type.len = param_origin.len = param_unexpected.len = param_die.len = 0;
  unexpected_origins.len = vars.len = var_decl.len = decl_tags.len = var_tags.len = 0;
  n_rec = 0;
  open_fn = -1;
  open_fn_depth = -1;
  need_index = 0;
  int_local = -1;
  table = table_at(abbrev_offset);
  bind_slots(table, address_size, offset_size);
  pos = die_offset_first;
  next_depth = 0;
  u32 hdr = offset_size == 8 ? 16 : 8;
  str_offsets_base = hdr;
  addr_base = hdr;
  loclists_base = hdr + 4;
  while (next_die()) {
    u32 d = die_depth;
    if (d == 0 && has(S_LANGUAGE) && num(S_LANGUAGE) == 0x1c) return 1;
    while (n_open() > 0 && I32S(open_depth)[n_open() - 1] >= (i32)d) close_record();
    if (open_fn >= 0 && open_fn_depth >= (i32)d) {
      open_fn = -1;
      open_fn_depth = -1;
    }
    set_depth_entry(&tag_at, d, die_tag);
    set_depth_entry(&die_at, d, (i32)die_offset);
    visit(d);
  }
  while (n_open() > 0) close_record();
  double *origins = F64S(unexpected_origins);
  for (u32 i = 0; i < N64(unexpected_origins); i++) {
    double rel = origins[i] - offset;
    if (rel > 0 && rel < span) {
      i32 at = param_at[(u32)rel];
      if (at > 0) param_unexpected.p[4 * (u32)(at - 1)] = 1;
    }
  }
  die_map_span_last = span;
  walked_unit = offset;
  return 0;
}

/* Where the last walk's arrays are: [address, count] pairs in the order walk-core.ts reads them. */
__attribute__((export_name("result"))) u32 *result(void) {
  vec dense = {(u8 *)die_map, 4 * die_map_span_last, 4 * die_map_span_last};
  const vec *v[] = {&W, &rec_off, &rec_len, &dense, &alias_from, &alias_to, &fns, &fn_tags, &param_name, &param_type,
                    &param_origin, &param_unexpected, &param_die, &vars, &var_decl, &decl_tags, &var_tags};
  u32 k = 0;
  for (u32 i = 0; i < sizeof v / sizeof v[0]; i++) {
    out[k++] = (u32)v[i]->p;
    out[k++] = v[i]->len;
  }
  out[k++] = (u32)need_index;
  out[k++] = (u32)int_local;
  return out;
}

/* ---- finishing a unit: ids for its records (cu.ts buildDeps, assignIds, appendNew) ---- */

/* The kind table (kinds.ts coreKindTable, SHAPE_* in core.h): the words the field visitor visits. */
static u8 shapes[128 * SHAPE_BYTES];

/* Records by content, as cu.ts RecordTable (same hash, probing and growth: the same id wins). */
static i32 *rt_slots, *rt_hashes, *rt_starts, *rt_lengths;
static u32 rt_cap, rt_count;
static vec rt_pool;

static u32 record_hash(const u32 *rec, u32 len) {
  u32 h = 0x811c9dc5u;
  for (u32 i = 0; i < len; i++) h = (h ^ rec[i]) * 0x01000193u;
  return h | 1;
}

static void rt_alloc(u32 cap) {
  rt_slots = alloc(4 * cap);
  rt_hashes = alloc(4 * cap);
  rt_starts = alloc(4 * cap);
  rt_lengths = alloc(4 * cap);
  rt_cap = cap;
}

static i32 rt_find(const u32 *rec, u32 len) {
  u32 h = record_hash(rec, len);
  u32 mask = rt_cap - 1;
  const u32 *pool = U32S(rt_pool);
  for (u32 i = h & mask;; i = (i + 1) & mask) {
    i32 id = rt_slots[i];
    if (id == 0) return 0;
    if ((u32)rt_hashes[i] != h || (u32)rt_lengths[i] != len) continue;
    const u32 *at = pool + rt_starts[i];
    u32 k = 0;
    while (k < len && at[k] == rec[k]) k++;
    if (k == len) return id;
  }
}

static void rt_grow(void) {
  i32 *slots = rt_slots, *hashes = rt_hashes, *starts = rt_starts, *lengths = rt_lengths;
  u32 old = rt_cap;
  rt_alloc(old * 2);
  u32 mask = rt_cap - 1;
  for (u32 j = 0; j < old; j++) {
    if (slots[j] == 0) continue;
    u32 i = (u32)hashes[j] & mask;
    while (rt_slots[i] != 0) i = (i + 1) & mask;
    rt_slots[i] = slots[j];
    rt_hashes[i] = hashes[j];
    rt_starts[i] = starts[j];
    rt_lengths[i] = lengths[j];
  }
}

static void rt_insert(const u32 *rec, u32 len, i32 id) {
  if ((rt_count + 1) * 2 > rt_cap) rt_grow();
  u32 *to = vroom(&rt_pool, 4 * len);
  u32 at = N32(rt_pool);
  for (u32 k = 0; k < len; k++) to[k] = rec[k];
  rt_pool.len += 4 * len;
  u32 h = record_hash(rec, len);
  u32 mask = rt_cap - 1;
  u32 i = h & mask;
  while (rt_slots[i] != 0) i = (i + 1) & mask;
  rt_slots[i] = id;
  rt_hashes[i] = (i32)h;
  rt_starts[i] = (i32)at;
  rt_lengths[i] = (i32)len;
  rt_count++;
}

/*
 * The unit as the encoder finishes it: the walk's own arrays with the encoder's records added,
 * or (a unit the JavaScript walked) copies in fin_*.
 */
static vec fin_w, fin_rec_off, fin_rec_len, fin_die_map, fin_proto_of;
static const u32 *fin_words;
static const i32 *fin_offs, *fin_lens, *fin_map;

static vec deps, dep_start, dfs_stack, dfs_next, fin_state, fin_post, fin_found, fin_ids, fin_flags, fin_out, fin_out_len;
static u32 fin_unit_offset, fin_span;
/* One record's words (canonical_words), grown to the longest record. */
static vec scratch_vec;
static u32 *scratch;

/* Local id a type word refers to, -1 for void; traps where cu.ts reports a reference leaving its unit. */
static i32 fin_target(u32 die) {
  if (die == 0) return -1;
  i64 rel = (i64)die - fin_unit_offset;
  if (rel <= 0 || rel >= fin_span) TRAP();
  return fin_map[rel] - 1;
}

/* Calls visit(word index) for each type-id word of the record at `off` (fields.ts forEachTypeIdWord). */
#define FOR_EACH_TYPE_WORD(words, off, body)                                                     \
  do {                                                                                             \
    u32 kind_ = info_kind((words)[(off) + 1]);                                                     \
    const u8 *sh_ = shapes + kind_ * SHAPE_BYTES;                                                  \
    if (!(sh_[0] & SHAPE_FIELDS_KNOWN)) TRAP();                                                    \
    u32 w_;                                                                                        \
    if (sh_[0] & SHAPE_TYPE_IN_SIZE) { w_ = (off) + 2; body; }                                     \
    for (u32 i_ = 0; i_ < sh_[3]; i_++) { w_ = (off) + 3 + sh_[4 + i_]; body; }                     \
    if (sh_[6] != SHAPE_NO_WORD) {                                                                 \
      u32 vlen_ = info_vlen((words)[(off) + 1]);                                                   \
      u32 e_ = (off) + 3 + sh_[1];                                                                 \
      for (u32 i_ = 0; i_ < vlen_; i_++, e_ += sh_[2]) { w_ = e_ + sh_[6]; body; }                 \
    }                                                                                              \
  } while (0)

/* `v` holding `bytes` (contents not kept). */
static void *sized(vec *v, u32 bytes) {
  v->len = 0;
  void *p = vroom(v, bytes);
  v->len = bytes;
  return p;
}

/* The record's words with references replaced by `ids` (local → global), in scratch; its length. */
static u32 canonical_words(u32 local, const i32 *ids, i32 global_index, i32 local_index) {
  const u32 *W_ = fin_words;
  u32 off = (u32)fin_offs[local];
  u32 len = (u32)fin_lens[local];
  scratch = sized(&scratch_vec, 4 * len + 4);
  for (u32 i = 0; i < len; i++) scratch[i] = W_[off + i];
  u32 kind = info_kind(scratch[1]);
  i32 proto = I32S(fin_proto_of)[local];
  if (proto >= 0) scratch[2] = (u32)ids[proto];
  else {
    FOR_EACH_TYPE_WORD(scratch, 0u, {
      i32 t = fin_target(scratch[w_]);
      scratch[w_] = t < 0 ? 0 : (u32)ids[t];
    });
    if (kind == K_ARRAY) scratch[4] = local_index >= 0 ? (u32)ids[local_index] : (u32)global_index;
  }
  return len;
}


/* The walked unit's aliases (atomic) pointed at their target's record in its DIE map, chains by repetition (cu.ts finish). */
static void resolve_aliases(u32 unit_offset_, u32 span) {
  const double *from = F64S(alias_from), *to = F64S(alias_to);
  for (u32 round = 0; round < 8 && N64(alias_from) > 0; round++) {
    for (u32 i = 0; i < N64(alias_from); i++) {
      double rel = to[i] - unit_offset_;
      if (to[i] != 0 && rel > 0 && rel < span) die_map[(u32)(from[i] - unit_offset_)] = die_map[(u32)rel];
    }
  }
}

/* finish_unit to read the unit walked last where the walk left it (its records, its DIE map with the aliases resolved). */
static void finish_in_place(u32 unit_offset_, u32 span) {
  fin_words = U32S(W);
  fin_offs = I32S(rec_off);
  fin_lens = I32S(rec_len);
  fin_map = die_map;
  resolve_aliases(unit_offset_, span);
  walked_unit = ~0u;
}

/*
 * Room for the unit the caller copies in: words, then per record its offset, length and
 * FUNC_PROTO (or -1), then the DIE map of `span` entries. Returns where the five arrays start.
 * For the unit walked last (at `unit_offset_`), only what the encoder added after the walk's
 * records is copied: the words and records from there on (the DIE map is the walk's, its
 * aliases resolved here as cu.ts finish does); the DIE map's address is then 0, and the
 * last two entries say from which word and record on the caller copies.
 */
__attribute__((export_name("finish_input"))) u32 *finish_input(u32 wlen, u32 n, u32 span, u32 unit_offset_) {
  out[3] = (u32)sized(&fin_proto_of, 4 * n + 4);
  if (unit_offset_ == walked_unit && n >= n_rec && wlen >= N32(W) && span == die_map_span_last) {
    u32 extra_w = wlen - N32(W), extra_n = n - n_rec;
    out[5] = N32(W);
    out[6] = n_rec;
    out[0] = (u32)vroom(&W, 4 * extra_w + 4);
    out[1] = (u32)vroom(&rec_off, 4 * extra_n + 4);
    out[2] = (u32)vroom(&rec_len, 4 * extra_n + 4);
    out[4] = 0;
    W.len += 4 * extra_w;
    rec_off.len += 4 * extra_n;
    rec_len.len += 4 * extra_n;
    n_rec = n;
    finish_in_place(unit_offset_, span);
    return out;
  }
  out[0] = (u32)sized(&fin_w, 4 * wlen + 4);
  out[1] = (u32)sized(&fin_rec_off, 4 * n + 4);
  out[2] = (u32)sized(&fin_rec_len, 4 * n + 4);
  out[4] = (u32)sized(&fin_die_map, 4 * span + 4);
  out[5] = out[6] = 0;
  fin_words = U32S(fin_w);
  fin_offs = I32S(fin_rec_off);
  fin_lens = I32S(fin_rec_len);
  fin_map = I32S(fin_die_map);
  return out;
}

/*
 * Ids of the unit's `n` records (cu.ts assignIds): a closed record equal to one of an earlier
 * unit takes its id, every other the next from `next_id`, in local order. Then the new ones'
 * words, references resolved, for the caller to append in order (closed ones remembered for
 * the units after). Returns [ids, new-record flags, words, word count per new record].
 */
__attribute__((export_name("finish_unit"))) u32 *finish_unit(u32 n, u32 unit_offset_, u32 span, i32 next_id, i32 global_index, i32 local_index) {
  fin_unit_offset = unit_offset_;
  fin_span = span;
  const u32 *W_ = fin_words;
  const i32 *proto_of = I32S(fin_proto_of);
  const i32 *rec_off_ = fin_offs;
  /* Dependencies of every record (buildDeps). */
  i32 *starts = sized(&dep_start, 4 * n + 4);
  deps.len = 0;
  for (u32 local = 0; local < n; local++) {
    starts[local] = (i32)N32(deps);
    u32 off = (u32)rec_off_[local];
    u32 kind = info_kind(W_[off + 1]);
    i32 proto = proto_of[local];
    if (proto >= 0) push_i32(&deps, proto);
    else {
      FOR_EACH_TYPE_WORD(W_, off, {
        i32 t = fin_target(W_[w_]);
        if (t >= 0) push_i32(&deps, t);
      });
      if (kind == K_ARRAY && local_index >= 0) push_i32(&deps, local_index);
    }
  }
  starts[n] = (i32)N32(deps);
  const i32 *dep = I32S(deps);
  /* Closed records in dependency order (closedOrder): 0 unvisited, 1 on the stack, 4 on the
   * stack and known open, 2 closed, 3 open. */
  u8 *state = sized(&fin_state, n + 1);
  for (u32 i = 0; i < n; i++) state[i] = 0;
  i32 *post = sized(&fin_post, 4 * n + 4);
  i32 *stack = sized(&dfs_stack, 4 * n + 4);
  i32 *nexts = sized(&dfs_next, 4 * n + 4);
  u32 n_post = 0;
  for (u32 root = 0; root < n; root++) {
    if (state[root] != 0) continue;
    i32 top = 0;
    stack[0] = (i32)root;
    nexts[0] = starts[root];
    state[root] = 1;
    while (top >= 0) {
      i32 node = stack[top];
      i32 i = nexts[top];
      if (i < starts[node + 1]) {
        nexts[top] = i + 1;
        i32 child = dep[i];
        u8 st = state[child];
        if (st == 0) {
          state[child] = 1;
          top++;
          stack[top] = child;
          nexts[top] = starts[child];
        } else if (st == 1 || st == 3 || st == 4) state[node] = 4;
        continue;
      }
      top--;
      u32 kind = info_kind(W_[rec_off_[node] + 1]);
      int open = state[node] == 4 || kind == K_FUNC || kind == K_VAR;
      if (!open)
        for (i32 j = starts[node]; j < starts[node + 1]; j++)
          if (state[dep[j]] != 2) open = 1;
      state[node] = open ? 3 : 2;
      if (!open) post[n_post++] = node;
    }
  }
  /* Closed records found in the earlier units' (findClosed). */
  i32 *found = sized(&fin_found, 4 * n + 4);
  for (u32 i = 0; i < n; i++) found[i] = 0;
  for (u32 k = 0; k < n_post; k++) {
    i32 local = post[k];
    int ok = 1;
    for (i32 j = starts[local]; j < starts[local + 1]; j++) if (found[dep[j]] == 0) ok = 0;
    if (!ok) continue;
    u32 len = canonical_words((u32)local, found, global_index, local_index);
    found[local] = rt_find(scratch, len);
  }
  i32 *ids = sized(&fin_ids, 4 * n + 4);
  u8 *is_new = sized(&fin_flags, n + 1);
  for (u32 local = 0; local < n; local++) {
    if (found[local] != 0) {
      ids[local] = found[local];
      is_new[local] = 0;
    } else {
      ids[local] = next_id++;
      is_new[local] = 1;
    }
  }
  /* The new records' words (appendNew), closed ones remembered. */
  fin_out.len = 0;
  fin_out_len.len = 0;
  for (u32 local = 0; local < n; local++) {
    if (!is_new[local]) continue;
    u32 len = canonical_words(local, ids, global_index, local_index);
    u32 *to = vroom(&fin_out, 4 * len);
    for (u32 i = 0; i < len; i++) to[i] = scratch[i];
    fin_out.len += 4 * len;
    push_i32(&fin_out_len, (i32)len);
    if (state[local] == 2) rt_insert(scratch, len, ids[local]);
  }
  out[0] = (u32)ids;
  out[1] = (u32)fin_flags.p;
  out[2] = (u32)fin_out.p;
  out[3] = (u32)fin_out_len.p;
  out[4] = N32(fin_out_len);
  return out;
}

/* Where the caller puts the kind table (see `shapes`), before the first finish_unit. */
__attribute__((export_name("finish_init"))) u8 *finish_init(void) {
  if (rt_cap == 0) {
    rt_alloc(1u << 12);
    vroom(&rt_pool, 4u << 16);
  }
  return shapes;
}

/*
 * ---- finishing the unit walked last without a draft (cu.ts finish, the caller deciding) ----
 *
 * walked_candidates resolves the unit's function definitions (cu.ts resolveFunction: names,
 * return and parameter types through their origins) and variables (their declarations, the
 * size of their type) for the caller's policy, which decides each; finish_walked then adds the
 * records finish() adds (decl tags, the array index type, FUNC_PROTO + FUNC + tags of each
 * function encoded now, VAR + tags of each variable taken) to the walk's own arrays and
 * assigns the ids as finish_unit does. Nothing in the JavaScript is built per record, and
 * nothing is copied in or out but the new records.
 *
 * Whatever the JavaScript would refuse or decode differently (a type reference leaving the
 * unit, a name that is not exact UTF-8) makes walked_candidates give the unit back before the
 * policy is asked anything: the caller then finishes it from the draft as before.
 */

/* Per candidate function (u32): its fns row, its name (section, offset, bytes, length), flags, its FUNC_PROTO words in cand_words. */
#define CAND_STRIDE 9
enum { CAND_FN, CAND_NAME_SEC, CAND_NAME_OFF, CAND_NAME_AT, CAND_NAME_LEN, CAND_EXTERNAL, CAND_UNEXPECTED, CAND_WORDS, CAND_WORDS_LEN };
/* Per variable (f64): its name (section, offset, bytes, length), type DIE, external, address, type size, DIE. */
#define WVAR_STRIDE 10
enum { WVAR_NAME_SEC, WVAR_NAME_OFF, WVAR_NAME_AT, WVAR_NAME_LEN, WVAR_TYPE, WVAR_EXTERNAL, WVAR_ADDR_LO, WVAR_ADDR_HI, WVAR_SIZE, WVAR_DIE };
/* The caller's decision per candidate function (finish_walked). */
enum { DECIDE_SKIP = 0, DECIDE_NOW = 1, DECIDE_DEFER = 2 };

static vec cand_rows, cand_words, wvar_rows, decisions, pairs, walked_ids, deferred_words, deferred_tags, deferred_tag_counts;
static u32 walked_out[16];
/* The unit walked_candidates took (else ~0): finish_walked finishes only that one. */
static u32 candidates_unit = ~0u;

/* The fns row of the subprogram at DIE offset `die` of the unit walked last, or -1 (the rows are in DIE order). */
static i32 fn_by_die(double die) {
  const double *rows = F64S(fns);
  u32 lo_ = 0, hi_ = N64(fns) / FN_STRIDE;
  while (lo_ < hi_) {
    u32 mid = (lo_ + hi_) / 2;
    double at = rows[mid * FN_STRIDE + FN_DIE];
    if (at == die) return (i32)mid;
    if (at < die) lo_ = mid + 1;
    else hi_ = mid;
  }
  return -1;
}

/* The parameter at DIE offset `die` (param_* index), or -1 (cu.ts paramByDie). */
static i32 param_by_die(i32 die) {
  i64 rel = (i64)die - unit_offset;
  if (rel <= 0 || rel >= die_map_span_last) return -1;
  return param_at[(u32)rel] - 1;
}

/* A reference word of the walked unit cu.ts resolves without an error: void, or a DIE inside the unit. */
static int in_unit(double die) {
  double rel = die - unit_offset;
  return die == 0 || (rel > 0 && rel < die_map_span_last);
}

/* The string a draft gives for (section, offset) (walk-core.ts string: SEC_NONE is ''). */
static string_ref draft_string(double sec, double off) {
  string_ref none = {SEC_NONE, 0, 0, 0};
  return sec == SEC_NONE ? none : section_string((u32)sec, off);
}

/* cu.ts resolveFunction's nameOf: 0 when the row has no name (undefined), else its string in *s. */
static int fn_name(const double *f, string_ref *s) {
  if (f[FN_NAME_SEC] != -1) {
    *s = draft_string(f[FN_NAME_SEC], f[FN_NAME_OFF]);
    return 1;
  }
  if (f[FN_NAME_OFFSET] >= 0) {
    *s = section_string(SEC_STR, f[FN_NAME_OFFSET]);
    return 1;
  }
  return 0;
}

/*
 * The names the policy may take a function of (walked_function_names), by content: the
 * others are left out without asking it (a module's units define every header's static
 * inline functions again, ext4: 4,900 definitions for 1,200 FUNCs).
 */
static hash_table taken_names = {0, 0, 0, 0, sizeof(name_entry)};

static int function_name_taken(string_ref s) {
  if (!taken_names.hashes) return 1;
  u32 h = name_hash(s.bytes, s.len) | 1;
  for (u32 i = h & taken_names.mask; taken_names.hashes[i]; i = (i + 1) & taken_names.mask) {
    const name_entry *e = (const name_entry *)taken_names.entries + i;
    if (taken_names.hashes[i] == h && e->len == s.len && same_bytes(e->bytes, s.bytes, s.len)) return 1;
  }
  return 0;
}

/*
 * The first `n` bytes of the strings scratch: NUL-terminated UTF-8 names, the only ones the
 * policy may take a function of (FunctionTable.candidateNames), kept (copied) for every unit.
 */
__attribute__((export_name("walked_function_names"))) void walked_function_names(u32 n) {
  if (n > string_scratch.cap) TRAP();
  u8 *bytes = alloc(n);
  copy_bytes(bytes, string_scratch.p, n);
  if (!taken_names.hashes) table_grow(&taken_names, 1024);
  for (u32 at = 0; at < n;) {
    u32 end = at;
    while (end < n && bytes[end] != 0) end++;
    string_ref s = {SEC_NONE, 0, bytes + at, end - at};
    if (!function_name_taken(s)) {
      u32 slot = table_slot_for(&taken_names, name_hash(s.bytes, s.len) | 1);
      name_entry e = {s.bytes, s.len, 0};
      ((name_entry *)taken_names.entries)[slot] = e;
    }
    at = end + 1;
  }
}

/*
 * Definition `k` as a candidate (cu.ts resolveFunction up to the policy): its name and
 * external flag through its origins, every parameter named (through theirs), and its
 * FUNC_PROTO words (type references as DIE offsets; a varargs pair last). 0: not a candidate;
 * -1: the JavaScript must finish the unit.
 */
PER_ITEM int function_candidate(u32 k) {
  const double *all = F64S(fns);
  const double *f = all + k * FN_STRIDE;
  string_ref name;
  int named = fn_name(f, &name);
  double ret = f[FN_RET];
  int external = ((u32)f[FN_FLAGS] & FN_EXTERNAL) != 0;
  i32 o = f[FN_ORIGIN] != 0 ? fn_by_die(f[FN_ORIGIN]) : -1;
  for (u32 hops = 0; o >= 0 && hops < 4; hops++) {
    const double *g = all + (u32)o * FN_STRIDE;
    if (!named) named = fn_name(g, &name);
    if (ret < 0) ret = g[FN_RET];
    external = external || ((u32)g[FN_FLAGS] & FN_EXTERNAL) != 0;
    o = g[FN_ORIGIN] != 0 ? fn_by_die(g[FN_ORIGIN]) : -1;
  }
  if (!named) return 0;
  /* Its FUNC's name is interned from these bytes, as the JavaScript encodes the decoded name. */
  if (!utf8_exact(name.bytes, name.len)) return -1;
  if (!function_name_taken(name)) return 0;
  u32 start = N32(cand_words);
  double ret_word = ret > 0 ? ret : 0;
  if (!in_unit(ret_word)) return -1;
  push_i32(&cand_words, 0);
  push_i32(&cand_words, 0);
  push_i32(&cand_words, (i32)to_u32(ret_word));
  const i32 *pname_ = I32S(param_name), *ptype_ = I32S(param_type), *porigin_ = I32S(param_origin), *punexpected_ = I32S(param_unexpected);
  int unexpected = 0;
  u32 first = (u32)f[FN_PARAM_START], count = (u32)f[FN_PARAM_COUNT];
  for (u32 i = first; i < first + count; i++) {
    if (punexpected_[i] == 1) unexpected = 1;
    i32 pname = pname_[i], ptype = ptype_[i], po = porigin_[i];
    for (u32 hops = 0; po != 0 && hops < 4; hops++) {
      i32 j = param_by_die(po);
      if (j < 0) break;
      if (pname == 0) pname = pname_[j];
      if (ptype < 0) ptype = ptype_[j];
      po = porigin_[j];
    }
    if (pname == 0) {
      cand_words.len = 4 * start;
      return 0;
    }
    i32 type_word = ptype > 0 ? ptype : 0;
    if (!in_unit(type_word)) return -1;
    push_i32(&cand_words, pname);
    push_i32(&cand_words, type_word);
  }
  if ((u32)f[FN_FLAGS] & FN_VARARGS) {
    push_i32(&cand_words, 0);
    push_i32(&cand_words, 0);
  }
  u32 len = N32(cand_words) - start;
  U32S(cand_words)[start + 1] = make_info(K_FUNC_PROTO, (len - 3) / 2, 0);
  u32 *row = vroom(&cand_rows, 4 * CAND_STRIDE);
  row[CAND_FN] = k;
  row[CAND_NAME_SEC] = name.sec;
  row[CAND_NAME_OFF] = name.off;
  row[CAND_NAME_AT] = (u32)name.bytes;
  row[CAND_NAME_LEN] = name.len;
  row[CAND_EXTERNAL] = (u32)external;
  row[CAND_UNEXPECTED] = (u32)unexpected;
  row[CAND_WORDS] = start;
  row[CAND_WORDS_LEN] = len;
  cand_rows.len += 4 * CAND_STRIDE;
  return 1;
}

/* Byte size of the type at DIE `die` of the walked unit (cu.ts typeSize, before aliases are resolved). */
static double type_size(double die) {
  double count = 1;
  for (u32 hops = 0; die > 0 && hops < 64; hops++) {
    double rel = die - unit_offset;
    if (rel <= 0 || rel >= die_map_span_last) return 0;
    i32 local = die_map[(u32)rel] - 1;
    if (local < 0) {
      /* An alias (atomic): the type it stands for (the first entry, as indexOf finds it). */
      u32 n = N64(alias_from), i = 0;
      while (i < n && F64S(alias_from)[i] != die) i++;
      if (i == n) return 0;
      die = F64S(alias_to)[i];
      continue;
    }
    const u32 *w = U32S(W);
    i32 off = I32S(rec_off)[local];
    if (off < 0) return 0;
    switch (info_kind(w[off + 1])) {
      case K_PTR: return count * unit_addr_size;
      case K_ARRAY:
        count *= w[off + 5];
        die = w[off + 3];
        continue;
      case K_TYPEDEF: case K_CONST: case K_VOLATILE: case K_RESTRICT: case K_TYPE_TAG:
        die = w[off + 2];
        continue;
      case K_INT: case K_FLOAT: case K_STRUCT: case K_UNION: case K_ENUM: case K_ENUM64:
        return count * w[off + 2];
      default: return 0;
    }
  }
  return 0;
}

/* Variable `k` resolved through its declaration (cu.ts finish's variable loop up to the policy). 0: the JavaScript must finish the unit. */
PER_ITEM int variable_candidate(u32 k) {
  const double *v = F64S(vars) + k * VAR_STRIDE;
  string_ref name = draft_string(v[1], v[2]);
  if (!utf8_exact(name.bytes, name.len)) return 0;
  double type = v[3];
  int external = v[6] != 0;
  if (v[7] != 0) {
    const double *decl = 0;
    for (u32 at = 0; at < N64(var_decl); at += DECL_STRIDE) if (F64S(var_decl)[at] == v[7]) decl = F64S(var_decl) + at;
    if (decl) {
      if (name.len == 0) {
        name = draft_string(decl[1], decl[2]);
        if (!utf8_exact(name.bytes, name.len)) return 0;
      }
      if (decl[3] > 0 || type < 0) type = decl[3];
      external = external || decl[4] != 0;
    }
  }
  if (!in_unit(type > 0 ? type : 0)) return 0;
  double *row = vroom(&wvar_rows, 8 * WVAR_STRIDE);
  row[WVAR_NAME_SEC] = name.sec;
  row[WVAR_NAME_OFF] = name.off;
  row[WVAR_NAME_AT] = (u32)name.bytes;
  row[WVAR_NAME_LEN] = name.len;
  row[WVAR_TYPE] = type;
  row[WVAR_EXTERNAL] = external;
  row[WVAR_ADDR_LO] = v[4];
  row[WVAR_ADDR_HI] = v[5];
  row[WVAR_SIZE] = type_size(type);
  row[WVAR_DIE] = v[0];
  wvar_rows.len += 8 * WVAR_STRIDE;
  return 1;
}

/* Every type reference of the walk's record `local` is void or a DIE of the unit. */
PER_ITEM int refs_in_unit(u32 local) {
  const u32 *w = U32S(W);
  FOR_EACH_TYPE_WORD(w, (u32)I32S(rec_off)[local], {
    if (!in_unit(w[w_])) return 0;
  });
  return 1;
}

/*
 * The candidates of the unit walked last (at `unit_offset_`): [candidate rows, count,
 * variable rows, count, decisions], the caller writing a decision per candidate function
 * (DECIDE_*) then 1 or 0 per variable (taken or not) into decisions; 0 when the JavaScript
 * finishes the unit (from the draft).
 */
__attribute__((export_name("walked_candidates"))) u32 *walked_candidates(u32 unit_offset_) {
  candidates_unit = ~0u;
  if (walked_unit != unit_offset_ || walked_unit == ~0u) return 0;
  cand_rows.len = cand_words.len = wvar_rows.len = 0;
  u32 n_fns = N64(fns) / FN_STRIDE;
  /* Every reference the finish resolves stays in the unit (else cu.ts names the one that leaves). */
  for (u32 local = 0; local < n_rec; local++) if (!refs_in_unit(local)) return 0;
  for (u32 at = 0; at < N64(decl_tags); at += 3) if (!in_unit(F64S(decl_tags)[at + 1])) return 0;
  for (u32 k = 0; k < n_fns; k++) {
    if ((u32)F64S(fns)[k * FN_STRIDE + FN_FLAGS] & FN_DECLARATION) continue;
    if (function_candidate(k) < 0) return 0;
  }
  u32 n_vars = N64(vars) / VAR_STRIDE;
  for (u32 k = 0; k < n_vars; k++) if (!variable_candidate(k)) return 0;
  u32 n_cand = N32(cand_rows) / CAND_STRIDE, n_wvars = N64(wvar_rows) / WVAR_STRIDE;
  i32 *d = sized(&decisions, 4 * (n_cand + n_wvars) + 4);
  for (u32 i = 0; i < n_cand + n_wvars; i++) d[i] = 0;
  candidates_unit = unit_offset_;
  walked_out[0] = (u32)cand_rows.p;
  walked_out[1] = n_cand;
  walked_out[2] = (u32)wvar_rows.p;
  walked_out[3] = n_wvars;
  walked_out[4] = (u32)d;
  return walked_out;
}

/* The walked unit's next local, its words `words` (cu.ts addLocal + emit). */
static u32 emit_local(const u32 *words, u32 len) {
  u32 local = add_local();
  u32 *to = vroom(&W, 4 * len);
  u32 off = N32(W);
  for (u32 i = 0; i < len; i++) to[i] = words[i];
  W.len += 4 * len;
  I32S(rec_off)[local] = (i32)off;
  I32S(rec_len)[local] = (i32)len;
  return local;
}

/* A DECL_TAG of string `value` on `target` (a DIE, or 0 with `of` a local, which pairs gets), component `component`. */
static u32 emit_decl_tag(double value, double target, double component, i32 of) {
  u32 words[4] = {to_u32(value), make_info(K_DECL_TAG, 0, 0), to_u32(target), to_u32(component)};
  u32 local = emit_local(words, 4);
  if (of >= 0) {
    push_i32(&pairs, (i32)local);
    push_i32(&pairs, of);
  }
  return local;
}

/*
 * Finish the unit walked_candidates took, with the caller's decisions: its records added as
 * cu.ts finish adds them, ids assigned (finish_unit), and what the caller needs:
 * [new records' words, their word counts, how many, total words, FUNC id per function
 * encoded now, VAR id per variable taken, deferred functions' FUNC_PROTO words (references
 * resolved) one after the other, their decl tags (f64 value, component pairs), the tag count
 * per deferred function, the index type's id (or -1)]. Traps when called for another unit.
 */
__attribute__((export_name("finish_walked"))) u32 *finish_walked(u32 unit_offset_, i32 next_id, i32 global_index) {
  if (candidates_unit != unit_offset_ || walked_unit != unit_offset_) TRAP();
  candidates_unit = ~0u;
  u32 span = die_map_span_last;
  const i32 *decide = I32S(decisions);
  u32 n_cand = N32(cand_rows) / CAND_STRIDE, n_wvars = N64(wvar_rows) / WVAR_STRIDE;
  pairs.len = walked_ids.len = 0;
  /* Decl tags of types and members come after the unit's types. */
  for (u32 at = 0; at < N64(decl_tags); at += 3) emit_decl_tag(F64S(decl_tags)[at], F64S(decl_tags)[at + 1], F64S(decl_tags)[at + 2], -1);
  i32 index_local = -1;
  if (need_index && global_index == 0 && int_local < 0) {
    u32 words[4] = {(u32)table_intern((const u8 *)"__ARRAY_SIZE_TYPE__", 19, LOOKUP_ADD), make_info(K_INT, 0, 0), 4, 32};
    index_local = (i32)emit_local(words, 4);
  }
  /* Functions encoded now: FUNC_PROTO, FUNC, its decl tags (fn_tags rows are in fns order). */
  const double *tags = F64S(fn_tags);
  u32 n_tags = N64(fn_tags), tag_at = 0;
  for (u32 c = 0; c < n_cand; c++) {
    if (decide[c] != DECIDE_NOW) continue;
    const u32 *row = U32S(cand_rows) + c * CAND_STRIDE;
    u32 proto = emit_local(U32S(cand_words) + row[CAND_WORDS], row[CAND_WORDS_LEN]);
    u32 func_words[3] = {(u32)table_intern((const u8 *)row[CAND_NAME_AT], row[CAND_NAME_LEN], LOOKUP_ADD), make_info(K_FUNC, 0, 0), 0};
    u32 func = emit_local(func_words, 3);
    push_i32(&pairs, (i32)func);
    push_i32(&pairs, (i32)proto);
    push_i32(&walked_ids, (i32)func);
    while (tag_at < n_tags && tags[tag_at] < row[CAND_FN]) tag_at += 3;
    for (u32 t = tag_at; t < n_tags && tags[t] == row[CAND_FN]; t += 3) emit_decl_tag(tags[t + 1], 0, tags[t + 2], (i32)func);
  }
  u32 n_now = N32(walked_ids);
  /* Variables taken: VAR, its decl tags. */
  for (u32 k = 0; k < n_wvars; k++) {
    if (decide[n_cand + k] == 0) continue;
    const double *v = F64S(wvar_rows) + k * WVAR_STRIDE;
    double type = v[WVAR_TYPE];
    u32 var_words[4] = {(u32)table_intern((const u8 *)(u32)v[WVAR_NAME_AT], (u32)v[WVAR_NAME_LEN], LOOKUP_ADD), make_info(K_VAR, 0, 0), to_u32(type > 0 ? type : 0), v[WVAR_EXTERNAL] != 0 ? 1 : 0};
    u32 var = emit_local(var_words, 4);
    push_i32(&walked_ids, (i32)var);
    for (u32 at = 0; at < N64(var_tags); at += 2) if (F64S(var_tags)[at] == v[WVAR_DIE]) emit_decl_tag(F64S(var_tags)[at + 1], 0, -1, (i32)var);
  }
  u32 n = n_rec;
  i32 *proto_of = sized(&fin_proto_of, 4 * n + 4);
  for (u32 i = 0; i < n; i++) proto_of[i] = -1;
  for (u32 at = 0; at < N32(pairs); at += 2) proto_of[I32S(pairs)[at]] = I32S(pairs)[at + 1];
  finish_in_place(unit_offset_, span);
  i32 local_index = need_index && global_index == 0 ? (index_local >= 0 ? index_local : int_local) : -1;
  u32 *r = finish_unit(n, unit_offset_, span, next_id, global_index, local_index);
  const i32 *ids = (const i32 *)r[0];
  u32 n_new = r[4], total = 0;
  for (u32 i = 0; i < n_new; i++) total += (u32)I32S(fin_out_len)[i];
  i32 *local_ids = I32S(walked_ids);
  for (u32 i = 0; i < N32(walked_ids); i++) local_ids[i] = ids[local_ids[i]];
  /* Deferred functions: FUNC_PROTO words with ids, and their tags. */
  deferred_words.len = deferred_tags.len = deferred_tag_counts.len = 0;
  tag_at = 0;
  for (u32 c = 0; c < n_cand; c++) {
    if (decide[c] != DECIDE_DEFER) continue;
    const u32 *row = U32S(cand_rows) + c * CAND_STRIDE;
    u32 len = row[CAND_WORDS_LEN];
    u32 *proto = vroom(&deferred_words, 4 * len);
    const u32 *from = U32S(cand_words) + row[CAND_WORDS];
    for (u32 i = 0; i < len; i++) proto[i] = from[i];
    FOR_EACH_TYPE_WORD(proto, 0u, {
      i32 t = fin_target(proto[w_]);
      proto[w_] = t < 0 ? 0 : (u32)ids[t];
    });
    deferred_words.len += 4 * len;
    while (tag_at < n_tags && tags[tag_at] < row[CAND_FN]) tag_at += 3;
    u32 count = 0;
    for (u32 t = tag_at; t < n_tags && tags[t] == row[CAND_FN]; t += 3, count++) {
      push_f64(&deferred_tags, tags[t + 1]);
      push_f64(&deferred_tags, tags[t + 2]);
    }
    push_i32(&deferred_tag_counts, (i32)count);
  }
  walked_out[0] = r[2];
  walked_out[1] = r[3];
  walked_out[2] = n_new;
  walked_out[3] = total;
  walked_out[4] = (u32)local_ids;
  walked_out[5] = n_now;
  walked_out[6] = (u32)(local_ids + n_now);
  walked_out[7] = N32(walked_ids) - n_now;
  walked_out[8] = (u32)deferred_words.p;
  walked_out[9] = (u32)deferred_tags.p;
  walked_out[10] = (u32)deferred_tag_counts.p;
  walked_out[11] = N32(deferred_tag_counts);
  walked_out[12] = (u32)(local_index >= 0 ? ids[local_index] : -1);
  return walked_out;
}
