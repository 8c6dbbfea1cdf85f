export * from './access-policy';
export {
  assertMayAccess,
  foldStreamRelations,
  relationsFrom,
  relationsOf,
  type JourneyRecord,
  type StreamRelations,
} from './journey-relations';
