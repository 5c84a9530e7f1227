/**
 * The bundled CLI (dist/bundle, scripts/bundle.mjs; what bin/ctdoctor.js runs): the same report as the
 * compiled modules, and every module URL it resolves at run time (worker scripts, the kernel-log range
 * classifier) names a file of the bundle. A missing one would not fail loudly: the parallel scan would
 * silently fall back to the serial path.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers.js';

const BUNDLE = join(ROOT, 'dist', 'bundle');
const skip = existsSync(join(BUNDLE, 'main.js')) ? false : 'no dist/bundle (run `npm run build`)';

const dir = mkdtempSync(join(tmpdir(), 'ctd-bundle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function report(entry: string): Record<string, unknown> {
  // a script file, not `node -e`: worker threads inherit the process's flags, and --input-type breaks them
  const script = join(dir, `run-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(script, `import { main } from ${JSON.stringify(pathToFileURL(entry).href)};\nmain(['analyze', 'samples/incident-web-07', '--format', 'json']);\n`);
  const r = spawnSync(process.execPath, [script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 1, r.stderr);
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  delete j['run'];
  return j;
}

describe('bundled CLI', { skip }, () => {
  it('gives the report the compiled modules give', () => {
    assert.deepEqual(report(join(BUNDLE, 'main.js')), report(join(ROOT, 'dist', 'src', 'cli', 'main.js')));
  });

  it('every `new URL("./x.js", import.meta.url)` in it names a file of the bundle', () => {
    const urls = new Set<string>();
    for (const f of readdirSync(BUNDLE)) {
      if (!f.endsWith('.js')) continue;
      for (const m of readFileSync(join(BUNDLE, f), 'utf8').matchAll(/new URL\(\s*["']\.\/([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)) urls.add(m[1]!);
    }
    assert.deepEqual([...urls].sort(), ['parallel-scan-worker.js', 'prefilter.js', 'worker.js']);
    for (const u of urls) assert.ok(existsSync(join(BUNDLE, u)), u);
  });

  it('is not older than the compiled modules (bin/ctdoctor.js would skip a stale one)', () => {
    assert.ok(statSync(join(BUNDLE, 'main.js')).mtimeMs >= statSync(join(ROOT, 'dist', 'src', 'cli', 'main.js')).mtimeMs);
  });
});
