/**
 * Hears how long each command a backend sent took (a MongoDB command, a
 * Redis command), for the server's metrics. Injected by whoever builds the
 * backend, so backend packages depend on no metrics library.
 */
export interface CommandTimer {
  /**
   * One command finished: `command` is its name as the backend's protocol
   * spells it (`find`, `EVAL`), `seconds` the time from send to reply, `ok`
   * false when it failed.
   */
  observe(command: string, seconds: number, ok: boolean): void;
}
