/**
 * A node:http server that reads each body and answers 201 with a small JSON object, doing nothing
 * else: the floor under any HTTP service on this machine, measured with the benches' own client.
 * A separate process, like the service, so that it gets a core of its own the same way.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forkServer, type ForkedServer } from './forked-server';

export type NoopServer = ForkedServer;

// Plain JavaScript: the process must carry no compiler, as the service's does not.
const SERVER_JS = `const { createServer } = require('node:http');
const server = createServer((request, response) => {
  request.on('data', () => {});
  request.on('end', () => {
    response.writeHead(201, { 'content-type': 'application/json; charset=utf-8' });
    response.end('{"ok":true}');
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
`;

export function startNoopServer(dir: string): Promise<NoopServer> {
  const file = join(dir, 'noop-server.js');
  writeFileSync(file, SERVER_JS);
  return forkServer(file);
}
