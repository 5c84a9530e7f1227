#!/usr/bin/env node
// Thin shim. The CLI runs from dist/bundle/main.js: dist/src bundled by esbuild (`npm run build`, also
// run by `npm install`), which loads ~40 files instead of ~170 modules (~0.05-0.1 s less start-up). A
// bundle older than dist/src (tsc run on its own) is stale: the CLI then runs from dist/src.
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// Memory (issue 7): V8 grows its young generation up to 2 x 16 MiB on a long allocating run, ~20 MiB of
// the 150 MiB budget on a 2M-entry capture. Keeping it at its start size costs no measurable speed here
// (docs/PERFORMANCE.md, round 10). Read when the heap grows, so it still applies now; set only on the
// Node line it was measured on (another V8 may not know the flag and would say so on stderr).
if (process.versions.node.split('.')[0] === '20') setFlagsFromString('--semi-space-growth-factor=1');

const mtime = (rel) => {
  try {
    return statSync(new URL(rel, import.meta.url)).mtimeMs;
  } catch {
    return -1;
  }
};
const bundled = mtime('../dist/bundle/main.js') >= mtime('../dist/src/cli/main.js');
const { main } = await import(bundled ? '../dist/bundle/main.js' : '../dist/src/cli/main.js');
main(process.argv.slice(2));
