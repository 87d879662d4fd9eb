import type { Ack, IntentDefinition, IntentEffects, JsonValue, ReducibleEvent, StateReader } from '@dungeon-lab/events';
import type { GameSystemPlugin } from '@dungeon-lab/plugin-api';
import { RejectReason } from '@dungeon-lab/protocol';
import type { Logger } from '../logger.ts';
import { rejection } from './acks.ts';

/** An intent's effects on the session's documents: its own `effects` where it has them, else `reduce` on the table ([EL16]). */
export function effectsOf(definition: IntentDefinition, event: ReducibleEvent<JsonValue>, table: StateReader, gm: StateReader | undefined): IntentEffects {
  return definition.effects ? definition.effects(event, table, gm) : { table: definition.reduce(event, table) };
}

/** The game system whose namespace an intent type is in (`plugin:<id>:…`). */
export function pluginFor(plugins: ReadonlyMap<string, GameSystemPlugin>, type: string): GameSystemPlugin | undefined {
  const m = /^plugin:([^:]+):/.exec(type);
  return m === null ? undefined : plugins.get(m[1]!);
}

/** A rule handler that throws is a bug in that intent type, not in the caller: reject, log, go on. */
export function ruleHandlerFailed(logger: Logger, sessionId: string, id: string, type: string, err: unknown): Ack {
  logger.error({ sessionId, type, err: String(err), stack: (err as Error).stack }, 'intent handler threw');
  return rejection(id, RejectReason.RuleViolation, `${type} could not be evaluated: ${(err as Error).message}`);
}
