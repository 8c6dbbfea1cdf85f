export * from './access-policy';
export { assertMayAccess, relationsOf, type JourneyRecord } from './journey-relations';
