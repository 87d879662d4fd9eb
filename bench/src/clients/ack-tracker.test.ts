import { describe, expect, it } from 'vitest';
import { AckTracker } from './ack-tracker.ts';

describe('AckTracker', () => {
  it('times an effect from send whether the ack or the effect arrives first, and only for measured, applied intents', () => {
    const tracker = new AckTracker();
    tracker.sending('warm');
    tracker.beginWindow();
    tracker.sending('a');
    tracker.sending('b');
    tracker.sending('c');
    const sentAt = performance.now();
    // A warm-up intent's effect is never claimed; a's ack comes before its effect, b's effect before its ack.
    tracker.onAcks([{ id: 'warm', success: true, sequence: 1 }]);
    tracker.effectSeen(1, sentAt + 5);
    tracker.onAcks([{ id: 'a', success: true, sequence: 2 }]);
    tracker.effectSeen(3, sentAt + 40);
    tracker.effectSeen(2, sentAt + 50);
    tracker.onAcks([{ id: 'b', success: true, sequence: 3 }]);
    // Waiting for approval changes nothing yet: no effect to time.
    tracker.onAcks([{ id: 'c', success: true, sequence: 4, status: 'awaiting-approval' }]);
    tracker.effectSeen(4, sentAt + 60);
    const effects = Array.from(tracker.effectLatency.values());
    expect(effects).toHaveLength(2);
    for (const ms of effects) {
      expect(ms).toBeGreaterThan(35);
      expect(ms).toBeLessThan(60);
    }
  });
});
