#!/usr/bin/env node
/** The `btfkit` executable (the entry scripts/bundle.mjs bundles): runs the CLI on this process's arguments. */

import { run } from './main.js';

// Not a top-level await: `bun build --compile --bytecode` takes no module that has one.
void run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
