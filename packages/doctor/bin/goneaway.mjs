#!/usr/bin/env node
// The `goneaway` bin (`npx goneaway doctor mysql://…`): the built CLI does the work.
import '../dist/cli.mjs';
