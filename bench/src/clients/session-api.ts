/*
 * The few calls of Dungeon Lab's HTTP API a benchmark needs to seat players
 * at a table (docs/api.md): development login, create a session, join it.
 * Loopback only, each call bounded in time.
 */
const CALL_TIMEOUT_MS = 10_000;

export interface DevUser {
  readonly name: string;
  readonly userId: string;
  readonly token: string;
}

export interface CreatedSession {
  readonly id: string;
  readonly joinCode: string;
}

async function call<T>(httpUrl: string, path: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(`${httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

export async function devLogin(httpUrl: string, name: string): Promise<DevUser> {
  const { token, userId } = await call<{ token: string; userId: string }>(httpUrl, '/api/dev/login', { name });
  return { name, userId, token };
}

/** Creates a session with `gm` as its game master. */
export function createSession(httpUrl: string, gm: DevUser, name: string): Promise<CreatedSession> {
  return call<CreatedSession>(httpUrl, '/api/sessions', { name }, gm.token);
}

export async function joinSession(httpUrl: string, user: DevUser, session: CreatedSession): Promise<void> {
  await call<{ role: string }>(httpUrl, `/api/sessions/${encodeURIComponent(session.id)}/join`, { joinCode: session.joinCode }, user.token);
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
export async function forEachLimited<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** The table room of a session, where intents travel (docs/event-log.md). */
export const tableRoom = (session: CreatedSession): string => `sessions/${session.id}/table`;
