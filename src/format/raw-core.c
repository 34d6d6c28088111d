/*
 * `format raw` of a whole base BTF (bpftool's dump_btf_type text, byte for byte, as raw.ts
 * writes it), compiled to WebAssembly by scripts/build-wasm.mjs. raw.ts stays the reference
 * and the path for everything else (split BTF, chosen ids, an input this gives back); this
 * one runs without a JIT warming up: in a one-shot `btfkit dump` of vmlinux the JavaScript
 * formatter spent two thirds of its time in cold code.
 *
 * No libc: the caller lays out memory above heap_base() and passes the addresses; full
 * chunks of text go to the imported flush(length) from out[0..length).
 */

#include "../wasm/core.h"

__attribute__((import_module("env"), import_name("flush"))) void flush(u32 length);

static const char *const KIND_NAMES[20] = {
  "UNKNOWN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF", "VOLATILE",
  "CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG", "TYPE_TAG", "ENUM64",
};
static const char *const LINKAGE[3] = {"static", "global", "extern"};

static const u32 *words;
static const u32 *offs; /* word offset of each id's record, id 1 first */
static u32 type_cnt;    /* ids 1..type_cnt */
static const u8 *strs;
static u32 str_len;
static u8 *out;
static u32 out_cap;
static u32 pos;

static void room(u32 n) {
  if (pos + n > out_cap) {
    flush(pos);
    pos = 0;
  }
}

/* Callers make room first: every literal and number of a line fits in LINE_MAX. */
#define LINE_MAX 192

static void lit(const char *s) {
  while (*s) out[pos++] = (u8)*s++;
}

/*
 * Digits of a 32-bit number by multiplying with 2^35 / 10 rounded up (exact for every u32):
 * a baseline wasm compiler emits a real divide for `/ 10` (clang -Oz keeps it), and the
 * numbers of a vmlinux dump took ~10 M of them.
 */
static void put_u32(u32 n) {
  u8 digits[10];
  int k = 0;
  do {
    u32 q = (u32)(((u64)n * 0xCCCCCCCDu) >> 35);
    digits[k++] = (u8)('0' + (n - q * 10));
    n = q;
  } while (n);
  while (k) out[pos++] = digits[--k];
}

static void put_u64(u64 n) {
  if (n >> 32 == 0) {
    put_u32((u32)n);
    return;
  }
  u8 digits[20];
  int k = 0;
  do {
    digits[k++] = (u8)('0' + n % 10);
    n /= 10;
  } while (n);
  while (k) out[pos++] = digits[--k];
}

static void put_i64(i64 n) {
  if (n < 0) {
    out[pos++] = '-';
    put_u64(0 - (u64)n);
  } else {
    put_u64((u64)n);
  }
}

/* A name in quotes ('(anon)' for offset 0); room for the rest of the line after it. */
static void put_name(u32 off) {
  if (off == 0) {
    lit("'(anon)'");
    return;
  }
  out[pos++] = '\'';
  for (const u8 *p = strs + off; *p; p++) {
    if (pos >= out_cap - LINE_MAX) room(out_cap);
    out[pos++] = *p;
  }
  out[pos++] = '\'';
}

static u32 info_of(u32 id) { return words[offs[id - 1] + 1]; }

