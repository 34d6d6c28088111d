#!/usr/bin/env node
// The CLI as one ESM file for a one-shot process: dist/cli/btfkit.js (what bin/btfkit.js
// runs) plus one file per worker-thread entry beside it, built by esbuild from tsc's output
// (dist/src), so the bundle runs exactly the code the tests type-checked. Resolving and
// loading ~40 modules and commander's eager Node built-ins was a third of a short command's
// time; in one file every command module stays behind a lazy initialiser (esbuild turns the
// command loader's `import()` into one), and Node built-ins that only some paths use are
// required on first use. Top-level `--help` text is taken from the unbundled CLI here and
// built in, so help needs no command module either.
//
// Under Node, bin/btfkit.js runs a second build of the same entry, dist/cli/btfkit-script.js:
// a classic script that evaluates to a function, which bin/btfkit.js compiles with vm.Script
// and V8's code cache (btfkit-script.js.v8cache beside it). Node 20 has no compile cache for
// ES modules, and compiling the bundle and the functions a command calls was 20-40 ms of
// every command. The cache is primed here by running a few commands over the fixtures, so
// it holds the bytecode of the functions they call, not only of the top level. The commands
// run most (dump, info, check, min-core) get a script of their command group's code only,
// btfkit-script-<group>.js, with a cache of its own (buildGroupScripts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'cli');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Built-ins whose loading costs start-up time and that most commands never touch. */
const LAZY_BUILTINS = ['child_process', 'crypto', 'fs/promises', 'http', 'os', 'tty', 'url', 'v8', 'vm', 'worker_threads'];
/** The worker entries read parentPort/workerData (not functions) as they start: left as they are. */
const EAGER_IMPORTERS = /-worker\.js$/;

/**
 * `import { x } from 'node:crypto'` (or commander's `require('node:child_process')`) becomes
 * a module whose members require the built-in when first called. Only functions and classes
 * are imported by name from these modules (checked: a name that is not a function in the
 * built-in fails the build), so a forwarding function per member is exact. ESM imports of
 * built-ins are otherwise hoisted to the top of the bundle: every command paid for http, net,
 * streams and worker_threads.
 */
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter }, (args) =>
      EAGER_IMPORTERS.test(args.importer) ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
      const mod = await import(`node:${args.path}`);
      const names = Object.keys(mod).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k) && typeof mod[k] === 'function');
      const lines = [
        `let m; const load = () => (m ??= __btfkitRequire('node:${args.path}'));`,
        // `new X()` constructs the real class (its prototype, not this forwarder's).
        ...names.map((n) => `export function ${n}(...a) { return new.target ? Reflect.construct(load().${n}, a) : load().${n}(...a); }`),
        `export default new Proxy({}, { get: (_, k) => load()[k] });`,
      ];
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

/**
 * picocolors guesses a default for colours as it is loaded, reading process.stdout.isTTY,
 * which makes Node create its stdout stream (node:net for a pipe, 3 ms) in every command.
 * btfkit always passes createColors its own decision (src/cli/common.ts, which writes to the
 * descriptor directly), so the guess's stdout test is built in as false; the build fails if
 * picocolors' source no longer has it.
 */
const picocolorsNoStdoutGuess = {
  name: 'picocolors-no-stdout-guess',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]picocolors[\\/]picocolors\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const guess = '((p.stdout || {}).isTTY && env.TERM !== "dumb")';
      if (!source.includes(guess)) throw new Error(`${args.path}: picocolors no longer reads ${guess}; see picocolorsNoStdoutGuess`);
      return { contents: source.replace(guess, 'false'), loader: 'js' };
    });
  },
};

