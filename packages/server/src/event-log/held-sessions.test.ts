import { describe, expect, it } from 'vitest';
import { InboxDesk, InProcessInbox } from '../inbox/in-process-inbox.ts';
import { InProcessLease, LeaseTable } from '../lease/in-process-lease.ts';
import type { LeaseGrant } from '../lease/session-lease.ts';
import { silentLogger } from '../logger.ts';
import type { SessionSequencer } from './session-sequencer.ts';
import { HeldSessions } from './held-sessions.ts';

/** A lease whose renewals fail (Redis unreachable) while `failing` is set. */
class StallingLease extends InProcessLease {
  failing = false;
  override async renew(grant: LeaseGrant): Promise<boolean> {
    if (this.failing) throw new Error('redis unreachable');
    return super.renew(grant);
  }
}

function held(lease: InProcessLease): HeldSessions {
  return new HeldSessions({
    lease,
    logger: silentLogger,
    // Lease changes are counted elsewhere ([OM*] in metrics.test.ts); here only the loop matters.
    telemetry: { lease: () => {} },
    inbox: new InProcessInbox(),
    start: async () => ({ stop() {}, idle: true }) as unknown as SessionSequencer,
    serve: () => async () => ({ kind: 'unavailable' }) as never,
    onLost: () => {},
  });
}

describe('HeldSessions: the lease loop readiness reports ([OPS2])', () => {
  it('[OPS2] running while renewal passes complete; a problem once none has for a ttl; stopped once closed', async () => {
    const lease = new StallingLease({ ttlMs: 90 });
    const sessions = held(lease);
    await sessions.acquire('s1');
    await new Promise((r) => setTimeout(r, 150));
    expect(sessions.renewalProblem()).toBeNull();
    lease.failing = true;
    await new Promise((r) => setTimeout(r, 200));
    expect(sessions.renewalProblem()).toMatch(/^no lease renewal for \d+ ms$/);
    lease.failing = false;
    await new Promise((r) => setTimeout(r, 100));
    expect(sessions.renewalProblem()).toBeNull();
    await sessions.close();
    expect(sessions.renewalProblem()).toBe('lease loop stopped');
  });

  it('[OPS2] a lease that never expires (one process) needs no renewals', async () => {
    const sessions = held(new InProcessLease());
    expect(sessions.renewalProblem(Date.now() + 24 * 3600 * 1000)).toBeNull();
    await sessions.close();
  });
});

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
      telemetry: { lease: () => {} },
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
