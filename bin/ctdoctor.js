#!/usr/bin/env node
// Thin shim. The CLI runs from dist/bundle/main.cjs: dist/src bundled by esbuild into one CommonJS file
// (`npm run build`, also run by `npm install`), compiled here with the V8 code cache the build saved
// beside it (main.cjs.cache), so a run neither resolves ~170 modules nor compiles what the cache holds.
// A bundle older than dist/src (tsc run on its own) is stale: the CLI then runs from dist/src.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

// Memory (issue 7): V8 grows its young generation up to 2 x 16 MiB on a long allocating run, ~20 MiB of
// the 150 MiB budget on a 2M-entry capture. Keeping it at its start size costs no measurable speed here
// (docs/PERFORMANCE.md, round 10). Read when the heap grows, so it still applies now; set only on the
// Node line it was measured on (another V8 may not know the flag and would say so on stderr).
if (process.versions.node.split('.')[0] === '20') setFlagsFromString('--semi-space-growth-factor=1');

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};
const bundle = fileURLToPath(new URL('../dist/bundle/main.cjs', import.meta.url));
const compiled = new URL('../dist/src/cli/main.js', import.meta.url);

/**
 * The bundle's `main`, compiled with the code cache when it belongs to this very source. The cache file
 * is the source's SHA-256 and then V8's data: V8 checks its own version, flags and the source's length
 * only, so the hash is what keeps a cache of another build from being used. A cache V8 refuses
 * (another Node, other V8 flags) costs nothing but the compile it would have saved.
 */
function loadBundle() {
  const source = readFileSync(bundle, 'utf8');
  const hash = createHash('sha256').update(source).digest();
  let cachedData;
  try {
    const c = readFileSync(`${bundle}.cache`);
    if (c.length > 32 && c.subarray(0, 32).equals(hash)) cachedData = c.subarray(32);
  } catch {
    // no cache: compile as usual
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapped, { filename: bundle, cachedData });
  // the build's test asks whether the cache was used (test/cli/bundle.test.ts)
  if (process.env.CTDOCTOR_CODE_CACHE_CHECK === '1') {
    process.stderr.write(`code cache: ${cachedData === undefined ? 'none' : script.cachedDataRejected ? 'refused' : 'used'}\n`);
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  // `npm run build` runs the bundled sample once with this set, and keeps what V8 compiled for later runs
  if (process.env.CTDOCTOR_WRITE_CODE_CACHE === '1') {
    process.once('exit', () => {
      const tmp = `${bundle}.cache.${process.pid}`;
      writeFileSync(tmp, Buffer.concat([hash, script.createCachedData()]));
      renameSync(tmp, `${bundle}.cache`);
    });
  }
  return module.exports.main;
}

const main = mtime(bundle) >= mtime(compiled) ? loadBundle() : (await import(compiled.href)).main;
main(process.argv.slice(2));
