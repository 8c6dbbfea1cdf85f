/**
 * npm run report -- <command> [options]: statutory returns from the record (CLD for councils,
 * personal health budget counts for the NHS). See src/reports/cli/run-report.ts for the commands.
 */
import { processIo } from '../src/audit/cli/cli-io';
import { runReport } from '../src/reports/cli/run-report';

// exitCode rather than exit(): the files and the summary must be written out in full first.
runReport(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`report failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
