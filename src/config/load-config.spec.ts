import { getMetadataStorage } from 'class-validator';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  DEFAULT_SQLITE_FILE,
  EnvironmentVariables,
  authSecretFilePath,
  loadConfig,
  parseEnv,
  type ConfigIssue,
  type Env,
} from './load-config';

/** Varied enough for production: a real secret is random bytes, base64url. */
const SECRET = 'k3Rz9QwTf0bLm2XpVn7YcAe5HuJs8GdE';
const METRICS_TOKEN = 'm'.repeat(32);
const MAKE_A_SECRET = `make one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`;
const OIDC = { OIDC_ISSUER_URL: 'https://login.council.example/', OIDC_CLIENT_ID: 'planner', OIDC_CLIENT_SECRET: 'client-secret-value' };

function configIssues(run: () => unknown): readonly ConfigIssue[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function issuesOf(run: () => unknown): string[] {
  return configIssues(run).map((i) => `${i.variable} ${i.rule}`);
}

/** `VARIABLE constraintName` for each rule `env` breaks. */
function brokenRules(env: Env): string[] {
  return configIssues(() => parseEnv(env)).map((i) => `${i.variable} ${i.constraint}`);
}

/** One bad input for every rule of EnvironmentVariables, and the whole issue it must give. */
const REFUSALS: Array<[Env, string]> = [
  [{ PORT: 'abc' }, 'PORT must be a whole number from 1 to 65535 (got "abc")'],
  [{ PORT: '0' }, 'PORT must be a whole number from 1 to 65535 (got "0")'],
  [{ PORT: '65536' }, 'PORT must be a whole number from 1 to 65535 (got "65536")'],
  [{ PORT: '80.5' }, 'PORT must be a whole number from 1 to 65535 (got "80.5")'],
  [{ EVENT_STORE: 'mongodb' }, 'EVENT_STORE must be one of sqlite, memory, kurrentdb, postgres (got "mongodb")'],
  [{ EVENT_STORE: 'postgres' }, 'POSTGRES_URL is required when EVENT_STORE=postgres'],
  [{ POSTGRES_SCHEMA: 'Engine-1' }, 'POSTGRES_SCHEMA must be a lower-case SQL identifier (a-z, 0-9, _; at most 47 characters)'],
  [{ NODE_ENV: 'prod' }, 'NODE_ENV must be one of development, test, production (got "prod")'],
  [{ EVENT_STORE: 'kurrentdb' }, 'KURRENTDB_CONNECTION_STRING is required when EVENT_STORE=kurrentdb'],
  [{ AUTH_SECRET: 'short' }, 'AUTH_SECRET must be at least 32 characters long (got 5)'],
  [{ AUTH_JWKS_URL: 'not a url', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' }, 'AUTH_JWKS_URL must be a URL (got "not a url")'],
  [
    { AUTH_JWKS_URL: 'http://idp.example/jwks', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' },
    'AUTH_JWKS_URL must be an https:// URL (http:// only to localhost outside production) (got "http://idp.example/jwks")',
  ],
  [
    { AUTH_JWKS_URL: 'http://127.0.0.1:8080/jwks', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', NODE_ENV: 'production' },
    'AUTH_JWKS_URL must be an https:// URL (http:// only to localhost outside production) (got "http://127.0.0.1:8080/jwks")',
  ],
  [{ AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_AUDIENCE: 'a' }, 'AUTH_ISSUER is required when AUTH_JWKS_URL is set'],
  [{ AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_ISSUER: 'i' }, 'AUTH_AUDIENCE is required when AUTH_JWKS_URL is set'],
  [{ AUTH_ISSUER: 'https://idp.example/' }, 'AUTH_ISSUER is only used with AUTH_JWKS_URL; set both or neither'],
  [{ AUTH_AUDIENCE: 'api' }, 'AUTH_AUDIENCE is only used with AUTH_JWKS_URL; set both or neither'],
  [{ AUTH_CLOCK_SKEW_SECONDS: '301' }, 'AUTH_CLOCK_SKEW_SECONDS must be a whole number from 0 to 300 (got "301")'],
  [{ AUTH_CLOCK_SKEW_SECONDS: '-1' }, 'AUTH_CLOCK_SKEW_SECONDS must be a whole number from 0 to 300 (got "-1")'],
  [{ AUTH_ROLE_CLAIM: 'my role' }, 'AUTH_ROLE_CLAIM must be a claim name without spaces, at most 200 characters (got "my role")'],
  [
    { AUTH_ORG_CLAIM: 'x'.repeat(201) },
    `AUTH_ORG_CLAIM must be a claim name without spaces, at most 200 characters (got "${'x'.repeat(60)}…")`,
  ],
  [{ RATE_LIMIT_WRITES_PER_MINUTE: '0' }, 'RATE_LIMIT_WRITES_PER_MINUTE must be a whole number from 1 to 1000000 (got "0")'],
  [{ RATE_LIMIT_WRITES_PER_MINUTE: 'lots' }, 'RATE_LIMIT_WRITES_PER_MINUTE must be a whole number from 1 to 1000000 (got "lots")'],
  [{ RATE_LIMIT_READS_PER_MINUTE: '0' }, 'RATE_LIMIT_READS_PER_MINUTE must be a whole number from 1 to 1000000 (got "0")'],
  [
    { AUTH_MAX_TOKEN_LIFETIME: '30d' },
    'AUTH_MAX_TOKEN_LIFETIME must be a span from 1m to 7d such as 90m, 12h or 3600 (seconds) (got "30d")',
  ],
  [
    { AUTH_MAX_TOKEN_LIFETIME: 'forever' },
    'AUTH_MAX_TOKEN_LIFETIME must be a span from 1m to 7d such as 90m, 12h or 3600 (seconds) (got "forever")',
  ],
  [{ ACCESS_LOG_RESET_ACKNOWLEDGED: 'yes' }, 'ACCESS_LOG_RESET_ACKNOWLEDGED must be true or false (got "yes")'],
  [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS must list origins such as https://planner.example, without paths or wildcards (got "*")'],
  [
    { CORS_ORIGINS: 'https://ok.example,https://planner.example/app' },
    'CORS_ORIGINS must list origins such as https://planner.example, without paths or wildcards (got "https://planner.example/app")',
  ],
  [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")'],
  [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT must be one of json, pretty (got "xml")'],
  [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN must be at least 32 characters long (got 5)'],
  [{ METRICS_PORT: '99999' }, 'METRICS_PORT must be a whole number from 1 to 65535 (got "99999")'],
  [{ METRICS_PORT: '3000' }, 'METRICS_PORT must differ from PORT (both 3000)'],
  [
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' },
    'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (the OTLP/HTTP collector)',
  ],
  [
    { EVENT_STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: 'https://admin:changeit@db' },
    'KURRENTDB_CONNECTION_STRING must start with one of kurrentdb://, kurrentdb+discover://, esdb://, esdb+discover://',
  ],
  [
    { EVENT_STORE: 'postgres', POSTGRES_URL: 'mysql://engine:secretpw@db' },
    'POSTGRES_URL must start with one of postgres://, postgresql://',
  ],
  [{ POSTGRES_MIGRATION_URL: 'mysql://owner:secretpw@db' }, 'POSTGRES_MIGRATION_URL must start with one of postgres://, postgresql://'],
  [{ NODE_ENV: 'production' }, `AUTH_SECRET is required when NODE_ENV=production (at least 32 characters; ${MAKE_A_SECRET})`],
  [
    { NODE_ENV: 'production', AUTH_SECRET: 'a'.repeat(32) },
    `AUTH_SECRET must be random: at least 12 different characters when NODE_ENV=production (got 1; ${MAKE_A_SECRET})`,
  ],
  [{ PORT: '99999999999999999999' }, 'PORT must be a whole number from 1 to 65535 (got "99999999999999999999")'],
  [{ RATE_LIMIT_READS_PER_MINUTE: '1000001' }, 'RATE_LIMIT_READS_PER_MINUTE must be a whole number from 1 to 1000000 (got "1000001")'],
  [{ AUTH_MAX_TOKEN_LIFETIME: '59' }, 'AUTH_MAX_TOKEN_LIFETIME must be a span from 1m to 7d such as 90m, 12h or 3600 (seconds) (got "59")'],
  [
    { CORS_ORIGINS: 'https://*.example, https://ok.example, https://planner.example/app' },
    'CORS_ORIGINS must list origins such as https://planner.example, without paths or wildcards (got "https://*.example", "https://planner.example/app")',
  ],
  [{ WORKFLOW_VERSION: '3' }, 'WORKFLOW_VERSION must be a registered version of support-planning: 1, 2 (got "3")'],
  [{ WORKFLOW_VERSION: 'v2' }, 'WORKFLOW_VERSION must be a registered version of support-planning: 1, 2 (got "v2")'],
  [{ PORT: '8080', METRICS_PORT: '8080' }, 'METRICS_PORT must differ from PORT (both 8080)'],
  [
    { ...OIDC, OIDC_CLIENT_SECRET: undefined },
    'OIDC_CLIENT_SECRET is required when any of OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET is set',
  ],
  [{ ...OIDC, OIDC_CLIENT_ID: '' }, 'OIDC_CLIENT_ID is required when any of OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET is set'],
  [{ ...OIDC, OIDC_ISSUER_URL: ' ' }, 'OIDC_ISSUER_URL is required when any of OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET is set'],
  [{ ...OIDC, OIDC_ISSUER_URL: 'login.council.example' }, 'OIDC_ISSUER_URL must be a URL (got "login.council.example")'],
  [
    { ...OIDC, OIDC_ISSUER_URL: 'http://localhost:4000', NODE_ENV: 'production', AUTH_SECRET: SECRET },
    'OIDC_ISSUER_URL must be an https:// URL (http:// only to localhost outside production) (got "http://localhost:4000")',
  ],
  [{ SESSION_SECRET: 'short-one' }, 'SESSION_SECRET must be at least 32 characters long (got 9)'],
  [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL must be an http:// or https:// URL (got "ftp://x")'],
];

describe('parseEnv', () => {
  it('applies the defaults when nothing is set', () => {
    expect(parseEnv({})).toEqual({
      port: 3000,
      eventStore: 'sqlite',
      sqliteFile: DEFAULT_SQLITE_FILE,
      kurrentdbConnectionString: undefined,
      postgresUrl: undefined,
      postgresMigrationUrl: undefined,
      postgresSchema: undefined,
      authSecret: undefined,
      nodeEnv: 'development',
      authJwksUrl: undefined,
      authIssuer: undefined,
      authAudience: undefined,
      authClockSkewSeconds: 30,
      authRoleClaim: 'role',
      authOrgClaim: 'org',
      rateLimitWritesPerMinute: 600,
      rateLimitReadsPerMinute: 3000,
      authMaxTokenLifetimeSeconds: 43_200,
      accessLogResetAcknowledged: false,
      corsOrigins: [],
      workflowVersion: 2,
      observability: {
        logLevel: 'info',
        logFormat: 'pretty',
        metricsToken: undefined,
        metricsPort: undefined,
        otlpEndpoint: undefined,
        serviceName: 'support-planning-engine',
      },
    });
  });

  it('reads every variable', () => {
    expect(
      parseEnv({
        PORT: '8080',
        EVENT_STORE: 'kurrentdb',
        SQLITE_FILE: '/var/lib/spe/events.db',
        KURRENTDB_CONNECTION_STRING: 'kurrentdb://node1:2113?tls=false',
        AUTH_SECRET: SECRET,
        NODE_ENV: 'production',
        AUTH_JWKS_URL: 'https://login.council.example/.well-known/jwks.json',
        AUTH_ISSUER: 'https://login.council.example/',
        AUTH_AUDIENCE: 'api://support-planning',
        AUTH_CLOCK_SKEW_SECONDS: '10',
        AUTH_ROLE_CLAIM: 'https://council.example/role',
        AUTH_ORG_CLAIM: 'tenant',
        RATE_LIMIT_WRITES_PER_MINUTE: '120',
        RATE_LIMIT_READS_PER_MINUTE: '900',
        AUTH_MAX_TOKEN_LIFETIME: '90m',
        ACCESS_LOG_RESET_ACKNOWLEDGED: 'true',
        CORS_ORIGINS: 'https://planner.council.example, http://localhost:5173',
        WORKFLOW_VERSION: '1',
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'pretty',
        METRICS_TOKEN: METRICS_TOKEN,
        METRICS_PORT: '9464',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
        OTEL_SERVICE_NAME: 'spe-council-a',
      }),
    ).toEqual({
      port: 8080,
      eventStore: 'kurrentdb',
      sqliteFile: '/var/lib/spe/events.db',
      kurrentdbConnectionString: 'kurrentdb://node1:2113?tls=false',
      postgresUrl: undefined,
      postgresMigrationUrl: undefined,
      postgresSchema: undefined,
      authSecret: SECRET,
      nodeEnv: 'production',
      authJwksUrl: 'https://login.council.example/.well-known/jwks.json',
      authIssuer: 'https://login.council.example/',
      authAudience: 'api://support-planning',
      authClockSkewSeconds: 10,
      authRoleClaim: 'https://council.example/role',
      authOrgClaim: 'tenant',
      rateLimitWritesPerMinute: 120,
      rateLimitReadsPerMinute: 900,
      authMaxTokenLifetimeSeconds: 5400,
      accessLogResetAcknowledged: true,
      corsOrigins: ['https://planner.council.example', 'http://localhost:5173'],
      workflowVersion: 1,
      observability: {
        logLevel: 'debug',
        logFormat: 'pretty',
        metricsToken: METRICS_TOKEN,
        metricsPort: 9464,
        otlpEndpoint: 'http://otel-collector:4318',
        serviceName: 'spe-council-a',
      },
    });
  });

  it('treats empty values as unset', () => {
    expect(parseEnv({ PORT: '', EVENT_STORE: ' ', SQLITE_FILE: '' })).toMatchObject({
      port: 3000,
      eventStore: 'sqlite',
      sqliteFile: DEFAULT_SQLITE_FILE,
    });
  });

  it.each(REFUSALS)('refuses %j naming the variable and the rule', (env, expected) => {
    expect(issuesOf(() => parseEnv(env))).toEqual([expected]);
  });

  it('has a refusal above for every rule of every variable', () => {
    const refused = new Set(REFUSALS.flatMap(([env]) => brokenRules(env)));
    const rules = getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
      .map((metadata) => `${metadata.propertyName} ${metadata.name}`);
    expect(rules.length).toBeGreaterThan(30);
    expect(rules.filter((rule) => !refused.has(rule))).toEqual([]);
  });

  it('reads the PostgreSQL variables', () => {
    expect(
      parseEnv({
        EVENT_STORE: 'postgres',
        POSTGRES_URL: 'postgres://engine:pw@db:5432/support',
        POSTGRES_MIGRATION_URL: 'postgresql://engine_owner:pw@db:5432/support',
        POSTGRES_SCHEMA: 'council_a',
      }),
    ).toMatchObject({
      postgresUrl: 'postgres://engine:pw@db:5432/support',
      postgresMigrationUrl: 'postgresql://engine_owner:pw@db:5432/support',
      postgresSchema: 'council_a',
    });
  });

  it('never quotes a secret or a connection string back', () => {
    const secrets = {
      EVENT_STORE: 'kurrentdb',
      KURRENTDB_CONNECTION_STRING: 'https://admin:changeit1@db',
      POSTGRES_URL: 'mysql://engine:changeit2@db',
      AUTH_SECRET: 'changeit3',
      METRICS_TOKEN: 'changeit4',
      SESSION_SECRET: 'changeit5',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://user:changeit6@collector',
      OIDC_CLIENT_SECRET: 'changeit7',
    };
    const issues = issuesOf(() => parseEnv(secrets));
    expect(issues).toHaveLength(8);
    expect(issues.join('\n')).not.toContain('changeit');
  });

  it('takes secrets exactly as given, and a secret of spaces as one too few different characters', () => {
    expect(parseEnv({ AUTH_SECRET: ` ${SECRET} ` }).authSecret).toBe(` ${SECRET} `);
    expect(issuesOf(() => parseEnv({ NODE_ENV: 'production', AUTH_SECRET: ' '.repeat(32) }))).toEqual([
      `AUTH_SECRET must be random: at least 12 different characters when NODE_ENV=production (got 1; ${MAKE_A_SECRET})`,
    ]);
  });

  it('wants a varied secret in production only', () => {
    expect(issuesOf(() => parseEnv({ NODE_ENV: 'production', AUTH_SECRET: 'abab'.repeat(8) }))).toHaveLength(1);
    // Outside production a test secret may be plain.
    expect(parseEnv({ NODE_ENV: 'test', AUTH_SECRET: 'a'.repeat(32) }).authSecret).toBe('a'.repeat(32));
    expect(parseEnv({ NODE_ENV: 'production', AUTH_SECRET: SECRET }).authSecret).toBe(SECRET);
  });

  it('writes JSON logs outside development unless LOG_FORMAT says otherwise', () => {
    expect(parseEnv({ NODE_ENV: 'production', AUTH_SECRET: SECRET }).observability.logFormat).toBe('json');
    expect(parseEnv({ NODE_ENV: 'test' }).observability.logFormat).toBe('json');
  });

  it('reads spans of token lifetime and the acknowledgement flag', () => {
    expect(parseEnv({ AUTH_MAX_TOKEN_LIFETIME: '7d' }).authMaxTokenLifetimeSeconds).toBe(7 * 86400);
    expect(parseEnv({ AUTH_MAX_TOKEN_LIFETIME: '60' }).authMaxTokenLifetimeSeconds).toBe(60);
    expect(parseEnv({ ACCESS_LOG_RESET_ACKNOWLEDGED: 'false' }).accessLogResetAcknowledged).toBe(false);
  });

  it('needs no AUTH_SECRET in production when tokens are verified through a JWKS', () => {
    const jwks = { AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_ISSUER: 'https://idp.example/', AUTH_AUDIENCE: 'spe' };
    expect(parseEnv({ NODE_ENV: 'production', ...jwks })).toMatchObject({ authSecret: undefined, authJwksUrl: jwks.AUTH_JWKS_URL });
  });

  it('allows a JWKS over plain http to localhost outside production (a test server, a sidecar)', () => {
    const env = { AUTH_JWKS_URL: 'http://127.0.0.1:4000/jwks', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' };
    expect(parseEnv(env).authJwksUrl).toBe('http://127.0.0.1:4000/jwks');
  });

  it('lists every bad variable at once, in a message without a stack trace', () => {
    const error = (() => {
      try {
        parseEnv({ PORT: 'x', EVENT_STORE: 'y' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      [
        'Invalid configuration:',
        '  - PORT must be a whole number from 1 to 65535 (got "x")',
        '  - EVENT_STORE must be one of sqlite, memory, kurrentdb, postgres (got "y")',
      ].join('\n'),
    );
  });
});

describe('the documentation', () => {
  const docs = [
    readFileSync('README.md', 'utf8'),
    ...readdirSync('docs')
      .filter((f) => f.endsWith('.md'))
      .map((f) => readFileSync(join('docs', f), 'utf8')),
  ];

  it.each(Object.keys(new EnvironmentVariables()))('has a row for %s in a configuration table', (variable) => {
    expect(docs.some((text) => text.includes(`| \`${variable}\``) || text.includes(`, \`${variable}\` |`))).toBe(true);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spe-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uses AUTH_SECRET when given and writes no file', () => {
    const sqliteFile = join(dir, 'events.db');
    const config = loadConfig({ AUTH_SECRET: SECRET, SQLITE_FILE: sqliteFile });
    expect(config.authSecret).toBe(SECRET);
    expect(config.authSecretSource).toBe('env');
    expect(() => statSync(authSecretFilePath(sqliteFile))).toThrow();
  });

  it('generates a secret beside the database once, mode 0600, and reuses it', () => {
    const sqliteFile = join(dir, 'nested', 'events.db');
    const first = loadConfig({ SQLITE_FILE: sqliteFile });
    const second = loadConfig({ SQLITE_FILE: sqliteFile });
    const file = join(dir, 'nested', 'auth-secret');

    expect(first.authSecretSource).toBe('generated');
    expect(first.authSecret?.length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.authSecret);
    expect(second.authSecretSource).toBe('file');
    expect(second.authSecret).toBe(first.authSecret);
  });

  it('refuses a secret file that holds too short a secret', () => {
    const sqliteFile = join(dir, 'events.db');
    writeFileSync(authSecretFilePath(sqliteFile), 'too-short\n');
    const [issue] = issuesOf(() => loadConfig({ SQLITE_FILE: sqliteFile }));
    expect(issue).toMatch(/^AUTH_SECRET is not set and the secret file .*auth-secret does not hold a secret/);
  });

  it('generates no secret file when tokens are verified through a JWKS', () => {
    const sqliteFile = join(dir, 'events.db');
    const config = loadConfig({ SQLITE_FILE: sqliteFile, AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' });
    expect(config.authSecret).toBeUndefined();
    expect(config.authSecretSource).toBe('none');
    expect(config).toMatchObject({ authIssuer: 'i', authAudience: 'a', authClockSkewSeconds: 30, rateLimitWritesPerMinute: 600 });
    expect(() => statSync(authSecretFilePath(sqliteFile))).toThrow();
  });

  it('does not generate a secret in production', () => {
    const sqliteFile = join(dir, 'events.db');
    expect(() => loadConfig({ NODE_ENV: 'production', SQLITE_FILE: sqliteFile })).toThrow(ConfigError);
    expect(() => statSync(authSecretFilePath(sqliteFile))).toThrow();
  });

  it('keeps the secret out of JSON', () => {
    const config = loadConfig({ AUTH_SECRET: SECRET, SQLITE_FILE: join(dir, 'events.db') });
    expect(JSON.stringify(config)).not.toContain(SECRET);
    expect(JSON.stringify(loadConfig({ AUTH_SECRET: SECRET, METRICS_TOKEN, SQLITE_FILE: join(dir, 'events.db') }))).not.toContain(
      METRICS_TOKEN,
    );
    expect(config.isProduction).toBe(false);
  });
});

describe('the pages’ variables', () => {
  const oidc = OIDC;

  it('reads the OIDC provider, the session secret and the public URL', () => {
    const parsed = parseEnv({ ...oidc, SESSION_SECRET: SECRET, PUBLIC_URL: 'https://care.council.example' });
    expect([parsed.oidc, parsed.sessionSecret, parsed.publicUrl]).toEqual([
      { issuerUrl: oidc.OIDC_ISSUER_URL, clientId: 'planner', clientSecret: 'client-secret-value' },
      SECRET,
      'https://care.council.example',
    ]);
  });

  it('wants all three OIDC variables or none', () => {
    expect(issuesOf(() => parseEnv({ OIDC_CLIENT_SECRET: 'client-secret-value' }))).toEqual([
      'OIDC_ISSUER_URL is required when any of OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET is set',
      'OIDC_CLIENT_ID is required when any of OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET is set',
    ]);
  });

  it('takes an http issuer only on this machine and never in production', () => {
    expect(parseEnv({ ...oidc, OIDC_ISSUER_URL: 'http://127.0.0.1:4000' }).oidc?.issuerUrl).toBe('http://127.0.0.1:4000');
    const [issue] = issuesOf(() => parseEnv({ ...oidc, OIDC_ISSUER_URL: 'http://idp.example', AUTH_SECRET: SECRET }));
    expect(issue).toMatch(/^OIDC_ISSUER_URL must be an https:\/\/ URL/);
  });

  it('derives a session secret from AUTH_SECRET when none is given, unlike it and stable', () => {
    const env = { AUTH_SECRET: SECRET, SQLITE_FILE: join(tmpdir(), 'unused', 'events.db') };
    const first = loadConfig(env);
    expect(first.sessionSecret).not.toBe(SECRET);
    expect(first.sessionSecret).toBe(loadConfig(env).sessionSecret);
    expect(first.publicUrl).toBe('http://localhost:3000');
    expect(JSON.stringify(first)).not.toContain(first.sessionSecret);
  });
});
