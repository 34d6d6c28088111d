/** btfkit/node: file loading and atomic writes on top of the library. */
export { defaultBaseFor, loadBase, loadBtf, type LoadOptions, readInput, SYS_BTF_DIR, SYS_VMLINUX, writeFileAtomic, type WriteFileOptions } from './files.js';
