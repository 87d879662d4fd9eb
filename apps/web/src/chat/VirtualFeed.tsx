import { type ReactNode, useCallback, useLayoutEffect, useRef, useState } from 'react';

/** How many rows beyond the visible ones are kept rendered, above and below. */
const OVERSCAN = 6;

interface Props<T> {
  readonly items: readonly T[];
  readonly keyOf: (item: T) => string;
  readonly render: (item: T) => ReactNode;
  /** A first guess of a row's height, until it has been measured. */
  readonly estimate: number;
  readonly label: string;
}

/**
 * A scrolling list that renders only the rows in view (a long session's
 * chat holds thousands), measuring each row as it appears. It sticks to the
 * bottom while the reader is there — new messages scroll in — and stays put
 * while they read back.
 */
export function VirtualFeed<T>({ items, keyOf, render, estimate, label }: Props<T>): ReactNode {
  const scroller = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>());
  const [viewport, setViewport] = useState({ top: 0, height: 400 });
  const [, remeasured] = useState(0);
  const stick = useRef(true);

  const offsets: number[] = [];
  let total = 0;
  for (const item of items) {
    offsets.push(total);
    total += heights.current.get(keyOf(item)) ?? estimate;
  }
  let first = 0;
  while (first < items.length - 1 && offsets[first + 1]! <= viewport.top) first++;
  let last = first;
  while (last < items.length - 1 && offsets[last + 1]! < viewport.top + viewport.height) last++;
  const from = Math.max(0, first - OVERSCAN);
  const to = Math.min(items.length - 1, last + OVERSCAN);

  const onScroll = () => {
    const el = scroller.current;
    if (el === null) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    setViewport({ top: el.scrollTop, height: el.clientHeight });
  };

  // New rows (or rows that grew) keep the reader at the bottom if they were there.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el !== null && stick.current) el.scrollTop = el.scrollHeight;
  });

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el === null) return;
    const observer = new ResizeObserver(() => setViewport({ top: el.scrollTop, height: el.clientHeight }));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const measure = useCallback((key: string, node: HTMLElement | null) => {
    if (node === null) return;
    const h = node.getBoundingClientRect().height;
    if (h > 0 && heights.current.get(key) !== h) {
      heights.current.set(key, h);
      remeasured((n) => n + 1);
    }
  }, []);

  return (
    <div className="virtual-feed" ref={scroller} onScroll={onScroll} role="log" aria-label={label} aria-live="polite" tabIndex={0}>
      <div style={{ height: total, position: 'relative' }}>
        {items.slice(from, to + 1).map((item, i) => {
          const key = keyOf(item);
          return (
            <div key={key} className="feed-row" style={{ position: 'absolute', left: 0, right: 0, top: offsets[from + i] }} ref={(node) => measure(key, node)}>
              {render(item)}
            </div>
          );
        })}
      </div>
    </div>
  );
}
