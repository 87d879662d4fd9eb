import type { JsonObject } from '@dungeon-lab/events';
import { decodeMessage, type ProtocolMessage } from '@dungeon-lab/protocol';
import type { TestServer } from './server-harness.fixture.ts';
import type { SessionClient } from './session-client.ts';

/** Test support: the server's event-log REST API ([EL7]). */

export interface ServerEvent {
  readonly id: string;
  readonly sequence: number;
  readonly type: string;
  readonly userId: string;
  readonly payload: unknown;
  readonly status: string;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Every logged event of a session, in sequence order. */
export async function serverEvents(server: TestServer, sessionId: string): Promise<ServerEvent[]> {
  const events: ServerEvent[] = [];
  let from: number | null = 1;
  while (from !== null) {
    const page: { events: ServerEvent[]; next: number | null } = await getJson(
      `${server.url}/api/sessions/${encodeURIComponent(sessionId)}/events?from=${from}&limit=1000`,
    );
    events.push(...page.events);
    from = page.next;
  }
  return events;
}

/** The table doc's JSON projection and applied sequence, as the server holds them. */
export function serverState(server: TestServer, sessionId: string): Promise<{ version: number; state: JsonObject }> {
  return getJson(`${server.url}/api/sessions/${encodeURIComponent(sessionId)}/state`);
}

/**
 * Wraps a client's handler of one sidecar message type on the table socket:
 * every decoded message is recorded, and the ones `drop` picks never reach
 * the client (a frame lost in transit, without touching the server).
 */
export function interceptFrames(
  client: SessionClient,
  type: number,
  drop: (msg: ProtocolMessage, index: number) => boolean = () => false,
): { readonly seen: ProtocolMessage[]; readonly dropped: ProtocolMessage[] } {
  const handlers = client.provider('table').messageHandlers;
  const original = handlers[type];
  if (!original) throw new Error(`no handler for message type ${type}`);
  const record = { seen: [] as ProtocolMessage[], dropped: [] as ProtocolMessage[] };
  handlers[type] = (encoder, decoder, ...rest) => {
    const msg = decodeMessage(decoder.arr);
    const index = record.seen.push(msg) - 1;
    if (drop(msg, index)) {
      record.dropped.push(msg);
      decoder.pos = decoder.arr.length;
      return;
    }
    original(encoder, decoder, ...rest);
  };
  return record;
}

export async function pollUntil(predicate: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Texts of the chat entries in a table view. */
export function chatTexts(view: JsonObject): string[] {
  return (view.chat as Array<{ text: string }>).map((e) => e.text);
}
