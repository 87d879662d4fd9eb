/**
 * The conformance suite every session lease runs: rules [SL1]..[SL7] of
 * docs/architecture.md, black-box through `SessionLease`, with several
 * processes contending for the same sessions.
 */
import { describe, expect, it } from 'vitest';
import { type Cluster, clusterPerTest, sleep } from '../conformance-harness.ts';
import type { LeaseGrant, SessionLease } from './session-lease.ts';

/** Leases of one lease service, each standing for one process. */
export type LeaseCluster = Cluster<SessionLease>;

/** Unrenewed grants of the leases a test opens expire after this long. */
export const CONFORMANCE_TTL_MS = 150;

/** Registers the lease conformance `describe` block; `connect(n)` opens n leases on one fresh service per test, with `ttlMs`. */
export function runSessionLeaseConformance(leaseName: string, connect: (processes: number, ttlMs: number) => Promise<LeaseCluster>): void {
  describe(`SessionLease conformance: ${leaseName}`, () => {
    const open = clusterPerTest((processes) => connect(processes, CONFORMANCE_TTL_MS));

    function recordLosses(lease: SessionLease): LeaseGrant[] {
      const lost: LeaseGrant[] = [];
      lease.onLost((grant) => lost.push(grant));
      return lost;
    }

    it('[SL1] a free session is granted, with an epoch larger than every earlier grant of it, whoever held those', async () => {
      const [a, b] = await open(2);
      expect(a!.ttlMs).toBe(CONFORMANCE_TTL_MS);
      const epochs: number[] = [];
      for (let i = 0; i < 6; i++) {
        const lease = i % 2 === 0 ? a! : b!;
        const grant = await lease.acquire('s1');
        expect(grant).not.toBeNull();
        expect(grant!.sessionId).toBe('s1');
        epochs.push(grant!.epoch);
        await lease.release(grant!);
      }
      for (let i = 1; i < epochs.length; i++) expect(epochs[i]!).toBeGreaterThan(epochs[i - 1]!);
      expect(Number.isSafeInteger(epochs[0])).toBe(true);
    });

    it('[SL2] while one process holds a session, the others are refused it, and other sessions stay free', async () => {
      const [a, b] = await open(2);
      const held = await a!.acquire('s1');
      expect(held).not.toBeNull();
      expect(await b!.acquire('s1')).toBeNull();
      // Renewed within the ttl, it stays held past it.
      for (let i = 0; i < 4; i++) {
        await sleep(CONFORMANCE_TTL_MS / 3);
        expect(await a!.renew(held!)).toBe(true);
        expect(await b!.acquire('s1')).toBeNull();
      }
      expect(await b!.acquire('s2')).not.toBeNull();
    });

    it('[SL3] the holder acquiring again gets the grant it holds', async () => {
      const [a] = await open(1);
      const first = await a!.acquire('s1');
      expect(await a!.acquire('s1')).toEqual(first);
    });

    it('[SL4] a released lease is free at once, for a larger epoch, and releasing reports no loss', async () => {
      const [a, b] = await open(2);
      const lost = recordLosses(a!);
      const first = await a!.acquire('s1');
      await a!.release(first!);
      const second = await b!.acquire('s1');
      expect(second!.epoch).toBeGreaterThan(first!.epoch);
      expect(await a!.renew(first!)).toBe(false);
      expect(lost).toEqual([]);
    });

    it('[SL5] an unrenewed grant expires: another process takes it with a larger epoch, and the old holder loses it, told once', async () => {
      const [a, b] = await open(2);
      const lostA = recordLosses(a!);
      const old = await a!.acquire('s1');
      await sleep(CONFORMANCE_TTL_MS + 50);
      const taken = await b!.acquire('s1');
      expect(taken).not.toBeNull();
      expect(taken!.epoch).toBeGreaterThan(old!.epoch);
      expect(await a!.renew(old!)).toBe(false);
      expect(await a!.renew(old!)).toBe(false);
      expect(lostA).toEqual([old]);
      expect(await a!.acquire('s1')).toBeNull();
      expect(await b!.renew(taken!)).toBe(true);
    });

    it('[SL5] a holder whose grant expired with nobody taking it learns so when it renews', async () => {
      const [a] = await open(1);
      const lost = recordLosses(a!);
      const old = await a!.acquire('s1');
      await sleep(CONFORMANCE_TTL_MS + 50);
      expect(await a!.renew(old!)).toBe(false);
      expect(lost).toEqual([old]);
      const again = await a!.acquire('s1');
      expect(again!.epoch).toBeGreaterThan(old!.epoch);
    });

    it('[SL6] releasing or renewing a grant no longer held never touches the new holder\'s', async () => {
      const [a, b] = await open(2);
      const old = await a!.acquire('s1');
      await sleep(CONFORMANCE_TTL_MS + 50);
      const current = await b!.acquire('s1');
      await a!.release(old!);
      expect(await a!.renew(old!)).toBe(false);
      expect(await a!.acquire('s1')).toBeNull();
      expect(await b!.renew(current!)).toBe(true);
    });

    it('[SL7] closing a process releases what it holds: the others may take it at once', async () => {
      const [a, b] = await open(2);
      const held = await a!.acquire('s1');
      await a!.acquire('s2');
      await a!.close();
      const taken = await b!.acquire('s1');
      expect(taken!.epoch).toBeGreaterThan(held!.epoch);
      expect(await b!.acquire('s2')).not.toBeNull();
    });
  });
}
