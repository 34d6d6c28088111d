/** Debian's chromium driven by playwright-core, and the explorer served in-process, for the browser tests, screenshots and bench. */

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { type ExploreFile, startExploreServer, type ExploreServer } from '../../src/node/explore-server.js';
import { readInput } from '../../src/node/files.js';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

export async function launch(): Promise<Browser> {
  // Root (CI containers) cannot use Chromium's sandbox.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: CHROMIUM, args });
}

/** Serve `paths` (each with an optional base index) as `btfkit explore` would. */
export async function serve(paths: ReadonlyArray<{ path: string; name?: string; base?: number }>): Promise<ExploreServer> {
  const files: ExploreFile[] = [];
  for (const p of paths) files.push({ name: p.name ?? p.path.split('/').pop()!, bytes: await readInput(p.path), base: p.base });
  return startExploreServer({ files });
}
