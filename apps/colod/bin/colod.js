#!/usr/bin/env node
// The installed `colod` command. It is committed (not built) so `npm install` links it before the first
// build; the CLI itself is the compiled apps/colod/dist/cli.js.
import "../dist/cli.js";
