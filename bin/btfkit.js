#!/usr/bin/env node
// The one-file CLI bundle (scripts/bundle.mjs); `npm run build` makes it.
import '../dist/cli/btfkit.js';
