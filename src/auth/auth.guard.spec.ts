import { Controller, ExecutionContext, Get, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { UnauthenticatedError } from '../errors/domain-errors';
import { AuthGuard } from './auth.guard';
import { AuthenticatedRequest } from './authenticated-request';
import { Public } from './public.decorator';
import { TokenVerifier } from './token-verifier';
import { signToken } from './tokens';

const SECRET = 'a-test-secret-that-is-long-enough-0123';

@Controller()
class ProbeController {
  @Public()
  @Get('open')
  open(): void {}

  @Get('closed')
  closed(): void {}
}

@Public()
@Controller()
class OpenController {
  @Get()
  anything(): void {}
}

function contextFor(handler: keyof ProbeController | 'anything', request: AuthenticatedRequest): ExecutionContext {
  const controller = handler === 'anything' ? OpenController : ProbeController;
  return {
    getType: () => 'http',
    getHandler: () => (controller.prototype as unknown as Record<string, unknown>)[handler],
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

function request(authorization?: string): AuthenticatedRequest {
  return { method: 'GET', url: '/closed?name=Jane', headers: authorization ? { authorization } : {} };
}

describe('AuthGuard', () => {
  const config = new AppConfig({
    port: 3000,
    eventStore: 'memory',
    sqliteFile: ':memory:',
    authSecret: SECRET,
    authSecretSource: 'env',
    nodeEnv: 'test',
  });
  const guard = new AuthGuard(new Reflector(), TokenVerifier.fromConfig(config));
  let warn: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('lets a @Public() route through without a token', async () => {
    await expect(guard.canActivate(contextFor('open', request()))).resolves.toBe(true);
    await expect(guard.canActivate(contextFor('anything', request()))).resolves.toBe(true);
  });

  it('puts the verified actor on the request', async () => {
    const req = request(`Bearer ${await signToken(SECRET, { sub: 'alice', role: 'case-worker', organisation: 'leeds' })}`);
    await expect(guard.canActivate(contextFor('closed', req))).resolves.toBe(true);
    expect(req.actor).toEqual({ id: 'alice', role: 'case-worker', organisation: 'leeds' });
  });

  it('refuses a request without a token, and logs why without the query', async () => {
    await expect(guard.canActivate(contextFor('closed', request()))).rejects.toThrow(new UnauthenticatedError('missing bearer token'));
    expect(warn).toHaveBeenCalledWith('refused GET /closed: missing bearer token');
  });

  it('refuses a bad token and never logs it', async () => {
    const token = await signToken('another-secret-that-is-long-enough-xyz', { sub: 'mallory', role: 'auditor' });
    const req = request(`Bearer ${token}`);
    await expect(guard.canActivate(contextFor('closed', req))).rejects.toThrow(UnauthenticatedError);
    expect(req.actor).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).not.toContain(token);
  });
});
