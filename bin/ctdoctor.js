#!/usr/bin/env node
// Thin shim. The CLI runs from dist/bundle/main.js: dist/src bundled by esbuild (`npm run build`, also
// run by `npm install`), which loads ~40 files instead of ~170 modules (~0.05-0.1 s less start-up). A
// bundle older than dist/src (tsc run on its own) is stale: the CLI then runs from dist/src.
import { statSync } from 'node:fs';

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
