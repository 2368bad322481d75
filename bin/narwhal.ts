#!/usr/bin/env node
// The `narwhal` command: runs the CLI and exits with its code.

import { main } from '../src/cli/main.js';

const code = await main(process.argv.slice(2));
process.exit(code);
