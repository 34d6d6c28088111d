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
#include "../wasm/btf-index.h"

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

/*
 * The text goes through a cursor `p` that every writer takes and gives back, not a global
 * position: a byte store may alias any global, so a global cursor (and `out`) was loaded
 * and stored again around every byte written.
 */

/* Callers make room first: every literal and number of a line fits in LINE_MAX. */
#define LINE_MAX 192

/* Room for `n` more bytes at `p`: a full chunk goes to flush() first. */
static u8 *room(u8 *p, u32 n) {
  if ((u32)(p - out) + n > out_cap) {
    flush((u32)(p - out));
    return out;
  }
  return p;
}

static u8 *lit(u8 *p, const char *s) {
  while (*s) *p++ = (u8)*s++;
  return p;
}

/*
 * Digits of a 32-bit number by multiplying with 2^35 / 10 rounded up (exact for every u32):
 * a baseline wasm compiler emits a real divide for `/ 10` (clang -Oz keeps it), and the
 * numbers of a vmlinux dump took ~10 M of them.
 */
static u8 *put_u32(u8 *p, u32 n) {
  u8 digits[10];
  int k = 0;
  do {
    u32 q = (u32)(((u64)n * 0xCCCCCCCDu) >> 35);
    digits[k++] = (u8)('0' + (n - q * 10));
    n = q;
  } while (n);
  while (k) *p++ = digits[--k];
  return p;
}

static u8 *put_u64(u8 *p, u64 n) {
  if (n >> 32 == 0) return put_u32(p, (u32)n);
  u8 digits[20];
  int k = decimal_digits_reversed(digits, n);
  while (k) *p++ = digits[--k];
  return p;
}

static u8 *put_i64(u8 *p, i64 n) {
  if (n >= 0) return put_u64(p, (u64)n);
  *p++ = '-';
  return put_u64(p, 0 - (u64)n);
}

/* A name in quotes ('(anon)' for offset 0); room for the rest of the line after it. */
static u8 *put_name(u8 *p, u32 off) {
  if (off == 0) return lit(p, "'(anon)'");
  *p++ = '\'';
  u8 *stop = out + out_cap - LINE_MAX;
  for (const u8 *c = strs + off; *c; c++) {
    if (p >= stop) p = room(p, out_cap);
    *p++ = *c;
  }
  *p++ = '\'';
  return p;
}

static u32 info_of(u32 id) { return words[offs[id - 1] + 1]; }

