import type { Command } from 'commander';
import { btfSummary } from '../../model/summary.js';
import { loadBtf, SYS_VMLINUX } from '../../node/files.js';
import { out } from '../common.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('header, sections, byte order, split/standalone, distilled base, type counts, layout')
    .argument('[file]', 'BTF file (default: /sys/kernel/btf/vmlinux)')
    .option('-B, --base <file>', 'base BTF for split BTF')
    .option('-j, --json', 'machine-readable output')
    .action(async (file: string | undefined, opts: { base?: string; json?: boolean }) => {
      const path = file ?? SYS_VMLINUX;
      const opened = await loadBtf(path, { base: opts.base, distilled: 'distilled' });
      const summary = btfSummary(opened, path);
      if (opts.json) {
        out(JSON.stringify(summary, null, 2) + '\n');
        return;
      }
      const rows: Array<[string, string]> = [
        ['file', summary.file],
        ['container', summary.container],
        ['byte order', `${summary.endian}-endian`],
        ['header', `magic 0x${summary.header.magic.toString(16)} version ${summary.header.version} flags ${summary.header.flags} hdr_len ${summary.header.hdrLen}`],
        ['type section', `offset ${summary.header.typeOff}, ${summary.header.typeLen} bytes, ${summary.typeCount} types (ids ${summary.firstId}..${summary.lastId})`],
        ['string section', `offset ${summary.header.strOff}, ${summary.header.strLen} bytes`],
        ['layout section', summary.layout ? `offset ${summary.header.layoutOff}, ${summary.header.layoutLen} bytes (${summary.layout.length} kinds)` : 'none'],
        ['split', summary.split ? `yes: on a base of ${summary.split.baseTypes} types (first id ${summary.split.startId}, first string offset ${summary.split.startStrOff})` : 'no (standalone)'],
        ['distilled base', summary.distilledBase ? `yes (.BTF.base: ${summary.distilledBase.types} types, ${summary.distilledBase.bytes} bytes)` : 'no'],
        ['names sorted', summary.namesSorted ? 'yes (binary search)' : 'no'],
      ];
      if (summary.ext) {
        rows.push(['.BTF.ext', `func_info ${summary.ext.funcInfo}, line_info ${summary.ext.lineInfo}, core_relo ${summary.ext.coreRelos}`]);
      }
      const w = Math.max(...rows.map((r) => r[0].length)) + 2;
      let s = rows.map(([k, v]) => `${(k + ':').padEnd(w)}${v}\n`).join('');
      s += '\nkind         count\n';
      for (const [k, n] of Object.entries(summary.kinds)) s += `${k.padEnd(12)} ${String(n).padStart(6)}\n`;
      if (summary.layout) {
        s += '\nlayout: kind info_sz elem_sz flags\n';
        summary.layout.forEach((e, k) => {
          s += `        ${String(k).padStart(4)} ${String(e.infoSize).padStart(7)} ${String(e.elemSize).padStart(7)} ${String(e.flags).padStart(5)}\n`;
        });
      }
      out(s);
    });
}
