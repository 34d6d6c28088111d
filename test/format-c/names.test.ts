/** The dumper's name counts (the `___N` suffixes): names are their bytes, wherever they are stored. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NameCounts } from '../../src/format/c/names.js';

/** A string section of NUL-terminated strings; their offsets. */
function strings(...names: string[]): { bytes: Uint8Array; offs: number[] } {
  const enc = new TextEncoder();
  const offs: number[] = [];
  const parts: number[] = [0];
  for (const n of names) {
    offs.push(parts.length);
    parts.push(...enc.encode(n), 0);
  }
  return { bytes: Uint8Array.from(parts), offs };
}

describe('NameCounts', () => {
  it('counts a name stored twice as one name, and different names apart', () => {
    const { bytes, offs } = strings('task', 'task', 'tas', 'ctask', 'ä');
    const c = new NameCounts(bytes);
    assert.equal(c.take(offs[0]!), 1);
    assert.equal(c.take(offs[1]!), 2);
    assert.equal(c.take(offs[0]!), 3);
    assert.equal(c.take(offs[2]!), 1);
    assert.equal(c.take(offs[3]!), 1);
    assert.equal(c.take(offs[4]!), 1);
    assert.equal(c.take(0), 1, 'the empty name is a name too');
    assert.equal(c.take(0), 2);
  });

  it('keeps every count while its table grows', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `n${i}`);
    const { bytes, offs } = strings(...names, ...names);
    const c = new NameCounts(bytes);
    for (const o of offs) c.take(o);
    for (let i = 0; i < names.length; i++) assert.equal(c.take(offs[i]!), 3, names[i]);
  });
});
