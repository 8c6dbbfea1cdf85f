/**
 * A small JSON client over node:http with keep-alive, for the benches and the soak. Keep-alive
 * matters: without it every command pays a TCP handshake and the figures measure the kernel,
 * not the engine. Only 127.0.0.1 is ever addressed.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface HttpAnswer<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request that never hears back is failed after this long, so every loop stays bounded. */
const REQUEST_TIMEOUT_MS = 30_000;

export class HttpClient {
  private readonly agent: Agent;

  /** `port` is read for every request: the soak restarts the server on a new port. */
  constructor(
    private readonly port: () => number,
    maxSockets = 64,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  get<T = unknown>(path: string, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
    return this.request<T>('GET', path, { headers });
  }

  post<T = unknown>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
    return this.request<T>('POST', path, { body, headers });
  }

  request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<HttpAnswer<T>> {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: Record<string, string | number> = { accept: 'application/json', ...options.headers };
    if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': payload.length });
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: this.port(), method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseBody<T>(chunks) }));
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer to ${method} ${path} within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Drops idle keep-alive sockets (after a server restart they point at a dead process). */
  reset(): void {
    this.agent.destroy();
  }

  close(): void {
    this.agent.destroy();
  }
}

function parseBody<T>(chunks: Buffer[]): T {
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as T;
  }
}
