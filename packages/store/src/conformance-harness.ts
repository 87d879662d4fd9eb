/**
 * What the conformance suites share: the target a backend hands them, the
 * harness that opens and closes its stores, and byte assertions whose failures
 * stay readable for multi-megabyte values.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { DocStore } from './store.ts';

/** Anything a suite can open on a target: every store ends with `close()`. */
export interface Closable {
  close(): Promise<void>;
}

/** One persistent location of a backend: a temp directory, a Redis db, a Mongo database. */
export interface ConformanceTarget<S extends Closable = DocStore> {
  /**
   * Opens a store on the target's location. Every call opens the SAME location,
   * so close + open simulates a restart.
   */
  open(): Promise<S>;
  /** Removes the location. Called once per test, after every store it opened is closed. */
  cleanup(): Promise<void>;
}

/** Tracks the stores a test opens so each is closed exactly once before cleanup. */
export class Harness<S extends Closable> {
  #target: ConformanceTarget<S> | undefined;
  readonly #open = new Set<S>();

  async start(createTarget: () => Promise<ConformanceTarget<S>>): Promise<S> {
    this.#target = await createTarget();
    return this.open();
  }

  async open(): Promise<S> {
    if (!this.#target) throw new Error('conformance harness used before start()');
    const store = await this.#target.open();
    this.#open.add(store);
    return store;
  }

  async close(store: S): Promise<void> {
    this.#open.delete(store);
    await store.close();
  }

  async reopen(store: S): Promise<S> {
    await this.close(store);
    return this.open();
  }

  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    for (const store of this.#open) {
      await store.close().catch((err: unknown) => errors.push(err));
    }
    this.#open.clear();
    await this.#target?.cleanup();
    if (errors.length > 0) throw new AggregateError(errors, 'closing a store after the test failed');
  }
}

/**
 * Gives every test of the enclosing `describe` block a fresh target: before
 * each test a new harness opens a first store and hands both to `started`;
 * after it, every store the test opened is closed and the target removed.
 */
export function freshTargetPerTest<S extends Closable>(
  createTarget: () => Promise<ConformanceTarget<S>>,
  started: (harness: Harness<S>, store: S) => void,
): void {
  let current: Harness<S> | undefined;
  beforeEach(async () => {
    // Assigned before any await, so afterEach never disposes the previous test's harness.
    const harness = new Harness<S>();
    current = harness;
    started(harness, await harness.start(createTarget));
  });
  afterEach(async () => {
    await current?.dispose();
  });
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

export function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array | undefined, what?: string): void {
  expect(actual, what).toBeInstanceOf(Uint8Array);
  expect(expected, what).toBeInstanceOf(Uint8Array);
  if (!actual || !expected) return;
  expect(actual.byteLength, what).toBe(expected.byteLength);
  // Hex diffs are readable for small values; hashes keep failures of 10 MB values printable.
  if (expected.byteLength <= 4096) expect(hex(actual), what).toBe(hex(expected));
  else expect(digest(actual), what).toBe(digest(expected));
}

export function hex(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
}

export function digest(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** How one backend runs a suite. */
export interface SuiteOptions {
  /**
   * Tests this backend's run registers as skipped: a title's beginning (e.g.
   * `'[AS5] concurrent puts'`) mapped to why, which the skipped test's title
   * carries, so a report never counts it as passed or hides the reason.
   */
  readonly skip?: Readonly<Record<string, string>>;
}

type TestBody = () => Promise<void>;

/** Vitest's `it` for a suite's tests, skipping (with the reason in the title) what `options.skip` names. */
export function suiteTest(options: SuiteOptions = {}): (title: string, body: TestBody, timeout?: number) => void {
  const skips = Object.entries(options.skip ?? {});
  return (title, body, timeout) => {
    const reason = skips.find(([start]) => title.startsWith(start))?.[1];
    if (reason === undefined) it(title, body, timeout);
    else it.skip(`${title} (skipped here: ${reason})`, body, timeout);
  };
}
