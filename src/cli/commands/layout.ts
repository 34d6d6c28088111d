import type { Command } from 'commander';
import { formatPahole, layoutFacts, PaholePrinter } from '../../format/pahole.js';
import { loadBtf, SYS_VMLINUX } from '../../node/files.js';
import { err, out, setExitCode, UsageError } from '../common.js';

interface LayoutCliOptions {
  base?: string;
  /** -C: struct/union names, in the order given. */
  class?: string[];
  json?: boolean;
}

export function registerLayout(program: Command): void {
  program
    .command('layout')
    .description("struct and union layouts as pahole prints them (offsets, sizes, holes, padding, cachelines)")
    .argument('[file]', 'BTF file (default: /sys/kernel/btf/vmlinux)')
    .option('-B, --base <file>', 'base BTF for split BTF (its types are printed too, as pahole --btf_base does)')
    .option('-C, --class <names>', 'only these structs/unions (comma-separated, repeatable), in the order given', (v: string, prev: string[] | undefined) => [
      ...(prev ?? []),
      ...v.split(',').filter((n) => n !== ''),
    ])
    .option('-j, --json', 'the same facts as data')
    .action(async (file: string | undefined, opts: LayoutCliOptions) => {
      const path = file ?? SYS_VMLINUX;
      const names = opts.class;
      if (names !== undefined && names.length === 0) throw new UsageError('-C: no type name given');
      const { btf } = await loadBtf(path, { base: opts.base });
      const printer = new PaholePrinter(btf);
      let notFound: readonly string[];
      if (opts.json) {
        const ids: number[] = [];
        const missing: string[] = [];
        for (const n of names ?? []) {
          const id = printer.findComposite(n);
          if (id === undefined) missing.push(n);
          else ids.push(id);
        }
        if (!names) ids.push(...printer.printedIds());
        out('[' + ids.map((id) => '\n' + JSON.stringify(layoutFacts(printer, id))).join(',') + '\n]\n');
        notFound = missing;
      } else if (names) {
        const r = formatPahole(btf, names);
        out(r.text);
        notFound = r.notFound;
      } else {
        // Written as it goes, in chunks: the whole text of a vmlinux is 6 MB.
        let chunk = '';
        for (const id of printer.printedIds()) {
          chunk += printer.printTopLevel(id);
          if (chunk.length > 1 << 20) {
            out(chunk);
            chunk = '';
          }
        }
        out(chunk);
        notFound = [];
      }
      if (notFound.length > 0) {
        err(notFound.map((n) => `btfkit: ${path}: no struct or union named '${n}'\n`).join(''));
        setExitCode(1);
      }
    });
}
