/**
 * The Ed25519 key checkpoints are signed with: the PEM private key named by
 * AUDIT_SIGNING_KEY_FILE. Outside production, when it is unset, one is generated once beside the
 * event file (`<dir>/audit-signing-key.pem`, mode 0600) and reused, as the development auth
 * secret is; in production it must be given, so that a key is never silently invented there.
 *
 * Verifying never generates a key: a new key could only say "this is not the key it was signed
 * with". An auditor who keeps checkpoints should keep the public key with them too and pass it
 * as `--public-key`, so that even someone holding the engine's key file cannot re-sign history.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const SIGNING_KEY_FILE_NAME = 'audit-signing-key.pem';

export interface SigningKeySettings {
  /** AUDIT_SIGNING_KEY_FILE, when set. */
  signingKeyFile?: string;
  sqliteFile: string;
  production: boolean;
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  path: string;
  source: 'file' | 'generated';
}

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

export function defaultSigningKeyPath(sqliteFile: string): string {
  return join(dirname(sqliteFile), SIGNING_KEY_FILE_NAME);
}

/** The key to sign with: the configured file, or in development the generated one (made if missing). */
export function signingKeyForSigning(settings: SigningKeySettings): SigningKey {
  if (settings.signingKeyFile !== undefined) return readSigningKey(settings.signingKeyFile);
  if (settings.production) {
    throw new SigningKeyError('AUDIT_SIGNING_KEY_FILE is required in production: the PEM Ed25519 private key checkpoints are signed with');
  }
  return keepDevelopmentKey(defaultSigningKeyPath(settings.sqliteFile));
}

/** The public key to trust: `--public-key` when given, else the public half of the configured key (never made here). */
export function trustedPublicKey(settings: SigningKeySettings, publicKeyFile?: string): { key: KeyObject; path: string } {
  if (publicKeyFile !== undefined) return { key: readPublicKey(publicKeyFile), path: publicKeyFile };
  const path = settings.signingKeyFile ?? defaultSigningKeyPath(settings.sqliteFile);
  if (settings.signingKeyFile === undefined && settings.production) {
    throw new SigningKeyError('no key to verify with: pass --public-key <pem> or set AUDIT_SIGNING_KEY_FILE');
  }
  return { key: readSigningKey(path).publicKey, path };
}

function readSigningKey(path: string): SigningKey {
  const privateKey = parseKey(path, (pem) => createPrivateKey(pem), 'an Ed25519 private key (PEM)');
  return { privateKey, publicKey: createPublicKey(privateKey), path, source: 'file' };
}

function readPublicKey(path: string): KeyObject {
  // A private key file also gives its public half; either may be passed.
  return parseKey(path, (pem) => createPublicKey(pem), 'an Ed25519 public or private key (PEM)');
}

function parseKey(path: string, parse: (pem: string) => KeyObject, expected: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SigningKeyError(`the key file ${path} could not be read (${codeOf(error)})`);
  }
  let key: KeyObject;
  try {
    key = parse(pem);
  } catch {
    throw new SigningKeyError(`the key file ${path} does not hold ${expected}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`the key file ${path} does not hold ${expected}`);
  return key;
}

/**
 * Created exclusively ('wx'): two audit runs starting together cannot each write a different key;
 * the loser reads the winner's.
 */
function keepDevelopmentKey(path: string): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
    return { privateKey, publicKey: createPublicKey(privateKey), path, source: 'generated' };
  } catch (error) {
    if (codeOf(error) !== 'EEXIST') throw new SigningKeyError(`the signing key ${path} could not be written (${codeOf(error)})`);
  }
  return readSigningKey(path);
}

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'error';
}