static u8 *put_type(u8 *p, u32 id) {
  const u32 *w = words;
  u32 o = offs[id - 1];
  u32 info = w[o + 1];
  u32 kind = info_kind(info);
  u32 vlen = info_vlen(info);
  int kflag = info_kflag(info);
  u32 st = w[o + 2];
  const u32 *e = w + o + 3;
  p = room(p, LINE_MAX);
  *p++ = '[';
  p = put_u32(p, id);
  p = lit(p, "] ");
  p = lit(p, kind < 20 ? KIND_NAMES[kind] : "UNKNOWN");
  *p++ = ' ';
  p = put_name(p, w[o]);
  switch (kind) {
  case K_INT: {
    u32 enc = e[0];
    u32 encoding = (enc >> 24) & 0x0f;
    p = lit(p, " size=");
    p = put_u32(p, st);
    p = lit(p, " bits_offset=");
    p = put_u32(p, (enc >> 16) & 0xff);
    p = lit(p, " nr_bits=");
    p = put_u32(p, enc & 0xff);
    p = lit(p, " encoding=");
    p = lit(p, encoding == 0 ? "(none)" : encoding == 1 ? "SIGNED" : encoding == 2 ? "CHAR" : encoding == 4 ? "BOOL" : "UNKN");
    break;
  }
  case K_PTR:
  case K_CONST:
  case K_VOLATILE:
  case K_RESTRICT:
  case K_TYPEDEF:
  case K_TYPE_TAG:
    p = lit(p, " type_id=");
    p = put_u32(p, st);
    break;
  case K_ARRAY:
    p = lit(p, " type_id=");
    p = put_u32(p, e[0]);
    p = lit(p, " index_type_id=");
    p = put_u32(p, e[1]);
    p = lit(p, " nr_elems=");
    p = put_u32(p, e[2]);
    break;
  case K_STRUCT:
  case K_UNION:
    p = lit(p, " size=");
    p = put_u32(p, st);
    p = lit(p, " vlen=");
    p = put_u32(p, vlen);
    for (u32 i = 0; i < vlen; i++, e += 3) {
      p = room(p, LINE_MAX);
      p = lit(p, "\n\t");
      p = put_name(p, e[0]);
      p = lit(p, " type_id=");
      p = put_u32(p, e[1]);
      p = lit(p, " bits_offset=");
      p = put_u32(p, kflag ? e[2] & 0xffffff : e[2]);
      if (kflag && e[2] >> 24) {
        p = lit(p, " bitfield_size=");
        p = put_u32(p, e[2] >> 24);
      }
    }
    break;
  case K_ENUM:
  case K_ENUM64:
    p = lit(p, " encoding=");
    p = lit(p, kflag ? "SIGNED" : "UNSIGNED");
    p = lit(p, " size=");
    p = put_u32(p, st);
    p = lit(p, " vlen=");
    p = put_u32(p, vlen);
    for (u32 i = 0; i < vlen; i++) {
      p = room(p, LINE_MAX);
      p = lit(p, "\n\t");
      p = put_name(p, e[0]);
      p = lit(p, " val=");
      if (kind == K_ENUM) {
        p = kflag ? put_i64(p, (i32)e[1]) : put_u32(p, e[1]);
        e += 2;
      } else {
        u64 v = (u64)e[2] << 32 | e[1];
        p = kflag ? put_i64(p, (i64)v) : put_u64(p, v);
        p = lit(p, kflag ? "LL" : "ULL");
        e += 3;
      }
    }
    break;
  case K_FWD:
    p = lit(p, kflag ? " fwd_kind=union" : " fwd_kind=struct");
    break;
  case K_FUNC:
    p = lit(p, " type_id=");
    p = put_u32(p, st);
    p = lit(p, " linkage=");
    p = lit(p, vlen < 3 ? LINKAGE[vlen] : "(unknown)");
    break;
  case K_FUNC_PROTO:
    p = lit(p, " ret_type_id=");
    p = put_u32(p, st);
    p = lit(p, " vlen=");
    p = put_u32(p, vlen);
    for (u32 i = 0; i < vlen; i++, e += 2) {
      p = room(p, LINE_MAX);
      p = lit(p, "\n\t");
      p = put_name(p, e[0]);
      p = lit(p, " type_id=");
      p = put_u32(p, e[1]);
    }
    break;
  case K_VAR:
    p = lit(p, " type_id=");
    p = put_u32(p, st);
    p = lit(p, ", linkage=");
    p = lit(p, e[0] < 3 ? LINKAGE[e[0]] : "(unknown)");
    break;
  case K_DATASEC:
    p = lit(p, " size=");
    p = put_u32(p, st);
    p = lit(p, " vlen=");
    p = put_u32(p, vlen);
    for (u32 i = 0; i < vlen; i++, e += 3) {
      u32 t = e[0];
      p = room(p, LINE_MAX);
      p = lit(p, "\n\ttype_id=");
      p = put_u32(p, t);
      p = lit(p, " offset=");
      p = put_u32(p, e[1]);
      p = lit(p, " size=");
      p = put_u32(p, e[2]);
      if (t != 0 && t <= type_cnt) {
        u32 k = info_kind(info_of(t));
        p = lit(p, " (");
        p = lit(p, k < 20 ? KIND_NAMES[k] : "UNKNOWN");
        *p++ = ' ';
        p = put_name(p, w[offs[t - 1]]);
        *p++ = ')';
      }
    }
    break;
  case K_FLOAT:
    p = lit(p, " size=");
    p = put_u32(p, st);
    break;
  case K_DECL_TAG:
    p = lit(p, " type_id=");
    p = put_u32(p, st);
    p = lit(p, " component_idx=");
    p = put_i64(p, (i32)e[0]);
    break;
  default:
    p = lit(p, " kind=");
    p = put_u32(p, kind);
    p = lit(p, " size_or_type=");
    p = put_u32(p, st);
    p = lit(p, " vlen=");
    p = put_u32(p, vlen);
    if (kflag) p = lit(p, " kind_flag=1");
    break;
  }
  *p++ = '\n';
  return p;
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
  if (!names_ok()) return 1;
  u8 *p = buf;
  for (u32 id = 1; id <= n; id++) p = put_type(p, id);
  if (p != buf) flush((u32)(p - buf));
  return 0;
}

/*
 * The record index of vmlinux read into this core's memory (raw.ts rawCoreIndex), for the
 * parse before format_raw: cold JavaScript took ~8 ms of a Bun dump for it.
 */
__attribute__((export_name("raw_index"))) i32 raw_index(const u8 *kinds, const u32 *w, u32 n_words, u32 *o) { return index_records(kinds, w, n_words, o); }
