import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { REPO_ROOT } from '../helpers.js';

// kinds.ts is the one home of kind facts: an inline decode of the kind bits elsewhere is how the
// old disagreeing copies crept in, so any new one fails here and points at infoKind/infoVlen.
it('the info word is decoded only in src/wire/kinds.ts', () => {
  const inline = /\(\s*[\w.[\]!+ ]+\s*>>>\s*24\s*\)\s*&\s*0x(1f|7f)\b/;
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) {
        const rel = relative(join(REPO_ROOT, 'src'), p);
        if (rel === join('wire', 'kinds.ts')) continue;
        readFileSync(p, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (inline.test(line)) offenders.push(`${rel}:${i + 1}`);
          });
      }
    }
  };
  walk(join(REPO_ROOT, 'src'));
  assert.deepEqual(offenders, []);
});
