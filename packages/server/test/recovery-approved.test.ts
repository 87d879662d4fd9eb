/**
 * Recovery of a decided critical intent: its effect is its resolution
 * entry's patch, so replaying the log must not also apply the request's
 * predicted patch ([EL9], [EL14]).
 */
import { type LogEntry, createIntent } from '@dungeon-lab/events';
import { afterEach, describe, expect, it } from 'vitest';
import { resolutionIdFor } from '../src/event-log/approval-queue.ts';
import { encodeLogEntry } from '../src/event-log/log-codec.ts';
import { startServer, tempDir } from './helpers.ts';
import { getJson } from './intent-client.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('recovery of approved requests', () => {
  it('[EL9][EL14] an approved request is replayed through its resolution entry only, not also through its predicted patch', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    // The crash window: the request and its resolution are logged and settled, the doc update never stored.
    const { createLevelStore } = await import('@dungeon-lab/store-level');
    const store = await createLevelStore({ dataDir: dir.path });
    const request = createIntent('chat:message', { text: 'predicted' });
    const entry = (sequence: number, id: string, type: string, payload: LogEntry['event']['payload'], status: LogEntry['status'], text: string): LogEntry => ({
      event: { id, sequence, timestamp: Date.now(), type, payload, userId: 'gm-gus', sessionId: 'ra1', checksum: createIntent(type, payload).checksum! },
      status,
      patch: [{ op: 'add', path: '/chat/-', value: { id, userId: 'gm-gus', text, timestamp: 1 } }],
    });
    const entries = [
      entry(1, request.id, 'chat:message', { text: 'predicted' }, 'approved', 'predicted'),
      entry(2, resolutionIdFor(request.id), 'approval:resolve', { sequence: 1, decision: 'approved' }, 'applied', 'as approved'),
    ];
    await store.appendEvents('ra1', entries.map((e) => ({ sequence: e.event.sequence, id: e.event.id, data: encodeLogEntry(e) })));
    await store.close();

    const running = await startServer({ dataDir: dir.path });
    cleanups.push(() => running.stop());
    const { body } = await getJson<{ version: number; state: { chat: Array<{ text: string }> } }>(`${running.url}/api/sessions/ra1/state`, {}, 'gm-gus');
    expect(body.version).toBe(2);
    expect(body.state.chat.map((c) => c.text)).toEqual(['as approved']);
  });
});
