/** What both hostile-input test files use: a private temp dir, a drop line, the unsafe-character set. */
import { after } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DROP = 'Nov 20 22:30:27 h1 kernel: nf_conntrack: table full, dropping packet';
/** Characters that must never reach a terminal from text output: C0 (but \t, \n), DEL, C1, bidi controls. */
export const UNSAFE_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A temp dir removed after the file's tests, and a writer of files in it. */
export function hostileTmp(prefix: string): { readonly dir: string; file(name: string, data: string | Buffer): string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    file(name, data) {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    },
  };
}
