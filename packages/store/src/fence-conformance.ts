/**
 * The fences of the conformance suite: rule [S30] of docs/storage.md, black
 * box through `claimFence` and the four writes that take a fence
 * (`appendUpdates`, `writeSnapshot`, `appendEvents`, `replaceEvent`).
 */
import { describe, expect } from 'vitest';
import { type ConformanceTarget, freshTargetPerTest, type Harness, type SuiteOptions, suiteTest } from './conformance-harness.ts';
import { type Fence, FencedError, type Store, type StoredEvent } from './store.ts';

const ALL = Number.MAX_SAFE_INTEGER;
/** Writes raced against one claim: enough that some are checked before it and some after, on every backend. */
const RACED_WRITES = 24;

/** Registers the fence conformance `describe` block; `createTarget` is called once per test. */
export function runFenceConformance(backendName: string, createTarget: () => Promise<ConformanceTarget<Store>>, options: SuiteOptions = {}): void {
  describe(`Fence conformance: ${backendName}`, () => {
    const it = suiteTest(options);
    let h: Harness<Store>;
    let store: Store;

    freshTargetPerTest(createTarget, (harness, opened) => {
      h = harness;
      store = opened;
    });

    it('[S30] claims count up from 1 per log, each log on its own, and survive a restart', async () => {
      expect([await store.claimFence('a'), await store.claimFence('a'), await store.claimFence('b')]).toEqual([1, 2, 1]);
      store = await h.reopen(store);
      expect(await store.claimFence('a')).toBe(3);
      expect(await store.claimFence('b')).toBe(2);
    });

    it('[S30] concurrent claims of one log get distinct epochs', async () => {
      const claims = await Promise.all(Array.from({ length: 8 }, () => store.claimFence('a')));
      expect([...claims].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await store.claimFence('a')).toBe(9);
    });

    it('[S30] a write under the latest claim lands; under an earlier one, or a log never claimed, it is refused and writes nothing', async () => {
      const first = await store.claimFence('log');
      await store.appendEvents('log', [event(1)], { log: 'log', epoch: first });
      const latest = await store.claimFence('log');
      const stale: Fence = { log: 'log', epoch: first };
      const never: Fence = { log: 'never-claimed', epoch: 1 };
      const ahead: Fence = { log: 'log', epoch: latest + 1 };
      for (const fence of [stale, never, ahead]) {
        await expect(store.appendUpdates('doc', [Uint8Array.of(1)], fence)).rejects.toBeInstanceOf(FencedError);
        await expect(store.writeSnapshot('doc', Uint8Array.of(2), fence)).rejects.toBeInstanceOf(FencedError);
        await expect(store.appendEvents('log', [event(2)], fence)).rejects.toBeInstanceOf(FencedError);
        await expect(store.replaceEvent('log', { ...event(1), data: Uint8Array.of(9) }, fence)).rejects.toBeInstanceOf(FencedError);
      }
      expect((await store.loadDoc('doc')).rows).toEqual([]);
      expect(view(await store.readEvents('log', 1, ALL))).toEqual(view([event(1)]));

      const current: Fence = { log: 'log', epoch: latest };
      const [row] = await store.appendUpdates('doc', [Uint8Array.of(1)], current);
      const snapshot = await store.writeSnapshot('doc', Uint8Array.of(2), current);
      await store.appendEvents('log', [event(2)], current);
      await store.replaceEvent('log', { ...event(1), data: Uint8Array.of(9) }, current);
      expect((await store.loadDoc('doc')).rows.map((r) => r.id).sort()).toEqual([row, snapshot].sort());
      expect(view(await store.readEvents('log', 1, ALL))).toEqual(view([{ ...event(1), data: Uint8Array.of(9) }, event(2)]));
    });

    it('[S30] a fence names its own log: claims on it refuse writes to any document or log under it, and nothing else', async () => {
      const epoch = await store.claimFence('session');
      await store.claimFence('session');
      // The same writes with no fence, or under another log's latest claim, are not the refused holder's business.
      const other: Fence = { log: 'other', epoch: await store.claimFence('other') };
      await store.appendUpdates('doc', [Uint8Array.of(1)]);
      await store.appendUpdates('doc', [Uint8Array.of(2)], other);
      await store.appendEvents('session', [event(1)], other);
      await expect(store.appendUpdates('doc', [Uint8Array.of(3)], { log: 'session', epoch })).rejects.toBeInstanceOf(FencedError);
      expect((await store.loadDoc('doc')).rows.map((r) => Array.from(r.data)).sort()).toEqual([[1], [2]]);
      expect(await store.lastSequence('session')).toBe(1);
    });

    it('[S30] a malformed fence is refused as input (TypeError or RangeError), never as a conflict, and writes nothing', async () => {
      await store.claimFence('log');
      const bad: unknown[] = [null, 'log', { log: 'log' }, { log: 'log', epoch: 0 }, { log: 'log', epoch: -1 }, { log: 'log', epoch: 1.5 }, { log: 'log', epoch: '1' }, { log: 7, epoch: 1 }, { log: 'lone \uD800', epoch: 1 }];
      for (const fence of bad) {
        const what = JSON.stringify(fence);
        const refused = (call: Promise<unknown>) => expect(call.then(() => 'written', (err: unknown) => err instanceof TypeError || err instanceof RangeError), what).resolves.toBe(true);
        await refused(store.appendUpdates('doc', [Uint8Array.of(1)], fence as Fence));
        await refused(store.writeSnapshot('doc', Uint8Array.of(1), fence as Fence));
        await refused(store.appendEvents('log', [event(1)], fence as Fence));
      }
      expect((await store.loadDoc('doc')).rows).toEqual([]);
      expect(await store.lastSequence('log')).toBe(0);
      await expect(store.claimFence('lone \uD800')).rejects.toBeInstanceOf(TypeError);
    });

    it('[S30] writes racing a claim: each one refused, or seen by a read made once the claim resolved', async () => {
      const before: Fence = { log: 'log', epoch: await store.claimFence('log') };
      // Settled as they come, so a refusal before the reads is not left unhandled meanwhile.
      const docWrites = Promise.allSettled(Array.from({ length: RACED_WRITES }, (_, i) => store.appendUpdates('doc', [Uint8Array.of(i)], before)));
      const logWrites = Promise.allSettled(Array.from({ length: RACED_WRITES }, (_, i) => store.appendEvents('log', [event(i + 1)], before)));
      const claimed = await store.claimFence('log');
      const rowsSeen = new Set((await store.loadDoc('doc')).rows.map((r) => r.id));
      const sequencesSeen = new Set((await store.readEvents('log', 1, ALL)).map((e) => e.sequence));
      const docOutcomes = await docWrites;
      const logOutcomes = await logWrites;
      for (const outcome of [...docOutcomes, ...logOutcomes]) {
        if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(FencedError);
      }
      docOutcomes.forEach((outcome, i) => {
        if (outcome.status === 'fulfilled') expect(rowsSeen.has(outcome.value[0]!), `doc write ${i} landed after the claim`).toBe(true);
      });
      logOutcomes.forEach((outcome, i) => {
        if (outcome.status === 'fulfilled') expect(sequencesSeen.has(i + 1), `log write ${i + 1} landed after the claim`).toBe(true);
      });
      // What the read did not see is not there later either: refused writes left nothing.
      expect((await store.loadDoc('doc')).rows.length).toBe(rowsSeen.size);
      expect(await store.lastSequence('log')).toBe(Math.max(0, ...sequencesSeen));
      // And every write from here under the earlier claim is refused.
      await expect(store.appendUpdates('doc', [Uint8Array.of(0)], before)).rejects.toBeInstanceOf(FencedError);
      await store.appendUpdates('doc', [Uint8Array.of(0)], { log: 'log', epoch: claimed });
    });
  });
}

/** Entries as plain values: backends hand bytes back in Uint8Array views of their own. */
function view(events: readonly StoredEvent[]): Array<[number, string, number[]]> {
  return events.map((e) => [e.sequence, e.id, Array.from(e.data)]);
}

function event(sequence: number): StoredEvent {
  return { sequence, id: `intent-${sequence}`, data: new Uint8Array(Buffer.from(`entry ${sequence}`)) };
}