const help = spawnSync(process.execPath, [join(root, 'dist', 'src', 'cli', 'btfkit.js'), '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '80' } });
if (help.status !== 0) throw new Error(`btfkit --help failed: ${help.stderr}`);

mkdirSync(out, { recursive: true });
// CommonJS dependencies (commander, picocolors, cli-progress) require() Node built-ins; every
// other require() is resolved into the bundle. process.getBuiltinModule needs no
// `import 'node:module'` (measurable in a 60 ms start-up).
const requireShim = 'const require = (id) => process.getBuiltinModule(id);\nconst __btfkitRequire = require;';
const define = { BTFKIT_BUNDLED: 'true', BTFKIT_BUNDLED_HELP: JSON.stringify(help.stdout), BTFKIT_VERSION: JSON.stringify(pkg.version) };
const common = {
  absWorkingDir: root,
  outdir: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  plugins: [lazyBuiltins, picocolorsNoStdoutGuess],
  legalComments: 'eof',
  metafile: true,
  minify: process.env.BTFKIT_BUNDLE_MINIFY !== '0',
  logLevel: 'warning',
};
/** Maps the commands that have a script bundle of their own to it (read by bin/btfkit.js). */
const GROUP_SCRIPTS = 'btfkit-groups.json';
/** Stands for a fresh temporary directory in PRIME_RUNS. */
const PRIME_TMP = '<tmp>';
const fx = (...p) => join(root, 'fixtures', ...p);
/**
 * The commands that prime the code caches, over the fixtures, by command group (the
 * `module` of commands/index.ts): each group named here gets a script bundle of its own,
 * primed with its runs; the whole CLI's script is primed with all of them.
 */
const PRIME_RUNS = {
  dump: [
    ['dump', fx('btf', 'kinds-el.btf')],
    ['dump', fx('btf', 'kinds-el.btf'), '--format', 'c'],
    ['dump', fx('btf', 'kinds-el.btf'), '--format', 'c', '--unsorted'],
    ['dump', fx('btf', 'kinds-el.btf'), '-j'],
  ],
  info: [['info', fx('btf', 'kinds-el.btf')]],
  check: [['check', fx('btf', 'kinds-el.btf')]], // exit 1: the fixture has kinds the kernel's verifier refuses
  core: [['min-core', fx('core', 'vmlinux_relocs.o'), '--kernel', fx('third-party', 'vmlinux-7.1.btf.gz'), '-o', join(PRIME_TMP, 'min.btf')]],
  encode: [
    ['encode', fx('dwarf', 'gcc-two-units.o'), '--features', 'pahole-1.24', '--detached', '-o', join(PRIME_TMP, 'two-units.btf')],
    ['encode', fx('dwarf', 'gcc-two-units.o'), '-B', fx('dwarf', 'gcc-dwarf5.pahole.btf'), '--features', 'pahole-1.24', '--detached', '-o', join(PRIME_TMP, 'split.btf')],
  ],
};
const result = await build({
  ...common,
  entryPoints: {
    btfkit: 'dist/src/cli/btfkit.js',
    'module-worker': 'dist/src/node/module-worker.js',
    'min-core-worker': 'dist/src/node/min-core-worker.js',
    'encode-worker': 'dist/src/node/encode-worker.js',
  },
  format: 'esm',
  banner: { js: requireShim },
  define,
});
// The script form: `(function (moduleUrl) { ... })`, import.meta.url being the URL it was
// read from (the worker entries and package files are found from it, as from the ESM bundle).
// Old caches go first: V8 tells a cache's source by its length only.
rmSync(join(out, GROUP_SCRIPTS), { force: true });
for (const f of readdirSync(out)) if (f.startsWith('btfkit-script-') || f === 'btfkit-script.js.v8cache') rmSync(join(out, f), { force: true });
await buildScript('btfkit-script');
primeCodeCache(Object.values(PRIME_RUNS).flat());
await buildGroupScripts();
await buildBunBytecode();

/**
 * A bundle of the script form per command group that PRIME_RUNS primes
 * (dist/cli/btfkit-script-<module>.js, e.g. -core for min-core), holding only that group's
 * command module: the whole CLI's script was 600 KB with a 500 KB code cache, and reading,
 * deserializing and (young-generation) collecting them was ~3.5 ms of every command; the
 * min-core group's is a third of that. btfkit-groups.json maps each command of those
 * groups to its script for bin/btfkit.js; every other command line (help, typos, the other
 * groups) runs the whole CLI's script.
 */
async function buildGroupScripts() {
  const scripts = {};
  for (const group of await bundledGroups()) {
    const runs = PRIME_RUNS[group.module];
    const name = `btfkit-script-${group.module}`;
    requireGroupModule(name, group, await buildScript(name, [onlyCommandGroup(group.module)]));
    for (const command of group.names) scripts[command] = group.module;
    writeFileSync(join(out, GROUP_SCRIPTS), `${JSON.stringify(scripts)}\n`);
    primeCodeCache(runs);
  }
}

/** The command groups (commands/index.ts) that PRIME_RUNS primes: each gets bundles of its own. */
async function bundledGroups() {
  const { COMMAND_GROUPS } = await import(pathToFileURL(join(root, 'dist', 'src', 'cli', 'commands', 'index.js')).href);
  return COMMAND_GROUPS.filter((g) => PRIME_RUNS[g.module] !== undefined);
}

/** A group whose `module` names another file would have lost its own command module. */
function requireGroupModule(name, group, built) {
  if (!Object.keys(built.metafile.inputs).includes(`dist/src/cli/commands/${group.module}.js`)) throw new Error(`${name}: commands/${group.module}.js is not in it (is the group's module right?)`);
}

/** In a group's bundle, every other group's command module is an empty module (bin/btfkit.js never runs their commands with it). */
function onlyCommandGroup(module) {
  return {
    name: 'only-command-group',
    setup(b) {
      b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) =>
        /[\\/]cli[\\/]commands[\\/]index\.js$/.test(args.importer) && args.path !== `./${module}.js` ? { path: args.path, namespace: 'other-command-group' } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'other-command-group' }, () => ({ contents: 'export {};', loader: 'js' }));
    },
  };
}

