/**
 * Run the btfkit CLI inside the test process (src/cli/main.ts `run`) and collect what it
 * writes: no Node start-up per command. Tests of the executable itself (bundle, signals,
 * stdin, pipes) still spawn bin/btfkit.js.
 */

import { run } from '../../src/cli/main.js';

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutBytes: Buffer;
}

/** A sink that copies every chunk (the CLI reuses its byte buffers once a write returns). */
function collector(): { chunks: Buffer[]; write: (chunk: string | Uint8Array) => boolean } {
  const chunks: Buffer[] = [];
  return {
    chunks,
    write: (chunk) => {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
      return true;
    },
  };
}

export async function btfkitInProcess(...args: string[]): Promise<CliResult> {
  const stdout = collector();
  const stderr = collector();
  const status = await run(args, { stdout, stderr });
  const stdoutBytes = Buffer.concat(stdout.chunks);
  return { status, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(stderr.chunks).toString('utf8'), stdoutBytes };
}
