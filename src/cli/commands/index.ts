import type { Command } from 'commander';
import { registerDump } from './dump.js';
import { registerInfo } from './info.js';

/** Every subcommand, in the order `btfkit --help` lists them. */
export const COMMANDS: Array<(program: Command) => void> = [registerDump, registerInfo];
