/**
 * External programs a bundle may need: `xz` (for .tar.xz / .xz members) and `journalctl` (binary journal
 * files). They are looked up on PATH at the moment of use, so a missing program gives a clear message.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants, createReadStream } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** The absolute path of `name` on PATH, or null. */
export function findProgram(name: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** A running decompressor or converter: read `stdout`, then await `done`. */
export interface ChildRun {
  readonly stdout: Readable;
  /** Exit code (null when killed), and the first 2 KiB of stderr. */
  readonly done: Promise<{ readonly code: number | null; readonly stderr: string }>;
  /** Stop the program (at a cap or when the reader gives up). */
  kill(): void;
}

const STDERR_KEEP = 2048;

/** Spawn `program args`, feeding `inputPath` on stdin when given. */
export function runProgram(program: string, args: readonly string[], inputPath: string | null): ChildRun {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(program, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    if (stderr.length < STDERR_KEEP) stderr += b.toString('utf8').slice(0, STDERR_KEEP - stderr.length);
  });
  // EPIPE when the program exits (or is killed) before reading all of its input is expected
  child.stdin.on('error', () => undefined);
  if (inputPath !== null) {
    const input = createReadStream(inputPath, { highWaterMark: 1024 * 1024 });
    input.on('error', () => child.stdin.destroy());
    input.pipe(child.stdin);
  } else {
    child.stdin.end();
  }
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.on('error', (err) => resolve({ code: -1, stderr: err.message }));
    child.on('close', (code) => resolve({ code, stderr: stderr.trim() }));
  });
  return {
    stdout: child.stdout,
    done,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
