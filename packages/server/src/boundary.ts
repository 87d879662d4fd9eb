import type { Logger } from './logger.ts';

/**
 * Work that leaves the call stack that started it — a promise nobody awaits,
 * a timer, an event handler — has no caller to catch what it throws: an
 * exception there reaches the event loop and ends the process for everyone.
 * These are the boundaries such work runs behind (docs/security.md, "Request
 * boundaries"): a failure is logged with what was being done, and stops there.
 * The code inside still answers what it expects (a close code, a refusal);
 * this catches what nobody expected.
 */
export function detach(logger: Logger, what: string, work: () => unknown, context: object = {}): void {
  const failed = (err: unknown) => logger.error({ ...context, err: String(err), stack: (err as Error | null)?.stack }, what);
  try {
    const result = work();
    if (result instanceof Promise) result.catch(failed);
  } catch (err) {
    failed(err);
  }
}

/** `fn` as a timer or event callback behind `detach`'s boundary. */
export function guarded<A extends unknown[]>(logger: Logger, what: string, fn: (...args: A) => unknown): (...args: A) => void {
  return (...args) => detach(logger, what, () => fn(...args));
}
