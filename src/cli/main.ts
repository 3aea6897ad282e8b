/** Entry point of `openpdx` (bin/openpdx.js runs this file through tsx). */
import { runCli } from './program.ts';
import { processIo } from './runtime.ts';

const code = await runCli(process.argv.slice(2), { io: processIo });
// Explicit exit: a library timer or socket must not keep a finished command (or a stopped server) alive.
process.exit(code);
