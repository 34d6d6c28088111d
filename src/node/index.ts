/** btfkit/node: file loading and atomic writes on top of the library. */
export { type Allocate, defaultBaseFor, loadBase, loadBtf, type LoadOptions, type OutputFile, readBounded, readInput, STDIN, SYS_BTF_DIR, SYS_VMLINUX, validateOutputs, writeFileAtomic, type WriteFileOptions, writeOutputs } from './files.js';
