/**
 * The audit log (docs/security.md [AL1]..[AL6]): critical operations and
 * every permission denial, stored durably per session, read by its GMs,
 * never in the way of what it records. Real server, real sockets, LevelDB.
 */
import { APPROVAL_RESOLVE_TYPE, type IntentDefinition, createIntent, valid } from '@dungeon-lab/events';
import type { GameSystemPlugin } from '@dungeon-lab/plugin-api';
import { encodeMessage, encodeRoomEnvelope } from '@dungeon-lab/protocol';
import type { Store } from '@dungeon-lab/store';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AuditEntry, RATE_LIMITS_OFF } from '../src/index.ts';
import { withFaults } from './faulty-store.ts';
import { type RunningServer, startServer, tempDir, waitFor } from './helpers.ts';
import { apiSession, call, upgrade } from './limits-client.ts';
import { openRaw } from './raw-client.ts';

const doom: IntentDefinition<{ target: string }> = {
  type: 'plugin:audited:doom',
  payload: z.object({ target: z.string() }),
  validate: () => valid,
  reduce: (e) => [{ op: 'add', path: `/actors/${e.payload.target}`, value: { doomed: true } }],
};
/** A game system whose one intent always needs the GM's approval. */
const audited: GameSystemPlugin = {
  id: 'audited',
  name: 'Audited',
  version: '1.0.0',
  intents: [doom],
  createStateEvent: (action) => createIntent(`plugin:audited:${action.kind}`, action.data),
  validateStateChange: () => valid,
  resolveConflict: () => ({ kind: 'reject', reason: 'changed' }),
  computeDerivedState: () => ({}),
  isCritical: () => ({ summary: 'someone is doomed' }),
};

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const running = await startServer({ checksumIntervalMs: 0, plugins: [audited], ...options });
  cleanups.push(() => running.stop());
  return running;
}

type Entry = AuditEntry & { id: string };
interface Page {
  entries: Entry[];
  next: string | null;
}

