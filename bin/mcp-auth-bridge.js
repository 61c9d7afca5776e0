#!/usr/bin/env node
// The published command: everything lives in the bundle, loaded as one file for a fast start.
import { main } from '../dist/cli.js';

main();