/** The script form of the CLI entry as dist/cli/NAME.js, with `extraPlugins`; esbuild's result. */
function buildScript(name, extraPlugins = []) {
  return build({
    ...common,
    plugins: [...common.plugins, ...extraPlugins],
    entryPoints: { [name]: 'dist/src/cli/btfkit.js' },
    format: 'iife',
    banner: { js: `(function (__btfkitModuleUrl) {\n${requireShim}` },
    footer: { js: '})' },
    define: { ...define, 'import.meta.url': '__btfkitModuleUrl' },
  });
}

/**
 * Under Bun, bin/btfkit.js runs dist/cli/btfkit-bun.cjs with the bytecode Bun compiled at
 * build time beside it (btfkit-bun.cjs.jsc): parsing and compiling the bundle was about 20 ms
 * of every Bun command. Bun writes bytecode without --compile only for CommonJS, so esbuild
 * first builds the entry as a CommonJS module exporting the CLI as a function of its URL, as
 * the script form is (`bun build` writes the build machine's path in place of import.meta.url,
 * __filename and module.filename). Bun checks the bytecode's Bun version and parses the
 * source instead when it differs. Skipped, and old files removed, where Bun is not
 * installed: bin/btfkit.js then imports the ES module.
 */
async function buildBunBytecode() {
  for (const f of readdirSync(out)) if (f.startsWith('btfkit-bun')) rmSync(join(out, f), { force: true });
  const local = join(root, 'node_modules', '.bin', 'bun');
  const bun = existsSync(local) ? local : 'bun';
  if (spawnSync(bun, ['--version'], { stdio: 'ignore' }).status !== 0) return;
  const tmp = mkdtempSync(join(tmpdir(), 'btfkit-bun-'));
  try {
    // The whole CLI, and (as for the script form) one per bundled command group: loading the
    // whole CLI's bytecode was ~10 ms of every Bun command.
    const forms = [{ name: 'btfkit-bun', plugins: [] }];
    for (const group of await bundledGroups()) forms.push({ name: `btfkit-bun-${group.module}`, plugins: [onlyCommandGroup(group.module)], group });
    for (const { name, plugins, group } of forms) {
      const built = await build({
        ...common,
        plugins: [...common.plugins, ...plugins],
        outdir: tmp,
        entryPoints: { [name]: 'dist/src/cli/btfkit.js' },
        format: 'iife',
        // CommonJS has its own `require` (a `const require` would redeclare it).
        banner: { js: 'module.exports = function (__btfkitModuleUrl) {\nconst __btfkitRequire = require;' },
        footer: { js: '};' },
        define: { ...define, 'import.meta.url': '__btfkitModuleUrl' },
      });
      if (group) requireGroupModule(name, group, built);
      const args = ['build', '--bytecode', '--format=cjs', '--target=bun', '--minify', join(tmp, `${name}.js`), '--outdir', out, '--entry-naming', '[name].cjs'];
      const r = spawnSync(bun, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bun build --bytecode failed: ${r.stderr}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Run commands through bin/btfkit.js with BTFKIT_CODE_CACHE=refresh: each loads the cache
 * of the script it runs (the whole CLI's, or its group's once btfkit-groups.json names
 * it), and writes it again with the functions it compiled added.
 */
function primeCodeCache(runs) {
  const bin = join(root, 'bin', 'btfkit.js');
  const tmp = mkdtempSync(join(tmpdir(), 'btfkit-prime-'));
  try {
    for (const args of runs) {
      const argv = args.map((a) => a.replace(PRIME_TMP, tmp));
      const r = spawnSync(process.execPath, [bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, BTFKIT_CODE_CACHE: 'refresh' } });
      if (r.status !== 0 && !(argv[0] === 'check' && r.status === 1)) throw new Error(`priming the code cache: btfkit ${argv.join(' ')} failed: ${r.stderr}`);
      // A script form that evaluates without running the CLI would prime nothing and still exit 0.
      if (argv[0] === 'dump' && r.stdout.length === 0) throw new Error(`priming the code cache: btfkit ${argv.join(' ')} printed nothing (does the script form run the CLI?)`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// The bundle carries the code of its dependencies, so it carries their licences too: one
// notices file beside it with each bundled package's licence text (or its package.json
// licence field where the package ships no licence file).
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m) packages.add(m[1]);
}
const notices = [...packages].sort().map((name) => {
  const dir = join(root, 'node_modules', name);
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `License: ${meta.license ?? 'see the package'}`;
  return `${name}@${meta.version}\n\n${text}\n`;
});
writeFileSync(join(out, 'THIRD-PARTY-NOTICES.txt'), `Packages bundled into btfkit.js and its worker entries:\n\n${notices.join('\n---\n\n')}`);
