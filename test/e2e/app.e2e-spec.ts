import { Body, Controller, Get, INestApplication, Post, Query } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { SignJWT, UnsecuredJWT } from 'jose';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { NEST_APP_OPTIONS, configureApp, httpAdapter, readyForRequests } from '../../src/app-setup';
import { Actor } from '../../src/auth/actor';
import { CurrentActor } from '../../src/auth/current-actor.decorator';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, signToken } from '../../src/auth/tokens';
import { JourneyNotFoundError, TransitionRefusedError } from '../../src/errors/domain-errors';
import { EventStore } from '../../src/event-store/event-store';

const SECRET = 'e2e-secret-that-is-long-enough-0123456789';
const OTHER_SECRET = 'some-other-secret-that-is-long-enough';
const ALICE = { sub: 'alice', role: 'case-worker' } as const;
const OUTSIDE_ROLES = 'case-worker, approver, senior-approver, advocate, person, auditor';

class SupportDto {
  @IsString()
  description!: string;

  @IsInt()
  @Min(0)
  costPence!: number;
}

class ProbeDataDto {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SupportDto)
  supports!: SupportDto[];
}

class ProbeBody {
  @ValidateNested()
  @Type(() => ProbeDataDto)
  data!: ProbeDataDto;
}

/** A protected controller added beside the real AppModule, to drive the pipe and the filter. */
@Controller('e2e-probe')
class ProbeController {
  @Post()
  record(@Body() body: ProbeBody, @CurrentActor() actor: Actor): { actor: Actor; total: number } {
    return { actor, total: body.data.supports.reduce((sum, s) => sum + s.costPence, 0) };
  }

  @Get('fail')
  fail(@Query('with') kind: string): never {
    if (kind === 'not-found') throw new JourneyNotFoundError('6f1c2b8e-0d7a-4c1e-9d3e-5b0a1f2e3d4c');
    if (kind === 'refused') {
      throw new TransitionRefusedError({ event: 'PlanApproved', state: 'referral', reason: 'no plan', allowed: ['AssessmentStarted'] });
    }
    throw new Error('SQLITE_ERROR: near "SELEC": syntax error in SELEC * FROM events');
  }
}

async function buildApp(edit?: (builder: ReturnType<typeof Test.createTestingModule>) => void): Promise<INestApplication> {
  const builder = Test.createTestingModule({ imports: [AppModule], controllers: [ProbeController] });
  edit?.(builder);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication(httpAdapter(), { ...NEST_APP_OPTIONS, logger: false });
  await configureApp(app);
  await app.init();
  await readyForRequests(app);
  return app;
}

/** A token as signToken makes it, then changed in one respect. */
function craftedToken(edit: (jwt: SignJWT) => SignJWT, role = 'case-worker', secret = SECRET): Promise<string> {
  const jwt = new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1h');
  return edit(jwt).sign(new TextEncoder().encode(secret));
}

