/**
 * A server script run as a child process with an IPC channel: it sends `{ port }` once listening
 * on 127.0.0.1, and exits when the channel closes. Separate processes, like the service, so that
 * each server under test gets a core of its own the same way.
 */
import { fork } from 'node:child_process';

export interface ForkedServer {
  readonly port: number;
  stop(): Promise<void>;
}

/** `env` replaces the environment; a script that exits before listening rejects with its exit code. */
export function forkServer(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ForkedServer> {
  // stdout ignored: the report is this process's stdout. stderr shows a server's crash.
  const child = fork(file, [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`${file} exited with code ${code} before listening`)));
    child.once('message', (message) =>
      resolve({
        port: (message as { port: number }).port,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      }),
    );
  });
}
