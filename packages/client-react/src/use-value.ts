import type { ReadableValue } from '@dungeon-lab/client';
import { useRef, useSyncExternalStore } from 'react';

/** The current value, re-rendering on every change of it. */
export function useValue<T>(value: ReadableValue<T>): T {
  return useSyncExternalStore(value.subscribe, value.get, value.get);
}

interface Selection<T, S> {
  readonly source: T;
  readonly selector: (source: T) => S;
  readonly selected: S;
}

/**
 * The part of a value a component needs. The component re-renders only when
 * the selection changes by `isEqual` (identity by default): a token component
 * selecting `view.tokens[id]` stays still while other tokens move, because
 * the client's view keeps unchanged subtrees by identity.
 *
 * The last selection is memoised against the source and the selector, so
 * `useSyncExternalStore` sees a stable snapshot between changes, and an
 * equal selection keeps the previous object (for selectors that build a new
 * array or object every time, pass `shallowEqual`).
 */
export function useSelected<T, S>(value: ReadableValue<T>, selector: (source: T) => S, isEqual: (a: S, b: S) => boolean = Object.is): S {
  const last = useRef<Selection<T, S> | null>(null);
  const snapshot = (): S => {
    const source = value.get();
    const previous = last.current;
    if (previous !== null && Object.is(previous.source, source) && previous.selector === selector) return previous.selected;
    const next = selector(source);
    const selected = previous !== null && isEqual(previous.selected, next) ? previous.selected : next;
    last.current = { source, selector, selected };
    return selected;
  };
  return useSyncExternalStore(value.subscribe, snapshot, snapshot);
}

/** Equal when both are arrays (or plain objects) with identical elements (or own values) in the same places. */
export function shallowEqual<S>(a: S, b: S): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  const recordA = a as Record<string, unknown>;
  const recordB = b as Record<string, unknown>;
  return keysA.every((key) => Object.prototype.hasOwnProperty.call(recordB, key) && Object.is(recordA[key], recordB[key]));
}
