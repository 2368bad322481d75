#!/usr/bin/env node
// The `narwhal` command: runs the CLI and exits with its code.

import nodeModule from 'node:module';

// Node's compile cache (22.1+) keeps V8's code for the CLI's and the master's
// modules on disk, so a start after the first compiles less. Before the import it covers.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { main } = await import('../src/cli/main.js');
const code = await main(process.argv.slice(2));
process.exit(code);
