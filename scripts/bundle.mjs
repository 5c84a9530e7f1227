// `npm run bundle` (part of `npm run build`): bundle the compiled CLI (dist/src) with esbuild into
// dist/bundle, so that a run loads ~40 files instead of ~170 modules (~0.05-0.1 s less start-up; issue 7).
// Entry points keep their file names in one flat directory: the code finds its worker scripts and the
// kernel-log range classifier by URLs relative to its own module (`new URL('./prefilter.js',
// import.meta.url)`), and every bundled file lives in that one directory. CommonJS dependencies
// (tar-stream, yauzl, ...) `require` Node's built-ins: each output file gets a module-scope `require`.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const out = new URL('../dist/bundle/', import.meta.url);
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: ['cli/main.js', 'ingest/parallel-scan-worker.js', 'parsers/kernel-log/prefilter.js', 'worker.js']
    .map((p) => new URL(`../dist/src/${p}`, import.meta.url).pathname),
  bundle: true,
  platform: 'node',
  format: 'esm',
  splitting: true,
  outdir: out.pathname,
  entryNames: '[name]',
  banner: { js: 'import { createRequire as __ctdRequire } from "node:module"; const require = __ctdRequire(import.meta.url);' },
  logLevel: 'warning',
});
