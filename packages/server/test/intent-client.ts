/**
 * A minimal event-log client for server tests: a real socket on a session's
 * table room with the sidecar enabled, that submits intents and records acks,
 * `event-applied` broadcasts and catch-up answers as they arrive.
 */
import { type Ack, type ApprovalRequest, type Intent, type LogEntry, createIntent } from '@dungeon-lab/events';
import { PROTOCOL_VERSION, SIDECAR_QUERY_PARAM, decodeMessage, encodeMessage } from '@dungeon-lab/protocol';
import WebSocket from 'ws';
import { waitFor } from './helpers.ts';
import { bearer, ensureAccess, ensureMember, testToken } from './test-identity.ts';

export interface IntentClient {
  readonly acks: Map<string, Ack>;
  readonly applied: LogEntry[];
  readonly catchUps: Array<{ entries: LogEntry[]; latest: number; skipped: boolean }>;
  /** Approval requests sent to this socket (GMs only). */
  readonly requested: ApprovalRequest[];
  submit(...intents: Intent[]): void;
  /** Submits and waits for every ack, returned in input order. */
  request(...intents: Intent[]): Promise<Ack[]>;
  send(frame: Uint8Array): void;
  close(): Promise<void>;
}

export async function openIntentClient(
  wsUrl: string,
  sessionId: string,
  user: string,
  extra: Record<string, string> = {},
): Promise<IntentClient> {
  await ensureMember(wsUrl, sessionId, user);
  const params = new URLSearchParams({ [SIDECAR_QUERY_PARAM]: String(PROTOCOL_VERSION), token: testToken(user), ...extra });
  const ws = new WebSocket(`${wsUrl}/sessions/${sessionId}/table?${params}`);
  const acks = new Map<string, Ack>();
  const applied: LogEntry[] = [];
  const catchUps: IntentClient['catchUps'] = [];
  const requested: ApprovalRequest[] = [];
  ws.on('message', (data: Buffer) => {
    const msg = decodeMessage(new Uint8Array(data));
    if (msg.type === 'intent-ack') for (const ack of msg.acks as Ack[]) acks.set(ack.id, ack);
    if (msg.type === 'event-applied') applied.push(...(msg.entries as LogEntry[]));
    if (msg.type === 'approval-requested') requested.push(...(msg.approvals as ApprovalRequest[]));
    if (msg.type === 'catch-up-response') {
      catchUps.push({ entries: msg.entries as LogEntry[], latest: msg.latest, skipped: msg.skipped });
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const submit = (...intents: Intent[]) => ws.send(encodeMessage({ type: 'intent-submit', intents }));
  return {
    acks,
    applied,
    catchUps,
    requested,
    submit,
    async request(...intents) {
      submit(...intents);
      await waitFor(() => intents.every((i) => acks.has(i.id)), 10_000, 'acks');
      return intents.map((i) => acks.get(i.id)!);
    },
    send: (frame) => ws.send(frame),
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}

export const chat = (text: string): Intent => createIntent('chat:message', { text });

/** A call as `user` (a test-issuer bearer token), who is first made a member of the session the URL names. */
export async function getJson<T>(url: string, init: RequestInit = {}, user = 'tester'): Promise<{ status: number; body: T }> {
  await ensureAccess(url, new URL(url).pathname, user);
  const res = await fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...bearer(user) } });
  return { status: res.status, body: (await res.json()) as T };
}

export function postJson<T>(url: string, body: unknown, user = 'tester'): Promise<{ status: number; body: T }> {
  return getJson<T>(
    url,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    user,
  );
}
