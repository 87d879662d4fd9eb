import {
  APPROVAL_RESOLVE_TYPE,
  type Ack,
  type ApprovalDecisionPayload,
  type IntentContext,
  type IntentRegistry,
  type JsonPatchOp,
  type LogAudience,
  type LogEntry,
  type SessionRole,
  type StateEvent,
  type StateReader,
  payloadChecksum,
} from '@dungeon-lab/events';
import type { GameSystemPlugin } from '@dungeon-lab/plugin-api';
import { RejectReason } from '@dungeon-lab/protocol';
import type { EventLogStore } from '@dungeon-lab/store';
import type { Logger } from '../logger.ts';
import { LogUnavailableError, rejection } from './acks.ts';
import { ApprovalQueue, type PendingApproval, decodePendingApproval, encodePendingApproval, resolutionIdFor } from './approval-queue.ts';
import { effectsOf, pluginFor, ruleHandlerFailed } from './intent-rules.ts';
import { decodeLogEntry } from './log-codec.ts';
import { type LogWriter, entryOf } from './log-writer.ts';
import type { SessionDoc } from './session-doc.ts';

export interface ResolvedApproval {
  readonly target: LogEntry;
  readonly resolution: LogEntry;
  readonly edited: boolean;
}

/** The documents a decision is taken against. */
export interface DecisionDocs {
  readonly table: SessionDoc;
  /** Loaded for a GM's intent ([EL16]). */
  readonly gm: SessionDoc | null;
}

export interface ApprovalDeskOptions {
  readonly sessionId: string;
  readonly store: EventLogStore;
  readonly writer: LogWriter;
  readonly intents: IntentRegistry;
  readonly plugins: ReadonlyMap<string, GameSystemPlugin>;
  readonly roleOf: (userId: string) => Promise<SessionRole | null>;
  readonly now: () => number;
  readonly logger: Logger;
  /** Logs a decision's entry and applies it, as every entry is ([EL4]). */
  readonly commit: (entry: LogEntry, docs: DecisionDocs) => Promise<LogEntry>;
}

/**
 * A session's critical intents waiting for the GM ([EL13]..[EL15]): puts
 * them in the durable queue, decides them, and reloads the queue on
 * recovery, finishing a decision a crash interrupted.
 */
export class ApprovalDesk {
  readonly #opts: ApprovalDeskOptions;
  readonly #queue = new ApprovalQueue();

  constructor(opts: ApprovalDeskOptions) {
    this.#opts = opts;
  }

  /** The open requests, oldest first. */
  list(): PendingApproval[] {
    return this.#queue.list();
  }

  /** The pending sequence holding any of `entities`, if one does ([EL15]). */
  lockHolder(entities: readonly string[]): number | undefined {
    return this.#queue.lockHolder(entities);
  }

  /**
   * A critical intent is logged as awaiting approval and put in the durable
   * queue — the queue record first, so a crash in between leaves a record
   * without an entry (dropped on load), never an entry the GM cannot see ([EL13]).
   */
  async request(pending: PendingApproval): Promise<void> {
    const { store, sessionId, writer } = this.#opts;
    try {
      await store.putApproval(sessionId, { id: pending.entry.event.id, data: encodePendingApproval(pending) });
    } catch (err) {
      throw new LogUnavailableError(`approval queue write failed: ${String(err)}`);
    }
    await writer.append(pending.entry);
    this.#queue.add(pending);
  }

