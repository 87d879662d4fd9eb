export {
  type GameSystemPlugin,
  type UserAction,
  type StateChange,
  type ConflictResolution,
  type CriticalVerdict,
  type DerivedState,
  pluginIntentType,
  assertValidPlugin,
} from './plugin.ts';
export { setOp } from './set-op.ts';
export { isGm } from './roles.ts';