async function audit(url: string, sessionId: string, as = 'gm-ada', query = ''): Promise<Page> {
  const res = await call<Page>(url, 'GET', `/api/sessions/${sessionId}/audit${query}`, as);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const actions = (page: Page): string[] => page.entries.map((e) => e.action);

describe('what the audit log records', () => {
  it('[AL1][AL2][AL5] session created, members joined, promoted, demoted and removed: who, what, to whom, when — newest first, paged', async () => {
    const running = await serve();
    const t0 = Date.now();
    const s = await apiSession(running.url, 'gm-ada', ['mira', 'thorin']);
    expect((await call(running.url, 'PATCH', `/api/sessions/${s.id}/members/mira`, 'gm-ada', { role: 'gm' })).status).toBe(200);
    expect((await call(running.url, 'PATCH', `/api/sessions/${s.id}/members/mira`, 'gm-ada', { role: 'player' })).status).toBe(200);
    expect((await call(running.url, 'DELETE', `/api/sessions/${s.id}/members/thorin`, 'gm-ada')).status).toBe(200);

    const all = await audit(running.url, s.id);
    expect(all.next).toBeNull();
    expect(all.entries.map(({ actor, action, outcome, target, data }) => ({ actor, action, outcome, target, data }))).toEqual([
      { actor: 'gm-ada', action: 'member.removed', outcome: 'ok', target: 'thorin', data: { role: 'player' } },
      { actor: 'gm-ada', action: 'member.role-changed', outcome: 'ok', target: 'mira', data: { from: 'gm', to: 'player' } },
      { actor: 'gm-ada', action: 'member.role-changed', outcome: 'ok', target: 'mira', data: { from: 'player', to: 'gm' } },
      { actor: 'thorin', action: 'member.joined', outcome: 'ok', target: 'thorin', data: { role: 'player' } },
      { actor: 'mira', action: 'member.joined', outcome: 'ok', target: 'mira', data: { role: 'player' } },
      { actor: 'gm-ada', action: 'session.created', outcome: 'ok', target: undefined, data: { name: 'audited table' } },
    ]);
    const times = all.entries.map((e) => e.at);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(times.at(-1)!).toBeGreaterThanOrEqual(t0);
    expect(times[0]!).toBeLessThanOrEqual(Date.now());

    // Pages of two, each continuing from the previous one's `next`, add up to the whole log.
    const paged: string[] = [];
    let before = '';
    for (;;) {
      const page = await audit(running.url, s.id, 'gm-ada', `?limit=2${before}`);
      paged.push(...page.entries.map((e) => e.id));
      if (page.next === null) break;
      before = `&before=${encodeURIComponent(page.next)}`;
    }
    expect(paged).toEqual(all.entries.map((e) => e.id));
    // `before` may also be a time: only what happened earlier.
    const older = await audit(running.url, s.id, 'gm-ada', `?before=${all.entries[1]!.at}`);
    expect(older.entries.every((e) => e.at < all.entries[1]!.at)).toBe(true);
  });

  it('[AL1][AL6] every refusal is audited — upgrades, a multiplexed join, member changes, the approval queue, a wrong join code — but none for sessions that do not exist', async () => {
    const running = await serve();
    const s = await apiSession(running.url, 'gm-ada', ['mira', 'thorin']);
    const table = `sessions/${s.id}/table`;
    expect(await upgrade(running.wsUrl, table, 'mallory')).toMatchObject({ opened: false, status: 403 });
    expect(await upgrade(running.wsUrl, `sessions/${s.id}/gm`, 'mira')).toMatchObject({ opened: false, status: 403 });
    const mira = await openRaw(running.wsUrl, table, { user: 'mira', sidecar: true });
    cleanups.push(() => mira.ws.terminate());
    mira.send(encodeRoomEnvelope(`sessions/${s.id}/players/thorin`, encodeMessage({ type: 'sync-step1', stateVector: new Uint8Array([0]) })));
    await waitFor(() => mira.messages().some((m) => m.type === 'room' && m.message.type === 'error'), 5_000, 'the refused join');
    expect((await call(running.url, 'DELETE', `/api/sessions/${s.id}/members/thorin`, 'mira')).status).toBe(403);
    expect((await call(running.url, 'GET', `/api/sessions/${s.id}/approvals`, 'mira')).status).toBe(403);
    expect((await call(running.url, 'POST', `/api/sessions/${s.id}/join`, 'mallory', { joinCode: 'WRONGCODE0' })).status).toBe(403);
    expect((await call(running.url, 'GET', `/api/sessions/${s.id}/members`, 'mallory')).status).toBe(403);
    // A session that does not exist: refused the same way, but it gets no log.
    expect(await upgrade(running.wsUrl, 'sessions/NoSuchSession0000/table', 'mallory')).toMatchObject({ opened: false, status: 403 });
    expect((await call(running.url, 'GET', '/api/sessions/NoSuchSession0000/state', 'mallory')).status).toBe(403);

    const denied = (await audit(running.url, s.id)).entries.filter((e) => e.outcome === 'denied').reverse();
    expect(denied.map(({ actor, action, target, detail }) => ({ actor, action, target, detail }))).toEqual([
      { actor: 'mallory', action: 'room.refused', target: table, detail: 'upgrade' },
      { actor: 'mira', action: 'room.refused', target: `sessions/${s.id}/gm`, detail: 'upgrade' },
      { actor: 'mira', action: 'room.refused', target: `sessions/${s.id}/players/thorin`, detail: 'multiplexed join' },
      { actor: 'mira', action: 'api.refused', target: `DELETE /api/sessions/${s.id}/members/thorin`, detail: 'only a GM may change members' },
      { actor: 'mira', action: 'api.refused', target: `GET /api/sessions/${s.id}/approvals`, detail: 'only a GM sees the approval queue' },
      { actor: 'mallory', action: 'api.refused', target: `POST /api/sessions/${s.id}/join`, detail: 'wrong join code' },
      { actor: 'mallory', action: 'api.refused', target: `GET /api/sessions/${s.id}/members`, detail: 'not a member of this session' },
    ]);
    for (const e of denied) expect(e.ip).toBe('127.0.0.1');
    expect(await running.store.readAudit('NoSuchSession0000', { limit: 10 })).toEqual([]);
  });

  it('[AL1] checkpoints created and restored, approvals requested and resolved, and intents refused with permission-denied', async () => {
    const running = await serve();
    const s = await apiSession(running.url, 'gm-ada', ['mira']);
    const checkpoint = await call<{ id: string }>(running.url, 'POST', `/api/sessions/${s.id}/checkpoint`, 'mira', { name: 'before the dragon' });
    expect(checkpoint.status).toBe(201);
    expect((await call(running.url, 'POST', `/api/sessions/${s.id}/checkpoints/${checkpoint.body.id}/restore`, 'gm-ada')).status).toBe(200);

    const [request] = (await call<Array<{ sequence: number; status?: string }>>(running.url, 'POST', `/api/sessions/${s.id}/events`, 'mira', [
      createIntent('plugin:audited:doom', { target: 'goblin' }),
    ])).body;
    expect(request?.status).toBe('awaiting-approval');
    const [refused] = (await call<Array<{ success: boolean; reason?: string }>>(running.url, 'POST', `/api/sessions/${s.id}/events`, 'mira', [
      createIntent(APPROVAL_RESOLVE_TYPE, { sequence: request!.sequence, decision: 'approve' }),
    ])).body;
    expect(refused).toMatchObject({ success: false, reason: 'permission-denied' });
    const [resolved] = (await call<Array<{ success: boolean }>>(running.url, 'POST', `/api/sessions/${s.id}/events`, 'gm-ada', [
      createIntent(APPROVAL_RESOLVE_TYPE, { sequence: request!.sequence, decision: 'approve' }),
    ])).body;
    expect(resolved?.success).toBe(true);

    const entries = (await audit(running.url, s.id)).entries.filter((e) => !e.action.startsWith('member.') && e.action !== 'session.created').reverse();
    expect(entries.map(({ actor, action, outcome, target }) => ({ actor, action, outcome, target }))).toEqual([
      { actor: 'mira', action: 'checkpoint.created', outcome: 'ok', target: checkpoint.body.id },
      { actor: 'gm-ada', action: 'checkpoint.restored', outcome: 'ok', target: checkpoint.body.id },
      { actor: 'mira', action: 'approval.requested', outcome: 'ok', target: `#${request!.sequence}` },
      { actor: 'mira', action: 'intent.refused', outcome: 'denied', target: APPROVAL_RESOLVE_TYPE },
      { actor: 'gm-ada', action: 'approval.resolved', outcome: 'ok', target: `#${request!.sequence}` },
    ]);
    expect(entries[0]!.data).toEqual({ name: 'before the dragon', version: 0 });
    expect(entries[2]).toMatchObject({ detail: 'someone is doomed', data: { type: 'plugin:audited:doom', sequence: request!.sequence } });
    expect(entries[3]).toMatchObject({ detail: 'only a GM may resolve approvals' });
    expect(entries[4]!.data).toMatchObject({ decision: 'approved', requester: 'mira', type: 'plugin:audited:doom' });
  });
});

describe('who reads it, and how it holds up', () => {
  it('[AL5][API9] only GMs read the audit log: a player gets 403 (itself audited), a non-member 403, bad parameters 400', async () => {
    const running = await serve();
    const s = await apiSession(running.url, 'gm-ada', ['mira']);
    const path = `/api/sessions/${s.id}/audit`;
    expect((await call(running.url, 'GET', path, 'mira')).status).toBe(403);
    expect((await call(running.url, 'GET', path, 'mallory')).status).toBe(403);
    expect((await call(running.url, 'POST', path, 'gm-ada', {})).status).toBe(405);
    for (const query of ['?limit=0', '?limit=1001', '?limit=x', '?before=not-a-cursor']) {
      expect((await call(running.url, 'GET', `${path}${query}`, 'gm-ada')).status, query).toBe(400);
    }
    const refused = (await audit(running.url, s.id)).entries.filter((e) => e.outcome === 'denied');
    expect(refused.map((e) => [e.actor, e.action, e.detail])).toEqual([
      ['mallory', 'api.refused', 'not a member of this session'],
      ['mira', 'api.refused', 'only a GM may read the audit log'],
    ]);
  });

  it('[AL3] the audit log survives a restart', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    let running = await serve({ dataDir: dir.path });
    const s = await apiSession(running.url, 'gm-ada', ['mira']);
    expect((await call(running.url, 'DELETE', `/api/sessions/${s.id}/members/mira`, 'gm-ada')).status).toBe(200);
    const before = await audit(running.url, s.id);
    expect(actions(before)).toEqual(['member.removed', 'member.joined', 'session.created']);
    await running.stop();
    running = await serve({ dataDir: dir.path });
    expect(await audit(running.url, s.id)).toEqual(before);
  });

  it('[AL3] a failing audit store never fails or delays what it records; the entries land once the store is back', async () => {
    let failing = true;
    const failingAudit = (store: Store): Store => {
      // Every other method passes through to the real store.
      const wrapped = withFaults(store, {});
      wrapped.appendAudit = (log, records) => (failing ? Promise.reject(new Error('audit disk full')) : store.appendAudit(log, records));
      return wrapped;
    };
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (_o: object, msg?: string) => warnings.push(msg ?? '') };
    const running = await serve({ wrapStore: failingAudit, logger });
    const started = Date.now();
    const s = await apiSession(running.url, 'gm-ada', ['mira', 'thorin']);
    expect((await call(running.url, 'DELETE', `/api/sessions/${s.id}/members/thorin`, 'gm-ada')).status).toBe(200);
    expect((await call(running.url, 'GET', `/api/sessions/${s.id}/members/x`, 'mallory')).status).toBe(403);
    expect(Date.now() - started).toBeLessThan(2_000);
    await waitFor(() => warnings.includes('audit write failed; will retry'), 5_000, 'the failure logged');
    expect((await audit(running.url, s.id)).entries).toEqual([]);

    failing = false;
    const deadline = Date.now() + 10_000;
    while (actions(await audit(running.url, s.id)).length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(actions(await audit(running.url, s.id))).toEqual(['api.refused', 'member.removed', 'member.joined', 'member.joined', 'session.created']);
  });

  it('[AL4] denials beyond a user\'s budget are counted into one audit.suppressed entry, not stored one by one', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const limits = { ...RATE_LIMITS_OFF, auditDenials: { burst: 3, perSecond: 0.001 } };
    let running = await serve({ dataDir: dir.path, limits });
    const s = await apiSession(running.url, 'gm-ada', []);
    for (let i = 0; i < 10; i++) expect((await call(running.url, 'GET', `/api/sessions/${s.id}/members`, 'mallory')).status).toBe(403);
    // Another user's denials have their own budget.
    expect((await call(running.url, 'GET', `/api/sessions/${s.id}/members`, 'eve')).status).toBe(403);
    // Counted denials are written when the server stops (and once a minute while it runs).
    await running.stop();
    running = await serve({ dataDir: dir.path, limits });
    const entries = (await audit(running.url, s.id)).entries.filter((e) => e.outcome === 'denied');
    expect(entries.map((e) => [e.actor, e.action])).toEqual([
      ['mallory', 'audit.suppressed'],
      ['eve', 'api.refused'],
      ['mallory', 'api.refused'],
      ['mallory', 'api.refused'],
      ['mallory', 'api.refused'],
    ]);
    expect(entries[0]!.data).toEqual({ count: 7 });
  });
});
