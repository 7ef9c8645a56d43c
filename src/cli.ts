#!/usr/bin/env node
// The one CLI: bedrock-governor <command>. Configuration comes from the environment (see README).
// The commands are assembled in src/cli/program.ts.
import { buildProgram } from "./cli/program.js";

await buildProgram().parseAsync(process.argv);
