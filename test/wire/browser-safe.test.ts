import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { REPO_ROOT } from '../helpers.js';

// The library must bundle for the browser: Node modules only in src/node and src/cli.
it('library code outside src/node and src/cli imports no Node modules', () => {
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const rel = relative(join(REPO_ROOT, 'src'), p);
      if (statSync(p).isDirectory()) {
        if (rel === 'node' || rel === 'cli') continue;
        walk(p);
      } else if (name.endsWith('.ts')) {
        const text = readFileSync(p, 'utf8');
        if (/from\s+['"](node:|fs['"]|path['"]|os['"]|child_process['"]|worker_threads['"])/.test(text) || /\bprocess\.(env|argv|exit|stdout)/.test(text)) offenders.push(rel);
      }
    }
  };
  walk(join(REPO_ROOT, 'src'));
  assert.deepEqual(offenders, []);
});
