export * from './actor';
export type { AuthenticatedRequest } from './authenticated-request';
export { AuthGuard } from './auth.guard';
export { AuthModule } from './auth.module';
export { CurrentActor } from './current-actor.decorator';
export { IS_PUBLIC_KEY, Public } from './public.decorator';
export * from './tokens';
export { TokenVerifier } from './token-verifier';
