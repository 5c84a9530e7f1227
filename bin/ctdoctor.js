#!/usr/bin/env node
// Thin shim: the CLI lives in dist/src/cli/main.js (built by `npm install` via `prepare`).
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2));
