/** A temporary directory and a secret for one bench run: nothing is left behind or shared. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../../src/auth/actor';
import { signToken } from '../../../src/auth/tokens';

export interface Workspace {
  dir: string;
  file(name: string): string;
  authSecret: string;
  /** A bearer header for this run's secret. */
  bearer(sub: string, role: Role, organisation?: string): Promise<string>;
  remove(): void;
}

export function createWorkspace(prefix: string): Workspace {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const authSecret = randomBytes(32).toString('base64url');
  return {
    dir,
    file: (name) => join(dir, name),
    authSecret,
    bearer: async (sub, role, organisation) => `Bearer ${await signToken(authSecret, { sub, role, organisation, expiresIn: '8h' })}`,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