  /**
   * The GM's decision ([EL14]). Approving re-validates the intent against the
   * state now and recomputes its effect (or, edited, checks the GM's patch
   * with the game system); the decision is logged as its own event, whose
   * patch is what gets applied; then the original entry's status changes.
   * Resolves with the decision's ack and, when it settled a request, what was decided.
   */
  async resolve(
    requestId: string,
    decision: ApprovalDecisionPayload,
    gm: IntentContext,
    reader: StateReader,
    docs: DecisionDocs,
  ): Promise<{ ack: Ack; resolved: ResolvedApproval | null }> {
    const { intents, roleOf, sessionId, writer } = this.#opts;
    const unresolved = (ack: Ack) => ({ ack, resolved: null });
    const pending = this.#queue.get(decision.sequence);
    if (pending === undefined) return unresolved(await this.#alreadyResolved(requestId, decision));
    const target = pending.entry;
    const approve = decision.decision === 'approve';
    let patch: JsonPatchOp[] = [];
    let gmPatch: JsonPatchOp[] | undefined;
    let audience: LogAudience = target.audience ?? 'all';
    let edited = false;
    if (approve) {
      const definition = intents.get(target.event.type);
      if (definition === undefined) return unresolved(rejection(requestId, RejectReason.UnknownType, `${target.event.type} is no longer known`));
      const requesterRole = await roleOf(target.event.userId);
      // The requester's rules see the GM doc only if the requester is a GM, as when the intent arrived ([EL16]).
      const hidden = requesterRole === 'gm' && docs.gm !== null ? docs.gm.reader() : undefined;
      const requester: IntentContext = {
        userId: target.event.userId,
        sessionId,
        timestamp: this.#opts.now(),
        ...(requesterRole ? { role: requesterRole } : {}),
        ...(hidden ? { gm: hidden } : {}),
      };
      try {
        if (decision.patch !== undefined) {
          const plugin = pluginFor(this.#opts.plugins, target.event.type);
          const verdict = plugin
            ? plugin.validateStateChange({ event: target.event, patch: decision.patch }, reader, gm)
            : { ok: true as const };
          if (!verdict.ok) return unresolved(rejection(requestId, verdict.reason, `edited effect refused: ${verdict.detail}`));
          patch = decision.patch.slice();
          edited = true;
        } else {
          const still = definition.validate(target.event.payload, reader, requester);
          if (!still.ok) return unresolved(rejection(requestId, RejectReason.RuleViolation, `no longer valid: ${still.detail}`));
          const effects = effectsOf(definition, target.event, reader, hidden);
          patch = effects.table;
          gmPatch = effects.gm;
          if (effects.audience === 'gm') audience = 'gm';
        }
      } catch (err) {
        return unresolved(ruleHandlerFailed(this.#opts.logger, sessionId, requestId, target.event.type, err));
      }
    }
    const sequence = (await writer.latest()) + 1;
    const payload = {
      sequence: target.event.sequence,
      id: target.event.id,
      decision: approve ? 'approved' : 'denied',
      request: requestId,
      edited,
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
    };
    const event: StateEvent = {
      id: resolutionIdFor(target.event.id),
      sequence,
      timestamp: gm.timestamp,
      type: APPROVAL_RESOLVE_TYPE,
      payload,
      userId: gm.userId,
      sessionId,
      checksum: payloadChecksum(payload),
    };
    // The decision on a GM-only entry is GM-only too ([EL17]).
    const resolution = await this.#opts.commit(entryOf(event, 'applied', patch, gmPatch, audience), docs);
    if (resolution.status !== 'applied') return unresolved(rejection(requestId, RejectReason.Conflict, resolution.reason ?? 'state changed'));
    const settled = await this.#settle(pending, resolution);
    return { ack: { id: requestId, success: true, sequence }, resolved: { target: settled, resolution, edited } };
  }

  /**
   * Reloads the durable queue ([EL13]): drops a record whose entry was never
   * logged (the intent was never acked), and finishes a decision that was
   * logged but not yet marked.
   */
  async load(): Promise<void> {
    const { store, sessionId } = this.#opts;
    for (const record of await store.listApprovals(sessionId)) {
      const pending = decodePendingApproval(record.data);
      if (this.#queue.get(pending.entry.event.sequence) !== undefined) continue;
      if ((await store.eventById(sessionId, record.id)) === null) {
        await store.deleteApproval(sessionId, record.id);
        continue;
      }
      const resolution = await store.eventById(sessionId, resolutionIdFor(record.id));
      if (resolution !== null) {
        await this.#settle(pending, decodeLogEntry(resolution.data));
        continue;
      }
      this.#queue.add(pending);
    }
  }

  /** Marks the original entry approved/denied and drops it from the queue; idempotent (also run on recovery). */
  async #settle(pending: PendingApproval, resolution: LogEntry): Promise<LogEntry> {
    const { store, sessionId, writer } = this.#opts;
    const p = resolution.event.payload as { decision: 'approved' | 'denied'; reason?: string };
    const settled: LogEntry = {
      ...pending.entry,
      status: p.decision,
      resolvedBy: resolution.event.userId,
      resolvedAt: resolution.event.timestamp,
      ...(p.reason !== undefined ? { reason: p.reason } : {}),
    };
    await writer.replace(settled);
    await store.deleteApproval(sessionId, settled.event.id);
    this.#queue.remove(settled.event.sequence);
    return settled;
  }

  /** A decision on something no longer pending: the same decision again succeeds, another one conflicts. */
  async #alreadyResolved(requestId: string, decision: ApprovalDecisionPayload): Promise<Ack> {
    const { store, sessionId } = this.#opts;
    const [target] = await store.readEvents(sessionId, decision.sequence, 1);
    const entry = target && target.sequence === decision.sequence ? decodeLogEntry(target.data) : null;
    if (entry === null) return rejection(requestId, RejectReason.RuleViolation, `no entry #${decision.sequence}`);
    const stored = await store.eventById(sessionId, resolutionIdFor(entry.event.id));
    if (stored === null) return rejection(requestId, RejectReason.RuleViolation, `#${decision.sequence} is not waiting for approval`);
    const resolution = decodeLogEntry(stored.data);
    const decided = (resolution.event.payload as { decision: string }).decision;
    if (decided === (decision.decision === 'approve' ? 'approved' : 'denied')) {
      return { id: requestId, success: true, sequence: resolution.event.sequence };
    }
    return rejection(requestId, RejectReason.Conflict, `#${decision.sequence} was already ${decided} by ${resolution.event.userId}`);
  }
}
