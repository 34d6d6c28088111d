#!/usr/bin/env node
// The one-file CLI bundle (scripts/bundle.mjs); `npm run build` makes it. This file is
// CommonJS (bin/package.json): Node runs a CommonJS entry without setting up its ES module
// loader, ~5 ms of every command. `--version` is answered before the bundle is even
// compiled, and written with write(2): scripts run it to see that the tool is there, and
// process.stdout costs Node a stream set-up and Bun ~8 ms.
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  fs.writeSync(1, `${JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version}\n`);
} else if (process.versions.bun !== undefined ? !runWithBunBytecode() : process.env.BTFKIT_CODE_CACHE === '0' || !runWithCodeCache()) {
  // No bytecode or script form built (or BTFKIT_CODE_CACHE=0).
  import('../dist/cli/btfkit.js');
}

/**
 * A file of dist/cli and its URL (the bundles find the package and worker entries from it),
 * escaped as pathToFileURL does on POSIX without loading node:url (~1 ms under Bun).
 */
function cliFile(name) {
  const file = path.join(__dirname, '..', 'dist', 'cli', name);
  const url = new URL('file://');
  url.pathname = file.replace(/[%\\\t\n\r]/g, encodeURIComponent);
  return { file, url: url.href };
}

/**
 * The command group whose bundles run this command line (`core` for min-core), where the
 * build made them (btfkit-groups.json maps those commands to their group): they hold,
 * read and load only that group's code (min-core: a 200 KB script and a 270 KB code cache,
 * not 600 and 500); undefined for the whole CLI's. The command is the first argument that is
 * not an option, as the CLI's registerCommands takes it.
 */
function commandGroup(argv) {
  const command = argv.find((a) => !a.startsWith('-'));
  if (command === undefined) return undefined;
  let groups;
  try {
    groups = JSON.parse(fs.readFileSync(cliFile('btfkit-groups.json').file, 'utf8'));
  } catch {
    return undefined;
  }
  return Object.hasOwn(groups, command) ? groups[command] : undefined;
}

/**
 * Under Bun: dist/cli/btfkit-bun.cjs, the CLI as a CommonJS function of its URL, which Bun
 * loads with the bytecode the build compiled beside it (btfkit-bun.cjs.jsc; Bun writes
 * bytecode without --compile for CommonJS only) instead of parsing and compiling the bundle,
 * about 20 ms of every command; dump, info, check and the CO-RE commands load their group's
 * only (btfkit-bun-<group>.cjs). Bun ignores bytecode of another Bun version. False when it
 * was not built (no Bun at build time) or BTFKIT_CODE_CACHE=0.
 */
function runWithBunBytecode() {
  if (process.env.BTFKIT_CODE_CACHE === '0') return false;
  const group = commandGroup(args);
  const { file, url } = cliFile(group === undefined ? 'btfkit-bun.cjs' : `btfkit-bun-${group}.cjs`);
  let cli;
  try {
    cli = require(file);
  } catch (e) {
    if (e?.code === 'MODULE_NOT_FOUND' || e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'ENOENT') return false;
    throw e;
  }
  cli(url);
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
  const { Script } = require('node:vm');
  const group = commandGroup(args);
  const { file, url } = cliFile(group === undefined ? 'btfkit-script.js' : `btfkit-script-${group}.js`);
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
  script.runInThisContext()(url);
  return true;
}
