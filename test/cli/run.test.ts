import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixturePath, readFixtureText, REPO_ROOT } from '../helpers.js';
import { btfkitInProcess } from './in-process.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const BIN = join(REPO_ROOT, 'bin', 'btfkit.js');

describe('the importable CLI entry (run)', () => {
  it('importing src/cli/main.js runs nothing and exports run', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(MAIN)}); console.log(typeof m.run);`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'function\n');
    assert.equal(r.stderr, '');
  });

  it('gives the same output and exit code as the executable', async () => {
    for (const args of [['dump', fixturePath('btf', 'kinds-el.o')], ['check', fixturePath('btf', 'kinds-el.btf')], ['dump', '--format', 'yaml', fixturePath('btf', 'kinds-el.btf')], ['--version'], []]) {
      const spawned = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
      const inProcess = await btfkitInProcess(...args);
      assert.deepEqual([inProcess.status, inProcess.stdout, inProcess.stderr], [spawned.status, spawned.stdout, spawned.stderr], args.join(' '));
    }
  });

  it("one run's exit status does not leak into the next, and concurrent runs take turns", async () => {
    const invalid = await btfkitInProcess('check', fixturePath('btf', 'kinds-el.btf'));
    assert.equal(invalid.status, 1);
    const valid = await btfkitInProcess('dump', fixturePath('btf', 'kinds-el.o'));
    assert.equal(valid.status, 0);
    const [a, b] = await Promise.all([btfkitInProcess('dump', fixturePath('btf', 'kinds-el.o')), btfkitInProcess('check', fixturePath('btf', 'kinds-el.btf'))]);
    assert.equal(a.stdout, readFixtureText('btf', 'kinds-el.raw.txt'));
    assert.equal(a.stderr, '');
    assert.equal(b.status, 1);
    assert.equal(b.stdout, invalid.stdout);
  });
});
