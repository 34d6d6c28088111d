#!/usr/bin/env node
// The one-file CLI bundle (scripts/bundle.mjs); `npm run build` makes it. `--version` is
// answered before the bundle is even compiled: scripts run it to see that the tool is there,
// and compiling 300 KB of JavaScript costs a fifth of Node's own start-up.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = process.getBuiltinModule('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else if (process.versions.bun !== undefined ? !(await runWithBunBytecode()) : process.env.BTFKIT_CODE_CACHE === '0' || !runWithCodeCache()) {
  // No bytecode or script form built (or BTFKIT_CODE_CACHE=0).
  await import('../dist/cli/btfkit.js');
}

/**
 * Under Bun: dist/cli/btfkit-bun.cjs, the CLI as a CommonJS function of its URL, which Bun
 * loads with the bytecode the build compiled beside it (btfkit-bun.cjs.jsc; Bun writes
 * bytecode without --compile for CommonJS only) instead of parsing and compiling the bundle,
 * about 20 ms of every command. Bun ignores bytecode of another Bun version. False when it
 * was not built (no Bun at build time) or BTFKIT_CODE_CACHE=0.
 */
async function runWithBunBytecode() {
  if (process.env.BTFKIT_CODE_CACHE === '0') return false;
  const url = new URL('../dist/cli/btfkit-bun.cjs', import.meta.url);
  let cli;
  try {
    cli = (await import(url.href)).default;
  } catch (e) {
    if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND' || e?.code === 'ENOENT') return false;
    throw e;
  }
  cli(url.href);
  return true;
}

/**
 * Under Node: the script form of the bundle (dist/cli/btfkit-script.js), compiled with V8's
 * code cache beside it, so the bytecode of the top level and of the functions a command
 * calls is read instead of compiled (20-40 ms of every command; Node 20 has no compile cache
 * for ES modules). A missing cache, or one V8 rejects (another Node version, other V8
 * flags), is written again when the command ends, as Python writes __pycache__: atomically,
 * and silently not at all where the package directory is read-only. BTFKIT_CODE_CACHE=0
 * runs the ES module instead; =refresh rewrites the cache (the build primes it so).
 * False when there is no script form.
 */
function runWithCodeCache() {
  const fs = process.getBuiltinModule('node:fs');
  const { Script } = process.getBuiltinModule('node:vm');
  const { fileURLToPath } = process.getBuiltinModule('node:url');
  const url = new URL('../dist/cli/btfkit-script.js', import.meta.url);
  const file = fileURLToPath(url);
  let source;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const cacheFile = `${file}.v8cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(source, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected === true || process.env.BTFKIT_CODE_CACHE === 'refresh') {
    process.once('exit', () => {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
      } catch {
        fs.rmSync(tmp, { force: true });
      }
    });
  }
  script.runInThisContext()(url.href);
  return true;
}
