/** Shared by the format-c tests: loading the committed fixtures of fixtures/c-dump. */

import { readFileSync } from 'node:fs';
import { openBtf } from '../../src/open.js';
import type { Btf } from '../../src/wire/btf.js';
import { fixturePath } from '../helpers.js';

export function loadFixture(name: string): Btf {
  const file = fixturePath('c-dump', name);
  return openBtf(new Uint8Array(readFileSync(file)), { file }).btf;
}

/** What Debian's bpftool 7.1 printed for fixture `name` (recorded by the fixture script). */
export function expected71(name: string): string {
  return readFileSync(fixturePath('c-dump', `${name}.bpftool71.h`), 'utf8');
}
