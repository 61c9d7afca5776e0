#!/usr/bin/env node
// The published command: everything lives in one bundle, loaded as one file for a fast start.
import module from 'node:module';
import { setFlagsFromString } from 'node:v8';

// Node 22.1+ keeps compiled code between runs (a no-op on Node 20): every client start compiles the bundle again.
module.enableCompileCache?.();
// A bridge holds little live data (about 12 MB) but V8 lets garbage grow its heap several times over before it
// collects; keep the young generation from growing and the old one close to what is live (see `npm run bench`).
setFlagsFromString('--semi-space-growth-factor=1');
setFlagsFromString('--heap-growing-percent=10');
// A pipe is bound by the network, not by the speed of its JavaScript: V8 favours memory over speed in what it
// compiles and keeps (peak RSS about 5 MB lower in `npm run bench`, with no measurable cost per call).
setFlagsFromString('--optimize-for-size');

const { main } = await import('../dist/cli.js');
main();
