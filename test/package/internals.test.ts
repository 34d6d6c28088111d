// The published declarations hide the library's internals: the reader's words and offsets
// index and the builder's raw words are `@internal` in the source (library code keeps its
// direct, fast access) and `stripInternal` leaves them out of the emitted .d.ts. Read here
// from the declarations the package's "exports" point at, parsed with the TypeScript compiler.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import ts from 'typescript';

const require = createRequire(import.meta.url);

/** Member names of `className` as the declaration file of `specifier` declares them. */
function declaredMembers(specifier: string, file: string, className: string): string[] {
  const dts = require.resolve(specifier).replace(/index\.js$/, `${file}.d.ts`);
  const source = ts.createSourceFile(dts, readFileSync(dts, 'utf8'), ts.ScriptTarget.ES2022);
  const names: string[] = [];
  for (const stmt of source.statements) {
    if (!ts.isClassDeclaration(stmt) || stmt.name?.text !== className) continue;
    for (const m of stmt.members) {
      if (m.name && (ts.isIdentifier(m.name) || ts.isPrivateIdentifier(m.name))) names.push(m.name.text);
    }
  }
  assert.ok(names.length > 0, `${className} is declared in ${dts}`);
  return names;
}

describe('published declarations', () => {
  it('Btf has its accessors but not its words, offsets index or record locator', () => {
    const members = declaredMembers('btfkit/wire', 'btf', 'Btf');
    for (const accessor of ['parse', 'kind', 'vlen', 'name', 'word', 'elemWord', 'findByNameKind']) assert.ok(members.includes(accessor), accessor);
    for (const internal of ['words', 'offsets', 'record']) assert.equal(members.includes(internal), false, internal);
  });

  it('BtfBuilder has its add* methods but not its raw words, record offsets or string table', () => {
    const members = declaredMembers('btfkit/wire', 'builder', 'BtfBuilder');
    for (const method of ['addInt', 'addStruct', 'addString', 'build']) assert.ok(members.includes(method), method);
    for (const internal of ['rawWords', 'recordOffsets', 'recordWords', 'strings']) assert.equal(members.includes(internal), false, internal);
  });
});
