/**
 * Sign-in with the council's or NHS body's identity provider: OpenID Connect, authorization code
 * with PKCE (S256), state and nonce, with `openid-client`. The provider is discovered once from
 * OIDC_ISSUER_URL (its keys and endpoints); the ID token is checked by openid-client (signature,
 * issuer, audience, expiry, nonce), then its claims are read exactly as the API reads a token's
 * (role and organisation from AUTH_ROLE_CLAIM and AUTH_ORG_CLAIM).
 */
import { Injectable } from '@nestjs/common';
import { generators, Issuer, type BaseClient } from 'openid-client';
import type { Actor } from '../auth/actor';
import { actorOf, CLAIMS } from '../auth/tokens';
import { AppConfig } from '../config/app-config';
import { UnauthenticatedError } from '../errors/domain-errors';
import { SignInFailedError } from './page-errors';
import type { PageSession } from './page-session';

export const CALLBACK_PATH = '/app/auth/callback';

export interface SignInStart {
  url: string;
  pending: NonNullable<PageSession['oidc']>;
}

@Injectable()
export class OidcSignIn {
  private client: Promise<BaseClient> | null = null;

  constructor(private readonly config: AppConfig) {}

  get enabled(): boolean {
    return this.config.oidc !== undefined;
  }

  private get redirectUri(): string {
    return `${this.config.publicUrl}${CALLBACK_PATH}`;
  }

  /** Discovered on first use, and again after a failure (the provider may have been down). */
  private discover(): Promise<BaseClient> {
    const settings = this.config.oidc;
    if (settings === undefined) throw new SignInFailedError('sign-in with an identity provider is not set up');
    this.client ??= Issuer.discover(settings.issuerUrl).then(
      (issuer) =>
        new issuer.Client({
          client_id: settings.clientId,
          client_secret: settings.clientSecret,
          redirect_uris: [this.redirectUri],
          response_types: ['code'],
        }),
    );
    this.client.catch(() => {
      this.client = null;
    });
    return this.client;
  }

  /** Where to send the browser, and what the callback must find in the session. */
  async start(): Promise<SignInStart> {
    const client = await this.discover().catch(() => {
      throw new SignInFailedError('the identity provider could not be reached');
    });
    const pending = { state: generators.state(), nonce: generators.nonce(), codeVerifier: generators.codeVerifier() };
    const url = client.authorizationUrl({
      scope: 'openid',
      redirect_uri: this.redirectUri,
      code_challenge: generators.codeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url, pending };
  }

  /** The provider's answer, checked against what `start` kept; the actor its ID token proves. */
  async finish(query: Record<string, unknown>, pending: PageSession['oidc']): Promise<Actor> {
    if (pending === undefined) throw new SignInFailedError('the sign-in was not started here, or took too long');
    const client = await this.discover();
    const params = client.callbackParams(`${CALLBACK_PATH}?${new URLSearchParams(query as Record<string, string>).toString()}`);
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.callback(this.redirectUri, params, {
        state: pending.state,
        nonce: pending.nonce,
        code_verifier: pending.codeVerifier,
      });
      claims = tokens.claims() as Record<string, unknown>;
    } catch (error) {
      throw new SignInFailedError(`the identity provider's answer was refused (${(error as Error).message})`);
    }
    try {
      return actorOf(claims, { ...CLAIMS, role: this.config.authRoleClaim, organisation: this.config.authOrgClaim });
    } catch (error) {
      if (error instanceof UnauthenticatedError)
        throw new SignInFailedError(`your account cannot use this service: ${error.message.replace(/^token /, 'it ')}`);
      throw error;
    }
  }
}
