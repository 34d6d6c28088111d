#!/usr/bin/env node
// Bundles each library subpath of the package (every entry of package.json "exports" but
// btfkit/node) for the browser with esbuild, dependencies included, and fails on anything
// only Node has: an import of a Node built-in (`node:fs`, `fs`, ...: esbuild cannot resolve
// it for platform=browser), a `require` esbuild could not bundle (it leaves its "Dynamic
// require ... is not supported" shim), or a reference to a Node global (`process`, `Buffer`,
// `__dirname`, ...). Globals are found exactly: each is `define`d to a marker identifier,
// which esbuild substitutes only where the name is unbound (a global reference, not a local
// variable or property of that name), and the bundle must not contain a marker. (`require`
// is left to esbuild: it bundles literal requires, honouring a dependency's "browser" map,
// as xz-decompress's UMD wrapper needs.) Runs on tsc's output (dist/src), so `npm run build`
// (or `npm test`) first.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const NODE_ONLY_SUBPATHS = new Set(['./node', './package.json']);
const NODE_GLOBALS = ['process', 'Buffer', 'global', 'module', 'exports', '__dirname', '__filename', 'setImmediate', 'clearImmediate'];
const DYNAMIC_REQUIRE_SHIM = 'Dynamic require of';
const marker = (name) => `__btfkit_node_global_${name}__`;

let failures = 0;
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (NODE_ONLY_SUBPATHS.has(subpath)) continue;
  const entry = join(root, target.default);
  const name = subpath === '.' ? 'btfkit' : `btfkit/${subpath.slice(2)}`;
  let text;
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      define: Object.fromEntries(NODE_GLOBALS.map((g) => [g, marker(g)])),
    });
    text = result.outputFiles[0].text;
  } catch (e) {
    failures++;
    for (const err of e.errors ?? [e]) {
      const at = err.location ? `${err.location.file}:${err.location.line}: ` : '';
      console.error(`${name}: ${at}${err.text ?? err.message}`);
    }
    continue;
  }
  const used = NODE_GLOBALS.filter((g) => text.includes(marker(g)));
  if (text.includes(DYNAMIC_REQUIRE_SHIM)) used.push('require (not bundleable)');
  if (used.length > 0) {
    failures++;
    console.error(`${name}: the browser bundle uses Node globals: ${used.join(', ')}`);
  } else {
    console.log(`${name}: browser bundle ${(text.length / 1024).toFixed(0)} KiB, no Node imports or globals`);
  }
}
process.exit(failures === 0 ? 0 : 1);
