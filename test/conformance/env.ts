/**
 * What the conformance suite needs from the machine: peers (bpftool, pahole, clang, libbpf),
 * the Debian kernel corpus, the kernel BTF oracle and ../shared. `.ci/run` installs and
 * fetches all of it first. Outside CI a missing piece skips the test with the reason; under
 * CI (CI=true) a missing piece fails the test, so nothing is silently skipped there.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { REPO_ROOT } from '../helpers.js';

export const SHARED = process.env.BTFKIT_SHARED ?? join(REPO_ROOT, '..', 'shared');
export const CORPUS = process.env.BTF_CORPUS ?? join(homedir(), '.cache', 'btf-corpus');
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
export const BTFKIT_BIN = join(REPO_ROOT, 'bin', 'btfkit.js');

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Skip (outside CI) or fail (in CI) when `ok` is false. Returns true when the test may go on.
 */
export function need(t: TestContext, ok: boolean, what: string): boolean {
  if (ok) return true;
  if (IN_CI) throw new Error(`conformance prerequisite missing in CI: ${what}`);
  t.skip(`missing: ${what}`);
  return false;
}

/**
 * Corpus builds present (directories the corpus script finished: a .done marker and the
 * vmlinux BTF it extracts), oldest first. Anything else under CORPUS is not a build.
 */
export function corpusBuilds(): string[] {
  if (!existsSync(CORPUS)) return [];
  return readdirSync(CORPUS)
    .filter((b) => existsSync(join(CORPUS, b, '.done')) && existsSync(join(CORPUS, b, 'vmlinux.btf')))
    .sort((a, b) => Number(a.split('-')[2] ?? 0) - Number(b.split('-')[2] ?? 0));
}

export function sharedPath(...parts: string[]): string {
  return join(SHARED, ...parts);
}

/** Run a command, returning stdout as text (throws on non-zero exit). */
export function run(cmd: string, args: string[], opts: { input?: string | Buffer } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...(opts.input !== undefined ? { input: opts.input } : {}) });
}

/** Run btfkit's compiled CLI. */
export function btfkit(args: string[]): { stdout: string; stderr: string; status: number } {
  const r = spawnSync(process.execPath, [BTFKIT_BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}

/** A gzip-compressed fixture unpacked once into the temp directory (for peers that read raw files). */
export function gunzipFixture(src: string, name: string): string {
  const out = join(tmpdir(), `btfkit-${process.getuid?.() ?? 0}-${name}`);
  if (!existsSync(out)) writeFileSync(out, gunzipSync(readFileSync(src)));
  return out;
}
