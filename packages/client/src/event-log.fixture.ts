import type { JsonObject } from '@dungeon-lab/events';
import { decodeMessage, type ProtocolMessage } from '@dungeon-lab/protocol';
import type { TestServer } from './server-harness.fixture.ts';
import { SessionApi, isRedacted, type LoggedEvent } from './session-api.ts';
import type { SessionClient } from './session-client.ts';

/** Test support: the server's event-log REST API ([EL7]). */

/** Every logged event of a session, in sequence order, as a member (`token`) reads them. */
export async function serverEvents(server: TestServer, sessionId: string, token: string): Promise<LoggedEvent[]> {
  const api = new SessionApi({ serverUrl: server.url, token });
  const events: LoggedEvent[] = [];
  let from: number | null = 1;
  while (from !== null) {
    const page = await api.events(sessionId, from, 1000);
    if (!page.ok) throw new Error(`events of ${sessionId}: ${page.status} ${page.error}`);
    for (const e of page.data.events) if (!isRedacted(e)) events.push(e);
    from = page.data.next;
  }
  return events;
}

/** The table doc's JSON projection and applied sequence, as the server holds them. */
export async function serverState(server: TestServer, sessionId: string, token: string): Promise<{ version: number; state: JsonObject }> {
  const answer = await new SessionApi({ serverUrl: server.url, token }).state(sessionId);
  if (!answer.ok) throw new Error(`state of ${sessionId}: ${answer.status} ${answer.error}`);
  return answer.data;
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
  const record = { seen: [] as ProtocolMessage[], dropped: [] as ProtocolMessage[] };
  client.channel('table').intercept(type, (frame, deliver) => {
    const msg = decodeMessage(frame);
    const index = record.seen.push(msg) - 1;
    if (drop(msg, index)) record.dropped.push(msg);
    else deliver();
  });
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
