#!/usr/bin/env node
// The one-file CLI bundle (scripts/bundle.mjs); `npm run build` makes it. `--version` is
// answered before the bundle is even compiled: scripts run it to see that the tool is there,
// and compiling 300 KB of JavaScript costs a fifth of Node's own start-up.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = process.getBuiltinModule('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  await import('../dist/cli/btfkit.js');
}
