import { useSyncExternalStore } from 'react';

/** The app's pages. Everything else a browser asks this origin for is the server's (API, rooms, assets). */
export type Route =
  | { readonly page: 'start' }
  | { readonly page: 'join'; readonly sessionId: string; readonly code: string | null }
  | { readonly page: 'table'; readonly sessionId: string }
  | { readonly page: 'not-found'; readonly path: string };

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseRoute(pathname: string, search: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'start' };
  const parts = pathname.split('/').filter((p) => p !== '');
  const [head, id, ...rest] = parts;
  if (rest.length === 0 && id !== undefined && SESSION_ID.test(id)) {
    if (head === 'join') return { page: 'join', sessionId: id, code: new URLSearchParams(search).get('code') };
    if (head === 's') return { page: 'table', sessionId: id };
  }
  return { page: 'not-found', path: pathname };
}

export function tablePath(sessionId: string): string {
  return `/s/${encodeURIComponent(sessionId)}`;
}

export function joinPath(sessionId: string, code: string): string {
  return `/join/${encodeURIComponent(sessionId)}?code=${encodeURIComponent(code)}`;
}

const NAVIGATED = 'dl:navigated';

function subscribe(listener: () => void): () => void {
  window.addEventListener('popstate', listener);
  window.addEventListener(NAVIGATED, listener);
  return () => {
    window.removeEventListener('popstate', listener);
    window.removeEventListener(NAVIGATED, listener);
  };
}

const href = () => window.location.pathname + window.location.search;

/** Goes to an app path without reloading the page. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATED));
}

export function useRoute(): Route {
  const current = useSyncExternalStore(subscribe, href);
  const url = new URL(current, window.location.origin);
  return parseRoute(url.pathname, url.search);
}