describe('the app (AppModule + configureApp, SQLite in a temp dir)', () => {
  const savedEnv = { ...process.env };
  let dir: string;
  let app: INestApplication;
  let token: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spe-e2e-'));
    Object.assign(process.env, { NODE_ENV: 'test', EVENT_STORE: 'sqlite', SQLITE_FILE: join(dir, 'events.db'), AUTH_SECRET: SECRET });
    app = await buildApp();
    token = await signToken(SECRET, { sub: 'alice', role: 'case-worker', organisation: 'leeds' });
  });

  afterAll(async () => {
    await app?.close();
    process.env = savedEnv;
    rmSync(dir, { recursive: true, force: true });
  });

  const http = () => request(app.getHttpServer());

  describe('/health', () => {
    it('answers 200 without a token, with the store up', async () => {
      const response = await http().get('/health').expect(200);
      expect(response.body).toMatchObject({ status: 'ok', details: { eventStore: { status: 'up' }, process: { status: 'up' } } });
    });

    it('answers liveness without a token', async () => {
      await http().get('/health/live').expect(200);
    });
  });

  describe('authentication', () => {
    it('accepts a valid token and takes the actor from it', async () => {
      const response = await http().get('/auth/whoami').set('Authorization', `Bearer ${token}`).expect(200);
      expect(response.body).toEqual({ id: 'alice', role: 'case-worker', organisation: 'leeds' });
    });

    it('refuses a request without a token: 401, the reason, a Bearer challenge', async () => {
      const response = await http().get('/auth/whoami').expect(401);
      expect(response.body).toEqual({ statusCode: 401, error: 'AUTH.UNAUTHENTICATED', message: 'missing bearer token' });
      expect(response.headers['www-authenticate']).toBe('Bearer realm="support-planning-engine"');
    });

    const anHourAgo = (): Date => new Date(Date.now() - 3600_000);
    const unsigned = (): string =>
      new UnsecuredJWT({ role: 'auditor' })
        .setSubject('alice')
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setExpirationTime('1h')
        .encode();
    const refusals: [string, () => Promise<string>, string][] = [
      ['a bad signature', () => craftedToken((j) => j, 'case-worker', OTHER_SECRET), 'token signature is not valid'],
      ['an expired token', () => signToken(SECRET, { ...ALICE, expiresIn: '5m', now: anHourAgo() }), 'token has expired'],
      ['a wrong audience', () => craftedToken((j) => j.setAudience('another-service')), 'token is for another audience'],
      ['alg none', async () => unsigned(), 'token algorithm is not allowed (only HS256)'],
      ['an unknown role', () => craftedToken((j) => j, 'admin'), `token has an unknown role; expected one of ${OUTSIDE_ROLES}`],
      ['the system role', () => craftedToken((j) => j, 'system'), "role system is the engine's own and cannot be claimed by a token"],
      ['garbage', async () => 'not.a.token', 'token is malformed'],
    ];

    it.each(refusals)('refuses %s with 401 saying why, never echoing the token', async (_label, make, reason) => {
      const bad = await make();
      const response = await http().get('/auth/whoami').set('Authorization', `Bearer ${bad}`).expect(401);
      expect(response.body).toEqual({ statusCode: 401, error: 'AUTH.UNAUTHENTICATED', message: reason });
      expect(response.text).not.toContain(bad);
    });

    it('refuses a token sent with another scheme', async () => {
      const response = await http().get('/auth/whoami').set('Authorization', `Token ${token}`).expect(401);
      expect(response.body.message).toBe('authorization header is not of the form "Bearer <token>"');
    });

    it('protects a POST route too, before looking at the body', async () => {
      await http()
        .post('/e2e-probe')
        .send({ data: { supports: [] } })
        .expect(401);
    });
  });

  describe('errors', () => {
    const authed = (req: request.Test): request.Test => req.set('Authorization', `Bearer ${token}`);

    it('answers an unknown route with a JSON 404', async () => {
      const response = await authed(http().get('/no-such-route')).expect(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({ statusCode: 404, error: 'HTTP.NOT_FOUND', message: 'Cannot GET /no-such-route' });
    });

    it('passes a valid body through the pipe as the DTO', async () => {
      const body = {
        data: {
          supports: [
            { description: 'PA hours', costPence: 1200 },
            { description: 'day centre', costPence: 800 },
          ],
        },
      };
      const response = await authed(http().post('/e2e-probe')).send(body).expect(201);
      expect(response.body).toEqual({ actor: { id: 'alice', role: 'case-worker', organisation: 'leeds' }, total: 2000 });
    });

    it('answers a bad body with 400 naming each field by its path and the rule', async () => {
      const body = { data: { supports: [{ description: 'PA hours', costPence: 12.5 }] }, actor: { id: 'mallory' } };
      const response = await authed(http().post('/e2e-probe')).send(body).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'REQUEST.INVALID_INPUT' });
      expect(response.body.details).toEqual(
        expect.arrayContaining([
          { field: 'data.supports.0.costPence', rule: 'isInt', message: 'data.supports.0.costPence must be an integer number' },
          { field: 'actor', rule: 'whitelistValidation', message: 'property actor should not exist' },
        ]),
      );
      expect(response.body.details).toHaveLength(2);
    });

    it('answers malformed JSON with 400 without quoting the body', async () => {
      const response = await authed(http().post('/e2e-probe'))
        .set('Content-Type', 'application/json')
        .send('{"data": {"name": "Jane Doe",')
        .expect(400);
      expect(response.body).toEqual({ statusCode: 400, error: 'REQUEST.MALFORMED_BODY', message: 'request body is not valid JSON' });
      expect(response.text).not.toContain('Jane');
    });

    it('answers a body over 256kb with 413', async () => {
      const huge = { data: { supports: [{ description: 'x'.repeat(300 * 1024), costPence: 1 }] } };
      const response = await authed(http().post('/e2e-probe')).send(huge).expect(413);
      expect(response.body).toEqual({
        statusCode: 413,
        error: 'REQUEST.TOO_LARGE',
        message: 'request body is larger than 256kb',
        limit: '256kb',
      });
    });

    it.each([
      ['text/plain', 'data=1'],
      ['application/x-www-form-urlencoded', 'data=1'],
      ['application/xml', '<data/>'],
    ])('answers a %s body with 415', async (contentType, body) => {
      const response = await authed(http().post('/e2e-probe')).set('Content-Type', contentType).send(body).expect(415);
      expect(response.body).toEqual({
        statusCode: 415,
        error: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        message: 'request body must be application/json',
      });
    });

    it('maps a domain error thrown by a controller', async () => {
      await authed(http().get('/e2e-probe/fail?with=not-found')).expect(404, {
        statusCode: 404,
        error: 'JOURNEY.NOT_FOUND',
        message: 'journey 6f1c2b8e-0d7a-4c1e-9d3e-5b0a1f2e3d4c not found',
        journeyId: '6f1c2b8e-0d7a-4c1e-9d3e-5b0a1f2e3d4c',
      });
      const refused = await authed(http().get('/e2e-probe/fail?with=refused')).expect(409);
      expect(refused.body).toMatchObject({ state: 'referral', reason: 'no plan', allowed: ['AssessmentStarted'] });
    });

    it('answers an unexpected error with a generic 500: no stack, no SQL', async () => {
      const response = await authed(http().get('/e2e-probe/fail?with=bug')).expect(500);
      expect(response.body).toEqual({ statusCode: 500, error: 'INTERNAL', message: 'internal error; it has been logged' });
      expect(response.text).not.toMatch(/SQLITE|SELEC|at .*\.ts/);
    });
  });

  describe('hardening', () => {
    it('sends security headers and no X-Powered-By', async () => {
      const response = await http().get('/health').expect(200);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['content-security-policy']).toContain("default-src 'self'");
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(response.headers['x-powered-by']).toBeUndefined();
    });

    it('keeps CORS closed', async () => {
      const response = await http().get('/health').set('Origin', 'https://evil.example').expect(200);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('/docs', () => {
    it('serves the Swagger UI without a token', async () => {
      const response = await http().get('/docs').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.text).toContain('swagger-ui');
    });

    it('serves the OpenAPI document with the bearer scheme', async () => {
      const response = await http().get('/docs/json').expect(200);
      expect(response.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(Object.keys(response.body.paths)).toEqual(expect.arrayContaining(['/health', '/auth/whoami']));
    });
  });
});

describe('the app with a store that does not answer', () => {
  const savedEnv = { ...process.env };
  let app: INestApplication;

  beforeAll(async () => {
    Object.assign(process.env, { NODE_ENV: 'test', EVENT_STORE: 'memory', AUTH_SECRET: SECRET });
    const failing = {
      ping: () => Promise.reject(new Error('SQLITE_CANTOPEN /var/lib/x')),
      close: () => Promise.resolve(),
      adapter: () => failing,
    };
    app = await buildApp((builder) => builder.overrideProvider(EventStore).useValue(failing));
  });

  afterAll(async () => {
    await app?.close();
    process.env = savedEnv;
  });

  it('answers /health with 503 naming the check that is down, and no cause', async () => {
    const response = await request(app.getHttpServer()).get('/health').expect(503);
    expect(response.body).toMatchObject({
      statusCode: 503,
      error: 'SERVICE.NOT_READY',
      message: 'not ready: eventStore down',
      checks: { eventStore: { status: 'down', message: 'the event store did not answer' } },
    });
    expect(response.headers['retry-after']).toBe('5');
    expect(response.text).not.toContain('/var/lib');
  });
});
