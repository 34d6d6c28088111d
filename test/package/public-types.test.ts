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

describe('the published API surface', () => {
  it('every type a public signature uses is exported by its layer', () => {
    assert.deepEqual(unexportedTypes(pkg), []);
  });

  it('each entry exports the option and result types of the functions it exports', () => {
    for (const subpath of Object.keys(pkg.entries)) assert.deepEqual(signatureGaps(pkg, subpath), [], subpath);
  });

  it('every exported function, class, interface and type alias has TSDoc', () => {
    assert.deepEqual(undocumentedExports(pkg), []);
  });
});
