import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GroupCommit, type WriteOp } from './group-commit.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const put = (k: string, v: string): WriteOp => ({ type: 'put', key: bytes(k), value: bytes(v) });
/** The calls a spy on `db.batch` saw (its overloads hide the argument types from the spy). */
const callsOf = (spy: { mock: { calls: unknown[] } }): Array<[WriteOp[], unknown]> => spy.mock.calls as Array<[WriteOp[], unknown]>;

describe('GroupCommit', () => {
  let dir = '';
  let db: ClassicLevel<Uint8Array, Uint8Array>;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dl-group-commit-'));
    db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
  });
  afterEach(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const read = async (k: string): Promise<string | undefined> => {
    const v = await db.get(bytes(k));
    return v === undefined ? undefined : new TextDecoder().decode(v);
  };

  it('writes many concurrent callers in few synced batches, each caller whole and in call order', async () => {
    const batch = vi.spyOn(db, 'batch');
    const writes = new GroupCommit(db, { sync: true });
    const done = Array.from({ length: 200 }, (_, i) => writes.write([put(`k${i}`, `a${i}`), put(`k${i}-pair`, `b${i}`)]));
    done.push(writes.write([put('k0', 'last')]));
    await Promise.all(done);
    expect(callsOf(batch).length).toBeLessThanOrEqual(2);
    for (const call of callsOf(batch)) expect(call[1]).toEqual({ sync: true });
    expect(await read('k0')).toBe('last');
    expect(await read('k199')).toBe('a199');
    expect(await read('k199-pair')).toBe('b199');
  });

  it('queues writes asked for while a batch is being synced into the next one', async () => {
    const batch = vi.spyOn(db, 'batch');
    const writes = new GroupCommit(db, { sync: true });
    const first = writes.write([put('first', '1')]);
    await new Promise((r) => setImmediate(r));
    // The first batch is in flight now; these wait for it and then go together.
    const later = Array.from({ length: 50 }, (_, i) => writes.write([put(`later${i}`, String(i))]));
    await Promise.all([first, ...later]);
    expect(batch).toHaveBeenCalledTimes(2);
    expect(callsOf(batch)[1]![0]).toHaveLength(50);
  });

  it('fails only the caller whose operations are invalid', async () => {
    const writes = new GroupCommit(db, { sync: true });
    const good = writes.write([put('good', 'yes')]);
    const bad = writes.write([{ type: 'put', key: bytes('bad'), value: undefined as unknown as Uint8Array }]);
    const alsoGood = writes.write([put('also', 'yes')]);
    await expect(bad).rejects.toThrow();
    await expect(Promise.all([good, alsoGood])).resolves.toBeDefined();
    expect(await read('good')).toBe('yes');
    expect(await read('also')).toBe('yes');
    expect(await read('bad')).toBeUndefined();
  });

  it('settled() waits for everything asked for', async () => {
    const writes = new GroupCommit(db, { sync: false });
    let resolved = 0;
    for (let i = 0; i < 20; i++) void writes.write([put(`s${i}`, 'x')]).then(() => resolved++);
    await writes.settled();
    await Promise.resolve();
    expect(resolved).toBe(20);
  });
});
