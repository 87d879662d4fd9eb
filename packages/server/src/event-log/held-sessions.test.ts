import { describe, expect, it } from 'vitest';
import { InboxDesk, InProcessInbox } from '../inbox/in-process-inbox.ts';
import { InProcessLease, LeaseTable } from '../lease/in-process-lease.ts';
import { silentLogger } from '../logger.ts';
import { HeldSessions } from './held-sessions.ts';
import type { SessionSequencer } from './session-sequencer.ts';

describe('held sessions', () => {
  it('[SL4] closing while a lease is being taken gives it up once taken: another process takes the session at once', async () => {
    const table = new LeaseTable();
    const lease = new InProcessLease({ table });
    let started!: () => void;
    const starting = new Promise<void>((resolve) => {
      started = resolve;
    });
    let stopped = 0;
    const held = new HeldSessions({
      lease,
      logger: silentLogger,
      inbox: new InProcessInbox({ desk: new InboxDesk() }),
      // The sequencer starts slowly (it reads and recovers the session): the process closes meanwhile.
      start: async () => {
        await starting;
        return { stop: () => void stopped++ } as unknown as SessionSequencer;
      },
      serve: () => () => Promise.reject(new Error('not serving in this test')),
      onLost: () => {},
    });
    const taking = held.acquire('s1');
    await new Promise((r) => setTimeout(r, 10));
    const closed = held.close();
    started();
    await Promise.all([taking, closed]);

    expect(stopped).toBe(1);
    expect(await held.acquire('s1')).toBeNull();
    // Leases here never expire: only a release lets another holder in.
    expect(await new InProcessLease({ table }).acquire('s1')).not.toBeNull();
  });
});
