/*
 * The relocation of a module's `.debug_*` sections (relocate.h) on its own, compiled to
 * WebAssembly by scripts/build-wasm.mjs: for a module read into this core's memory
 * (sections.ts relocationCoreInput) or copied into a fresh one (relocateInCore), when the
 * walk core does not hold it (walk-core.ts walkCoreInput).
 *
 * No libc: the caller lays out the section, the records and the symbol table above
 * heap_base() and passes their addresses.
 */

#include "../wasm/core.h"
#include "relocate.h"
