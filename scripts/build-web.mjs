#!/usr/bin/env node
// `npm run build:web`: the explorer as a static folder (dist-web/: index.html, app.js, app.css)
// that any web server (or `btfkit explore`) can serve; no CDN, no network at run time.
// esbuild bundles the browser code: the library is ESM spread over many files and the app
// needs one script plus a worker; the worker is inlined into app.js and started from a Blob,
// so the folder also works from file://. Type-checks web/ first (tsc --noEmit).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const out = process.env.BTFKIT_WEB_OUT ?? 'dist-web';
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'web/tsconfig.json'], { stdio: 'inherit' });
const common = { bundle: true, platform: 'browser', target: 'es2022', minify: true, legalComments: 'none', format: 'iife', logLevel: 'warning' };
const worker = await esbuild.build({ ...common, entryPoints: ['web/worker.ts'], write: false });
const workerSource = worker.outputFiles[0].text;
mkdirSync(out, { recursive: true });
await esbuild.build({
  ...common,
  entryPoints: ['web/main.ts'],
  outfile: `${out}/app.js`,
  plugins: [
    {
      name: 'worker-source',
      setup(build) {
        build.onResolve({ filter: /^virtual:worker-source$/ }, () => ({ path: 'worker-source', namespace: 'virtual' }));
        build.onLoad({ filter: /.*/, namespace: 'virtual' }, () => ({ contents: `export default ${JSON.stringify(workerSource)};`, loader: 'js' }));
      },
    },
  ],
});
copyFileSync('web/index.html', `${out}/index.html`);
copyFileSync('web/app.css', `${out}/app.css`);
const sizes = ['index.html', 'app.js', 'app.css'].map((f) => {
  const b = readFileSync(`${out}/${f}`);
  return { file: f, bytes: b.length, gzip: gzipSync(b).length };
});
writeFileSync(`${out}/sizes.json`, JSON.stringify(sizes, null, 2) + '\n');
const total = sizes.reduce((s, x) => s + x.gzip, 0);
console.log(`${out}/: ${sizes.map((s) => `${s.file} ${(s.bytes / 1024).toFixed(0)} KiB (${(s.gzip / 1024).toFixed(0)} KiB gzip)`).join(', ')}; total ${(total / 1024).toFixed(0)} KiB gzipped`);
