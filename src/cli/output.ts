/** Writing the report: stdout (quiet on a closed pipe) or a file written atomically (temp file + rename). */
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CtdError } from '../model/errors.js';

/** Temp files being written, removed on SIGINT so no partial output is left behind. */
export const pendingTemps = new Set<string>();

export async function writeAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    pendingTemps.add(tmp);
    await fsp.writeFile(tmp, data, { mode: 0o644 });
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'the directory does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code ?? 'error';
    throw new CtdError('CTD_OUTPUT_UNWRITABLE', `cannot write ${path}: ${why}`, { path });
  } finally {
    pendingTemps.delete(tmp);
  }
}

/** Write to stdout; resolves false when the reader went away (EPIPE): the caller exits quietly. */
export function writeStdout(data: string): Promise<boolean> {
  return new Promise((resolve) => {
    const out = process.stdout;
    const onError = (err: NodeJS.ErrnoException): void => {
      resolve(err.code === 'EPIPE' ? false : false);
    };
    out.once('error', onError);
    out.write(data, (err) => {
      out.off('error', onError);
      resolve(!err);
    });
  });
}
