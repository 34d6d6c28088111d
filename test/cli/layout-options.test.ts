import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Btf } from '../../src/wire/btf.js';
import { fixturePath } from '../helpers.js';
import { btfkitInProcess } from './in-process.js';

const run = btfkitInProcess;
const tmp = mkdtempSync(join(tmpdir(), 'btfkit-layout-'));
const read = (p: string): Btf => Btf.parse(new Uint8Array(readFileSync(p)));

describe('--layout / --no-layout / --endian on commands that write BTF', () => {
  it('dedup keeps the input layout by default, adds or drops it on request, and converts byte order', async () => {
    const input = fixturePath('btf', 'kinds-el.btf');
    const plain = join(tmp, 'plain.btf');
    assert.equal((await run('dedup', input, '-o', plain, '-q')).status, 0);
    assert.equal(read(plain).layout, undefined);
    const withLayout = join(tmp, 'layout.btf');
    const r = await run('dedup', input, '-o', withLayout, '-q', '--layout', '--endian', 'big');
    assert.equal(r.status, 0, r.stderr);
    const l = read(withLayout);
    assert.equal(l.layout?.length, 20);
    assert.equal(l.endian, 'big');
    const dropped = join(tmp, 'dropped.btf');
    assert.equal((await run('dedup', withLayout, '-o', dropped, '-q', '--no-layout')).status, 0);
    assert.equal(read(dropped).layout, undefined);
    assert.equal(read(dropped).endian, 'big');
  });
  it('vmlinux-split writes both outputs with a layout section when asked', async () => {
    const core = join(tmp, 'core.btf');
    const rest = join(tmp, 'rest.btf');
    const r = await run('vmlinux-split', fixturePath('btf', 'kinds-el.btf'), '--roots', 'node', '-o', core, '--rest-out', rest, '--layout');
    assert.equal(r.status, 0, r.stderr);
    const c = read(core);
    assert.equal(c.layout?.length, 20);
    assert.equal(Btf.parse(new Uint8Array(readFileSync(rest)), { base: c }).layout?.length, 20);
  });
  it('a bad --endian is a usage error', async () => {
    const r = await run('dedup', fixturePath('btf', 'kinds-el.btf'), '-o', join(tmp, 'x.btf'), '--endian', 'middle');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--endian must be little, big or native/);
  });
});
