/**
 * npm run store:copy -- --from sqlite:<file> --to kurrentdb:<connection>   (and back, or sqlite to sqlite)
 *
 * Copies every journey stream between two event stores, shows progress on stderr, verifies the copy
 * by replaying both sides, and can be run again to go on after an interruption. The logic is in
 * src/store-copy/ (see copy-streams.ts for what is kept and how it resumes).
 *
 * Ctrl-C (or SIGTERM) stops it between appends, with everything appended kept; a second Ctrl-C
 * stops it at once, which is safe too: each append is atomic, and the next run reads the target.
 */
import { EXIT, messageOf, processOutput } from '../src/common/cli';
import { runStoreCopy } from '../src/store-copy/cli';

const controller = new AbortController();

function stop(signal: NodeJS.Signals): void {
  if (controller.signal.aborted) process.exit(EXIT.interrupted);
  process.stderr.write(`\n${signal}: stopping after the appends in flight (again to stop at once)\n`);
  controller.abort();
}

process.on('SIGINT', stop);
process.on('SIGTERM', stop);

// exitCode rather than exit(): what is printed last must be written out in full first.
runStoreCopy(process.argv.slice(2), { ...processOutput(), now: () => Date.now(), signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // runStoreCopy never throws by contract; if it ever does, say so rather than exit 0.
    process.stderr.write(`store:copy failed: ${messageOf(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
