/**
 * Prints a bearer token for trying the API:
 *   npm run -s token -- --sub alice --role case-worker [--org leeds] [--on-behalf-of <id>] [--expires-in 8h]
 * It reads the same configuration as the service (AUTH_SECRET, or the development secret kept
 * beside SQLITE_FILE), so a token printed here is accepted by `npm start` on this machine. With
 * AUTH_JWKS_URL set the engine only accepts the identity provider's tokens, and this refuses.
 * Only the token goes to stdout, so `TOKEN=$(npm run -s token -- ...)` works.
 */
import { parseArgs } from 'node:util';
import { ROLES, Role, isInternalRole, isRole } from '../src/auth/actor';
import { CLAIMS, signToken } from '../src/auth/tokens';
import { messageOf, UsageError } from '../src/common/cli';
import { ConfigError, loadConfig } from '../src/config/load-config';

const USAGE =
  'usage: npm run -s token -- --sub <id> --role <role> [--org <organisation>] [--on-behalf-of <id>] [--expires-in 8h]\n' +
  `roles: ${ROLES.filter((r) => !isInternalRole(r)).join(', ')}`;

interface TokenArgs {
  sub: string;
  role: Role;
  organisation?: string;
  onBehalfOf?: string;
  expiresIn: string;
}

function parseTokenArgs(argv: string[]): TokenArgs {
  const values = parseOptions(argv);
  if (values.help) throw new UsageError('');
  if (!values.sub) throw new UsageError('--sub is required');
  if (!isRole(values.role) || isInternalRole(values.role)) throw new UsageError('--role must be one of the roles below');
  return {
    sub: values.sub,
    role: values.role,
    organisation: values.org,
    onBehalfOf: values['on-behalf-of'],
    expiresIn: values['expires-in'] ?? '8h',
  };
}

function parseOptions(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        sub: { type: 'string' },
        role: { type: 'string' },
        org: { type: 'string' },
        'on-behalf-of': { type: 'string' },
        'expires-in': { type: 'string', default: '8h' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
}

async function main(): Promise<void> {
  const args = parseTokenArgs(process.argv.slice(2));
  const config = loadConfig(process.env);
  // With a JWKS the engine refuses its own HS256 tokens: one printed here would only mislead.
  if (config.authJwksUrl !== undefined || config.authSecret === undefined) {
    throw new UsageError('AUTH_JWKS_URL is set: get a token from the identity provider instead');
  }
  const claims = { ...CLAIMS, role: config.authRoleClaim, organisation: config.authOrgClaim };
  process.stdout.write(`${await signToken(config.authSecret, { ...args, claims })}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message ? `${error.message}\n` : ''}${USAGE}\n`);
  } else if (error instanceof ConfigError || error instanceof RangeError) {
    // Bad configuration or arguments: the message says what to fix; a stack would only hide it.
    process.stderr.write(`${error.message}\n`);
  } else {
    throw error;
  }
  // 1, not EXIT.usage: scripts that call `npm run token` have always seen 1 for any refusal.
  process.exitCode = 1;
});
