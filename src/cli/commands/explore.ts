import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { openBtf } from '../../open.js';
import { type ExploreFile, startExploreServer } from '../../node/explore-server.js';
import { defaultBaseFor, readInput, SYS_BTF_DIR, SYS_VMLINUX } from '../../node/files.js';
import { out, parseIntArg } from '../common.js';

interface ExploreCliOptions {
  base?: string;
  port?: number;
  open?: boolean;
  modules?: boolean;
}

/** Whether `bytes` read as standalone BTF; split BTF (a module) does not. */
function standalone(bytes: Uint8Array, file: string): boolean {
  try {
    openBtf(bytes, { file });
    return true;
  } catch {
    return false;
  }
}

/** The files the app gets, bases first, each split file pointing at its base by index. */
async function collectFiles(paths: string[], opts: ExploreCliOptions): Promise<ExploreFile[]> {
  const files: ExploreFile[] = [];
  const index = new Map<string, number>();
  const add = async (path: string, base?: string): Promise<number> => {
    const known = index.get(path);
    if (known !== undefined) return known;
    const baseIndex = base !== undefined ? await add(base) : undefined;
    const bytes = await readInput(path);
    const i = files.length;
    files.push({ name: path.startsWith(SYS_BTF_DIR) ? basename(path) : path, bytes, base: baseIndex });
    index.set(path, i);
    return i;
  };
  if (opts.base !== undefined) await add(opts.base);
  for (const p of paths) {
    const bytes = await readInput(p);
    const base = opts.base ?? defaultBaseFor(p);
    // A standalone file stays standalone even with -B (two kernels side by side).
    await add(p, base !== undefined && !standalone(bytes, p) ? base : undefined);
  }
  if (opts.modules) {
    for (const m of readdirSync(SYS_BTF_DIR).sort()) if (m !== 'vmlinux') await add(join(SYS_BTF_DIR, m), SYS_VMLINUX);
  }
  return files;
}

export function registerExplore(program: Command): void {
  program
    .command('explore')
    .description('browse BTF in a local web app (search, layouts, used-by, diff, where, relocation), served on 127.0.0.1 only')
    .argument('[files...]', 'BTF files (default: /sys/kernel/btf/vmlinux)')
    .option('-B, --base <file>', 'base BTF for split files (modules)')
    .option('--port <n>', 'port on 127.0.0.1 (default: any free port)', (v) => parseIntArg(v, '--port'))
    .option('--open', 'open the app in the default browser')
    .option('--modules', 'also offer every module of the running kernel (/sys/kernel/btf/*)')
    .action(async (paths: string[], opts: ExploreCliOptions) => {
      const files = await collectFiles(paths.length > 0 ? paths : [SYS_VMLINUX], opts);
      const srv = await startExploreServer({ files, port: opts.port });
      out(`btfkit explore: ${files.length} file${files.length === 1 ? '' : 's'} at ${srv.url}\n(only this address and token are served; Ctrl-C stops)\n`);
      if (opts.open) spawn('xdg-open', [srv.url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
      await new Promise<void>((resolve) => {
        const stop = (): void => void srv.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
