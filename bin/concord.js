#!/usr/bin/env node
// `concord` command: runs the built CLI (out/main/cli.js). Build first with `npm run build`.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const cli = join(__dirname, '..', 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  console.error('concord: the app is not built yet. Run `npm run build` in ' + join(__dirname, '..') + ' first.');
  process.exit(1);
}
require(cli);
