/**
 * npm run audit -- <command> [options]: check the record straight from the event file, with or
 * without the service running. See src/audit/cli/run-audit.ts for the commands.
 */
import { processIo } from '../src/audit/cli/cli-io';
import { EXIT } from '../src/common/cli';
import { runAudit } from '../src/audit/cli/run-audit';

// exitCode rather than exit(): a large export piped to another program must be written out in full first.
runAudit(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`audit failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT.usage;
  },
);
