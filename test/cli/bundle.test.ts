/**
 * The bundled CLI (dist/bundle, scripts/bundle.mjs; what bin/ctdoctor.js runs): the same report as the
 * compiled modules, every module URL it resolves at run time (worker scripts, the kernel-log range
 * classifier) names a file of the bundle, and its V8 code cache is used, and used only for the source it
 * was made from. A missing worker script would not fail loudly (the parallel scan would silently fall back
 * to the serial path), nor would a refused cache (the run would only compile more).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers.js';

const BUNDLE = join(ROOT, 'dist', 'bundle');
const BIN = join(ROOT, 'bin', 'ctdoctor.js');
const skip = existsSync(join(BUNDLE, 'main.cjs')) ? false : 'no dist/bundle (run `npm run build`)';

const dir = mkdtempSync(join(tmpdir(), 'ctd-bundle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function parse(r: ReturnType<typeof spawnSync>): Record<string, unknown> {
  assert.equal(r.status, 1, String(r.stderr));
  const j = JSON.parse(String(r.stdout)) as Record<string, unknown>;
  delete j['run'];
  return j;
}

const ARGS = ['analyze', 'samples/incident-web-07', '--format', 'json'];

/** The report of the compiled modules (dist/src), run through their own `main`. */
function compiledReport(): Record<string, unknown> {
  // a script file, not `node -e`: worker threads inherit the process's flags, and --input-type breaks them
  const script = join(dir, 'run-compiled.mjs');
  writeFileSync(script, `import { main } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'src', 'cli', 'main.js')).href)};\nmain(${JSON.stringify(ARGS)});\n`);
  return parse(spawnSync(process.execPath, [script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 }));
}

/** Run a bin/ctdoctor.js with the cache check on: its stderr line and its report. */
function viaBin(bin: string): { cache: string; report: Record<string, unknown> } {
  const r = spawnSync(process.execPath, [bin, ...ARGS], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, CTDOCTOR_CODE_CACHE_CHECK: '1' } });
  const cache = /^code cache: (\w+)$/m.exec(r.stderr)?.[1] ?? `no cache line in: ${r.stderr}`;
  return { cache, report: parse(r) };
}

describe('bundled CLI', { skip }, () => {
  it('gives the report the compiled modules give, with the code cache used', () => {
    const { cache, report } = viaBin(BIN);
    assert.equal(cache, 'used');
    assert.deepEqual(report, compiledReport());
  });

  it('lays out --help as the compiled modules do (string-width is loaded lazily in the bundle)', () => {
    const script = join(dir, 'help-compiled.mjs');
    writeFileSync(script, `import { main } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'src', 'cli', 'main.js')).href)};\nmain(['analyze', '--help']);\n`);
    const env = { ...process.env, COLUMNS: '100' };
    const want = spawnSync(process.execPath, [script], { cwd: ROOT, encoding: 'utf8', env });
    const got = spawnSync(process.execPath, [BIN, 'analyze', '--help'], { cwd: ROOT, encoding: 'utf8', env });
    assert.equal(got.status, 0, got.stderr);
    assert.ok(got.stdout.includes('--fail-on'));
    assert.equal(got.stdout, want.stdout);
  });

  it('uses no cache made for another source (the cache starts with the source\'s hash)', () => {
    // a copy of bin/ and dist/bundle/ (no dist/src: the bundle is then never stale), its source changed by a comment
    const root = join(dir, 'copy');
    mkdirSync(join(root, 'bin'), { recursive: true });
    copyFileSync(BIN, join(root, 'bin', 'ctdoctor.js'));
    cpSync(BUNDLE, join(root, 'dist', 'bundle'), { recursive: true });
    const bin = join(root, 'bin', 'ctdoctor.js');
    assert.equal(viaBin(bin).cache, 'used');
    appendFileSync(join(root, 'dist', 'bundle', 'main.cjs'), '// another build\n');
    const { cache, report } = viaBin(bin);
    assert.equal(cache, 'none');
    assert.deepEqual(report, compiledReport());
  });

  it('every `new URL("./x", <its module URL>)` in it names a file of the bundle', () => {
    const urls = new Set<string>();
    for (const f of readdirSync(BUNDLE)) {
      if (!f.endsWith('.js') && !f.endsWith('.cjs')) continue;
      for (const m of readFileSync(join(BUNDLE, f), 'utf8').matchAll(/new URL\(\s*["']\.\/([^"']+)["']\s*,\s*(?:import\.meta\.url|__ctdModuleUrl)\s*\)/g)) urls.add(m[1]!);
    }
    assert.deepEqual([...urls].sort(), ['capture.wasm', 'parallel-scan-worker.js', 'prefilter.js', 'tally-thread-worker.js', 'worker.js']);
    for (const u of urls) assert.ok(existsSync(join(BUNDLE, u)), u);
    // main.cjs finds them relative to itself
    assert.match(readFileSync(join(BUNDLE, 'main.cjs'), 'utf8'), /new URL\(\s*["']\.\/parallel-scan-worker\.js["']\s*,\s*__ctdModuleUrl\s*\)/);
  });

  it('gives the same report with the sample\'s capture counted on the tally thread (a broken worker script would fail the run)', () => {
    const run = (thread: string): Record<string, unknown> =>
      parse(spawnSync(process.execPath, [BIN, ...ARGS], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, CTDOCTOR_TALLY_THREAD: thread } }));
    const threaded = run('1');
    assert.equal((threaded['hosts'] as { table: { entries: number } }[])[0]!.table.entries, 65536);
    assert.deepEqual(threaded, run('0'));
  });

  it('is not older than the compiled modules (bin/ctdoctor.js would skip a stale one)', () => {
    assert.ok(statSync(join(BUNDLE, 'main.cjs')).mtimeMs >= statSync(join(ROOT, 'dist', 'src', 'cli', 'main.js')).mtimeMs);
  });
});
