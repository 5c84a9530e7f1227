// `npm run bundle` (part of `npm run build`): bundle the compiled CLI (dist/src) with esbuild into
// dist/bundle, so that a run loads a few files instead of ~170 modules, and compiles little (issue 7).
//
// - dist/bundle/main.cjs: the CLI in ONE CommonJS file, which bin/ctdoctor.js compiles with `vm.Script`
//   and a V8 code cache (main.cjs.cache, made below): ~40 ms less start-up per run than ESM modules,
//   which Node 20 can neither cache nor load without resolving and linking each one
//   (docs/PERFORMANCE.md, round 12). `import.meta.url` becomes main.cjs's own file URL.
// - The worker threads' scripts stay ES modules (parallel-scan-worker.js, prefilter.js, worker.js and
//   their shared chunks): the code finds them by URLs relative to its own module
//   (`new URL('./prefilter.js', import.meta.url)`), and every bundled file lives in this one directory.
//   CommonJS dependencies (tar-stream, yauzl, ...) `require` Node's built-ins: each ESM output file gets a
//   module-scope `require`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const out = new URL('../dist/bundle/', import.meta.url);
const src = (p) => new URL(`../dist/src/${p}`, import.meta.url).pathname;
rmSync(out, { recursive: true, force: true });
// the capture engine's WebAssembly module (built by `npm run build:wasm`), found beside the code that loads it
mkdirSync(out, { recursive: true });
copyFileSync(new URL('../dist/src/util/capture.wasm', import.meta.url), new URL('capture.wasm', out));
await build({
  entryPoints: ['ingest/parallel-scan-worker.js', 'parsers/kernel-log/prefilter.js', 'worker.js', 'analysis/tally-thread-worker.js'].map(src),
  bundle: true,
  platform: 'node',
  format: 'esm',
  splitting: true,
  outdir: out.pathname,
  entryNames: '[name]',
  banner: { js: 'import { createRequire as __ctdRequire } from "node:module"; const require = __ctdRequire(import.meta.url);' },
  logLevel: 'warning',
});
// string-width (used by yargs, cliui and wrap-ansi) builds an Intl.Segmenter and Unicode-set regular
// expressions when its module is evaluated: ~50 ms of every run (round 12), though only `--help` and a
// usage error measure text. Each import of it gets a stub that requires the real module at the first call;
// esbuild evaluates a required ES module lazily, so the cost moves to the runs that lay out help text.
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'real') return undefined; // the resolve below: esbuild's own
      const real = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'real' });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: `export default function stringWidth(text, options) { return require(${JSON.stringify(args.path)}).default(text, options); }\n`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};
await build({
  entryPoints: [src('cli/main.js')],
  plugins: [lazyStringWidth],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: new URL('main.cjs', out).pathname,
  define: { 'import.meta.url': '__ctdModuleUrl' },
  banner: { js: 'const __ctdModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: 'warning',
});

// The code cache: bin/ctdoctor.js runs the bundled sample once and saves what V8 compiled on the way
// (the functions a usual run calls). On one thread (--jobs 0): starting a worker changes V8's flag hash,
// and V8 would then refuse the cache in every later run.
const bin = fileURLToPath(new URL('../bin/ctdoctor.js', import.meta.url));
const sample = fileURLToPath(new URL('../samples/incident-web-07', import.meta.url));
if (!existsSync(sample)) {
  // a tree without the samples (not a clone of the repository): the CLI runs without a cache, only slower
  process.stderr.write(`bundle: no ${sample}: no code cache made\n`);
} else {
  const r = spawnSync(process.execPath, [bin, 'analyze', sample, '--jobs', '0'], {
    env: { ...process.env, CTDOCTOR_WRITE_CODE_CACHE: '1' }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8',
  });
  // exit 1: the sample's incident was found, as it should be; anything else means the bundled CLI is broken
  if (r.status !== 1) {
    process.stderr.write(`bundle: the code-cache run of the sample exited ${r.status}: ${r.stderr}\n`);
    process.exit(1);
  }
}
