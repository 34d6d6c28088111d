// The published surface, read from the declarations the package's "exports" point at: every
// type a public signature reaches can be named from its layer's subpath, and every exported
// function, class, interface and type alias says in TSDoc what it is.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { loadPackageTypes, packageEntries, signatureGaps, undocumentedExports, unexportedTypes } from './public-types.js';

const require = createRequire(import.meta.url);
const packageJson = require.resolve('btfkit/package.json');
const pkg = loadPackageTypes(packageEntries(dirname(packageJson), JSON.parse(readFileSync(packageJson, 'utf8')).exports));

/**
 * Undocumented exports declared in files other work of this session is rewriting (the C
 * dumper, the encoder and DWARF reader): to be documented
 * once it is merged. Nothing may be added to this list.
 */
const NOT_YET_DOCUMENTED = new Set([
  'format/c/dumper.ts: CDumper',
  'format/c/dumper.ts: CDumperOptions',
  'format/c/header.ts: VmlinuxHOptions',
  'format/c/index.ts: TypeDeclOptions',
  'format/c/table.ts: TypeTable',
]);

describe('the published API surface', () => {
  it('every type a public signature uses is exported by its layer', () => {
    assert.deepEqual(unexportedTypes(pkg), []);
  });

  it('each entry exports the option and result types of the functions it exports', () => {
    for (const subpath of Object.keys(pkg.entries)) assert.deepEqual(signatureGaps(pkg, subpath), [], subpath);
  });

  it('every exported function, class, interface and type alias has TSDoc', () => {
    assert.deepEqual(
      undocumentedExports(pkg).filter((e) => !NOT_YET_DOCUMENTED.has(e)),
      [],
    );
  });
});
