import helmet, { type HelmetOptions } from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { securityHeadersOf } from './security-headers';

/** What helmet sets on a real response for these options, header names lower-cased as Node keeps them. */
function helmetOnARealResponse(options: HelmetOptions): Record<string, unknown> {
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  response.setHeader('X-Powered-By', 'something');
  helmet(options)(request, response, () => {});
  return { ...response.getHeaders() };
}

describe('securityHeadersOf', () => {
  it.each<[string, HelmetOptions]>([
    ['the defaults', {}],
    ['the engine’s options', { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }],
    ['a policy turned off', { contentSecurityPolicy: false, strictTransportSecurity: { maxAge: 60 } }],
  ])('sets exactly what helmet sets on a live response, with %s', (_name, options) => {
    const expected = helmetOnARealResponse(options);
    delete expected['x-powered-by'];
    expect(securityHeadersOf(options)).toEqual(expected);
  });

  it('carries the content security policy the pages rely on', () => {
    const headers = securityHeadersOf({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses a directive worked out per request, which one set of headers cannot hold', () => {
    const nonce = () => `'nonce-${Math.random()}'`;
    expect(() => securityHeadersOf({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'", nonce] } } })).toThrow(
      /scriptSrc is computed per request/,
    );
  });
});
