/*
 * Shared by the WebAssembly cores (every *-core.c under src/; see core.ts): fixed-width
 * types, the BTF kind numbers (kinds.ts), the info word's fields, and heap_base(), above
 * which the caller lays out memory. No libc.
 */
#ifndef BTFKIT_WASM_CORE_H
#define BTFKIT_WASM_CORE_H

typedef unsigned char u8;
typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;
typedef long long i64;

enum {
  K_INT = 1, K_PTR, K_ARRAY, K_STRUCT, K_UNION, K_ENUM, K_FWD, K_TYPEDEF, K_VOLATILE, K_CONST,
  K_RESTRICT, K_FUNC, K_FUNC_PROTO, K_VAR, K_DATASEC, K_FLOAT, K_DECL_TAG, K_TYPE_TAG, K_ENUM64,
};

static inline u32 info_kind(u32 info) { return (info >> 24) & 0x7f; }
static inline u32 info_vlen(u32 info) { return info & 0xffffff; }
static inline int info_kflag(u32 info) { return (int)(info >> 31); }

/*
 * The kind table a caller passes to a core (kinds.ts coreKindTable): SHAPE_BYTES per kind
 * 0..127: flags, words of single trailing data, words per element, the type-id word indices
 * within the trailing data (count, then two), the type-id word within an element and the
 * string word within an element (SHAPE_NO_WORD: none).
 */
#define SHAPE_BYTES 8
#define SHAPE_FIELDS_KNOWN 1 /* which words are type ids and strings is known (not only the size) */
#define SHAPE_TYPE_IN_SIZE 2 /* size_or_type holds a type id */
#define SHAPE_SIZED 4        /* the record's size is known (btfkit's kinds and the layout section's) */
#define SHAPE_NO_WORD 0xff

/* n's decimal digits, least significant first, into d; how many. */
static inline int decimal_digits_reversed(u8 d[20], u64 n) {
  int k = 0;
  do {
    d[k++] = (u8)('0' + n % 10);
    n /= 10;
  } while (n);
  return k;
}

extern u8 __heap_base;

__attribute__((export_name("heap_base"))) u32 heap_base(void) { return (u32)&__heap_base; }

#endif
