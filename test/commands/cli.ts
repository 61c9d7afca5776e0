/**
 * Former home of the command-test helpers, now in test/helpers (the one CLI runner in cli.ts, the `--browser`
 * command in browser-command.ts, the provider setup in oidc/stack.ts, the doctor report reader in
 * doctor-report.ts). Only re-exports, kept while other branches still import from here; import from test/helpers.
 */
export { runCli, startCli, loginUrlsIn, type CliResult, type CliProcess } from '../helpers/cli.js';
export { fileStore } from '../helpers/auth-bridge.js';
export { doctorSteps } from '../helpers/doctor-report.js';
