#!/usr/bin/env node
// Removes dist/ before a build, so that what runs from it (tests above all) is only what
// the sources compile to now: tsc never deletes the output of a source file that is gone.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

rmSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist'), { recursive: true, force: true });
