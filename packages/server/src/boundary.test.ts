import { describe, expect, it } from 'vitest';
import { detach, guarded } from './boundary.ts';

function recordingLogger() {
  const errors: Array<{ obj: Record<string, unknown>; msg: string | undefined }> = [];
  const noop = () => {};
  return { errors, logger: { debug: noop, info: noop, warn: noop, error: (obj: object, msg?: string) => errors.push({ obj: obj as Record<string, unknown>, msg }) } };
}

describe('boundaries of detached work', () => {
  it('[RB7] a rejection or a throw of detached work is logged with its context and goes no further', async () => {
    const { errors, logger } = recordingLogger();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      detach(logger, 'catch-up read failed', async () => {
        await Promise.resolve();
        throw new RangeError('from 9007199254740992 is not a safe integer');
      }, { sessionId: 's1' });
      detach(logger, 'sync failure', () => {
        throw new TypeError('sync');
      });
      const tick = guarded(logger, 'checksum broadcast failed', (n: number) => {
        if (n > 1) throw new Error(`tick ${n}`);
      });
      tick(1);
      tick(2);
      await new Promise((r) => setTimeout(r, 10));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(errors.map((e) => [e.msg, e.obj.err, e.obj.sessionId])).toEqual([
      ['sync failure', 'TypeError: sync', undefined],
      ['checksum broadcast failed', 'Error: tick 2', undefined],
      ['catch-up read failed', 'RangeError: from 9007199254740992 is not a safe integer', 's1'],
    ]);
    expect(errors.every((e) => typeof e.obj.stack === 'string')).toBe(true);
  });
});