static void put_type(u32 id) {
  u32 o = offs[id - 1];
  u32 info = words[o + 1];
  u32 kind = info_kind(info);
  u32 vlen = info_vlen(info);
  int kflag = info_kflag(info);
  u32 st = words[o + 2];
  const u32 *e = words + o + 3;
  room(LINE_MAX);
  out[pos++] = '[';
  put_u64(id);
  lit("] ");
  lit(kind < 20 ? KIND_NAMES[kind] : "UNKNOWN");
  out[pos++] = ' ';
  put_name(words[o]);
  switch (kind) {
  case K_INT: {
    u32 enc = e[0];
    u32 encoding = (enc >> 24) & 0x0f;
    lit(" size=");
    put_u64(st);
    lit(" bits_offset=");
    put_u64((enc >> 16) & 0xff);
    lit(" nr_bits=");
    put_u64(enc & 0xff);
    lit(" encoding=");
    lit(encoding == 0 ? "(none)" : encoding == 1 ? "SIGNED" : encoding == 2 ? "CHAR" : encoding == 4 ? "BOOL" : "UNKN");
    break;
  }
  case K_PTR:
  case K_CONST:
  case K_VOLATILE:
  case K_RESTRICT:
  case K_TYPEDEF:
  case K_TYPE_TAG:
    lit(" type_id=");
    put_u64(st);
    break;
  case K_ARRAY:
    lit(" type_id=");
    put_u64(e[0]);
    lit(" index_type_id=");
    put_u64(e[1]);
    lit(" nr_elems=");
    put_u64(e[2]);
    break;
  case K_STRUCT:
  case K_UNION:
    lit(" size=");
    put_u64(st);
    lit(" vlen=");
    put_u64(vlen);
    for (u32 i = 0; i < vlen; i++, e += 3) {
      room(LINE_MAX);
      lit("\n\t");
      put_name(e[0]);
      lit(" type_id=");
      put_u64(e[1]);
      lit(" bits_offset=");
      put_u64(kflag ? e[2] & 0xffffff : e[2]);
      if (kflag && e[2] >> 24) {
        lit(" bitfield_size=");
        put_u64(e[2] >> 24);
      }
    }
    break;
  case K_ENUM:
  case K_ENUM64:
    lit(" encoding=");
    lit(kflag ? "SIGNED" : "UNSIGNED");
    lit(" size=");
    put_u64(st);
    lit(" vlen=");
    put_u64(vlen);
    for (u32 i = 0; i < vlen; i++) {
      room(LINE_MAX);
      lit("\n\t");
      put_name(e[0]);
      lit(" val=");
      if (kind == K_ENUM) {
        if (kflag) put_i64((i32)e[1]);
        else put_u64(e[1]);
        e += 2;
      } else {
        u64 v = (u64)e[2] << 32 | e[1];
        if (kflag) put_i64((i64)v);
        else put_u64(v);
        lit(kflag ? "LL" : "ULL");
        e += 3;
      }
    }
    break;
  case K_FWD:
    lit(kflag ? " fwd_kind=union" : " fwd_kind=struct");
    break;
  case K_FUNC:
    lit(" type_id=");
    put_u64(st);
    lit(" linkage=");
    lit(vlen < 3 ? LINKAGE[vlen] : "(unknown)");
    break;
  case K_FUNC_PROTO:
    lit(" ret_type_id=");
    put_u64(st);
    lit(" vlen=");
    put_u64(vlen);
    for (u32 i = 0; i < vlen; i++, e += 2) {
      room(LINE_MAX);
      lit("\n\t");
      put_name(e[0]);
      lit(" type_id=");
      put_u64(e[1]);
    }
    break;
  case K_VAR:
    lit(" type_id=");
    put_u64(st);
    lit(", linkage=");
    lit(e[0] < 3 ? LINKAGE[e[0]] : "(unknown)");
    break;
  case K_DATASEC:
    lit(" size=");
    put_u64(st);
    lit(" vlen=");
    put_u64(vlen);
    for (u32 i = 0; i < vlen; i++, e += 3) {
      u32 t = e[0];
      room(LINE_MAX);
      lit("\n\ttype_id=");
      put_u64(t);
      lit(" offset=");
      put_u64(e[1]);
      lit(" size=");
      put_u64(e[2]);
      if (t != 0 && t <= type_cnt) {
        u32 k = info_kind(info_of(t));
        lit(" (");
        lit(k < 20 ? KIND_NAMES[k] : "UNKNOWN");
        out[pos++] = ' ';
        put_name(words[offs[t - 1]]);
        out[pos++] = ')';
      }
    }
    break;
  case K_FLOAT:
    lit(" size=");
    put_u64(st);
    break;
  case K_DECL_TAG:
    lit(" type_id=");
    put_u64(st);
    lit(" component_idx=");
    put_i64((i32)e[0]);
    break;
  default:
    lit(" kind=");
    put_u64(kind);
    lit(" size_or_type=");
    put_u64(st);
    lit(" vlen=");
    put_u64(vlen);
    if (kflag) lit(" kind_flag=1");
    break;
  }
  out[pos++] = '\n';
}

static int name_ok(u32 off) { return off < str_len; }

/* Every string offset the text reads is inside the table (else the caller formats, and reports). */
static int names_ok(void) {
  for (u32 id = 1; id <= type_cnt; id++) {
    u32 o = offs[id - 1];
    u32 info = words[o + 1];
    u32 kind = info_kind(info);
    u32 vlen = info_vlen(info);
    if (!name_ok(words[o])) return 0;
    u32 stride = kind == K_STRUCT || kind == K_UNION || kind == K_ENUM64 ? 3 : kind == K_ENUM || kind == K_FUNC_PROTO ? 2 : 0;
    u32 first = o + 3;
    for (u32 i = 0; stride && i < vlen; i++)
      if (!name_ok(words[first + i * stride])) return 0;
  }
  return 1;
}

/*
 * The text of ids 1..n into chunks of out[0..cap) (cap > 2 * LINE_MAX), each handed to
 * flush(); 0, or 1 (nothing written) when a name is outside the string table.
 */
__attribute__((export_name("format_raw"))) i32 format_raw(const u32 *w, const u32 *o, u32 n, const u8 *s, u32 slen, u8 *buf, u32 cap) {
  words = w;
  offs = o;
  type_cnt = n;
  strs = s;
  str_len = slen;
  out = buf;
  out_cap = cap;
  pos = 0;
  if (!names_ok()) return 1;
  for (u32 id = 1; id <= n; id++) put_type(id);
  if (pos) flush(pos);
  return 0;
}
