import { Actor } from './actor';

/**
 * The little of the HTTP request that auth reads, typed here so that auth does not depend on the
 * HTTP platform's types. The guard sets `actor`; nothing else may.
 */
export interface AuthenticatedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  actor?: Actor;
}
