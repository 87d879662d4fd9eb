import type { Ack, ApprovalRequest, EventStatus, Intent, JsonObject, SessionRole, StateEvent } from '@dungeon-lab/events';
import { assetPath, assetsPath, type AssetType } from '@dungeon-lab/protocol';
import { readToken, type TokenSource } from './connection-credentials.ts';

/**
 * An answer of the HTTP API: the data, or the error as data (`status` 0 when
 * the server could not be reached or no token could be had). Nothing here
 * throws for a refusal: a UI branches on `ok`.
 */
export type ApiResult<T> =
  | { readonly ok: true; readonly status: number; readonly data: T }
  | { readonly ok: false; readonly status: number; readonly error: string };

export interface DevLogin {
  readonly token: string;
  readonly userId: string;
  readonly name: string;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

export interface CreatedSession {
  readonly id: string;
  readonly name: string;
  readonly joinCode: string;
  readonly role: SessionRole;
}

export interface SessionInfo {
  readonly id: string;
  readonly name: string;
  readonly createdBy: string;
  readonly createdAt: number;
  /** The caller's role. */
  readonly role: SessionRole;
  /** Only in a GM's answer. */
  readonly joinCode?: string;
}

/** A session as listed for one of its members ([API10]). */
export interface SessionSummary {
  readonly id: string;
  readonly name: string;
  /** The caller's role. */
  readonly role: SessionRole;
  readonly createdAt: number;
  /** When the caller joined (created, for its GM). */
  readonly joinedAt: number;
}

export interface SessionMember {
  readonly userId: string;
  readonly role: SessionRole;
  readonly joinedAt: number;
  /** The display name the member signed in with, when the server knows it. */
  readonly name?: string;
}

/** A log entry as the REST API shows it ([EL7]): the event with its status. */
export type LoggedEvent = StateEvent & {
  readonly status: EventStatus;
  readonly reason?: string;
  readonly resolvedBy?: string;
  readonly resolvedAt?: number;
};

/** What a player's page holds in place of an entry they may not read ([EL17]). */
export interface RedactedEvent {
  readonly sequence: number;
  readonly redacted: true;
}

export function isRedacted(event: LoggedEvent | RedactedEvent): event is RedactedEvent {
  return (event as RedactedEvent).redacted === true;
}

export interface EventPage {
  readonly events: readonly (LoggedEvent | RedactedEvent)[];
  /** The sequence to ask for next; null at the end of the log. */
  readonly next: number | null;
}

export interface CheckpointInfo {
  readonly id: string;
  readonly name: string;
  /** The event sequence the table doc had reached. */
  readonly version: number;
  readonly checksum: string;
  /** Base64 Yjs state vector. */
  readonly stateVector: string;
  readonly createdAt: number;
  readonly createdBy: string;
}

export interface RestoredCheckpoint {
  readonly restored: string;
  /** The sequence of the restore event. */
  readonly sequence: number;
  readonly status: EventStatus;
}

/** An image of the session as the server stored it ([API11]): named by its hash, with the pixel size its header gives. */
export interface AssetInfo {
  /** Lowercase hex SHA-256 of the bytes; `assetPath(sessionId, hash)` reads them. */
  readonly hash: string;
  readonly type: AssetType;
  /** Bytes. */
  readonly size: number;
  readonly width: number;
  readonly height: number;
}

export interface SessionApiOptions {
  /** Server base URL: http(s):// or ws(s):// (the same one a SessionClient gets). */
  readonly serverUrl: string;
  /** Bearer token for everything but `devLogin`. */
  readonly token?: TokenSource;
  /** A fetch implementation (default: the global one, present in browsers and Node 20). */
  readonly fetch?: typeof fetch;
}

type Shape<T> = (value: unknown) => value is T;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const has =
  <T>(...keys: string[]): Shape<T> =>
  (v: unknown): v is T =>
    isObject(v) && keys.every((k) => k in v);
const isArray = <T>(v: unknown): v is T => Array.isArray(v);

export function httpBaseUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (url.protocol === 'ws:') url.protocol = 'http:';
  else if (url.protocol === 'wss:') url.protocol = 'https:';
  else if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported server URL ${serverUrl}`);
  return url.toString().replace(/\/+$/, '');
}

const seg = encodeURIComponent;

/**
 * The server's HTTP API (docs/api.md, docs/event-log.md [EL7]/[EL8]/[EL13]):
 * dev login, sessions and members, the event log, checkpoints and the
 * approval queue. One `fetch` per call; works in browsers and Node 20.
 */
export class SessionApi {
  readonly baseUrl: string;
  readonly #token: TokenSource | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: SessionApiOptions) {
    this.baseUrl = httpBaseUrl(options.serverUrl);
    this.#token = options.token;
    const f = options.fetch ?? (typeof fetch === 'function' ? fetch : undefined);
    if (f === undefined) throw new TypeError('no global fetch here: pass one in the options');
    // Called unbound: a browser's fetch refuses a `this` other than the window.
    this.#fetch = (input, init) => f(input, init);
  }

  /** The same API as another user (or with a refreshed token source). */
  withToken(token: TokenSource): SessionApi {
    return new SessionApi({ serverUrl: this.baseUrl, token, fetch: this.#fetch });
  }

  /** `POST /api/dev/login` (development servers only; production answers 404). */
  devLogin(name: string): Promise<ApiResult<DevLogin>> {
    return this.#call('POST', '/api/dev/login', { name }, has<DevLogin>('token', 'userId'), false);
  }

  /** Creates a session with the caller as its GM. */
  createSession(name: string): Promise<ApiResult<CreatedSession>> {
    return this.#call('POST', '/api/sessions', { name }, has<CreatedSession>('id', 'joinCode'));
  }

  /** The sessions the caller belongs to, most recently joined first ([API10]). */
  async listSessions(): Promise<ApiResult<readonly SessionSummary[]>> {
    const res = await this.#call('GET', '/api/sessions', undefined, has<{ sessions: SessionSummary[] }>('sessions'));
    return res.ok ? { ...res, data: res.data.sessions } : res;
  }

  joinSession(sessionId: string, joinCode: string): Promise<ApiResult<{ role: SessionRole }>> {
    return this.#call('POST', `/api/sessions/${seg(sessionId)}/join`, { joinCode }, has<{ role: SessionRole }>('role'));
  }

  /** The session and the caller's role in it (403 for non-members). */
  session(sessionId: string): Promise<ApiResult<SessionInfo>> {
    return this.#call('GET', `/api/sessions/${seg(sessionId)}`, undefined, has<SessionInfo>('id', 'role'));
  }

  async members(sessionId: string): Promise<ApiResult<readonly SessionMember[]>> {
    const res = await this.#call('GET', `/api/sessions/${seg(sessionId)}/members`, undefined, has<{ members: SessionMember[] }>('members'));
    return res.ok ? { ...res, data: res.data.members } : res;
  }

  /** GM only. The removed member's sockets close with 4410 ([A15]). */
  removeMember(sessionId: string, userId: string): Promise<ApiResult<{ removed: SessionMember }>> {
    return this.#call('DELETE', `/api/sessions/${seg(sessionId)}/members/${seg(userId)}`, undefined, has<{ removed: SessionMember }>('removed'));
  }

  /** GM only: promote or demote. */
  setMemberRole(sessionId: string, userId: string, role: SessionRole): Promise<ApiResult<SessionMember>> {
    return this.#call('PATCH', `/api/sessions/${seg(sessionId)}/members/${seg(userId)}`, { role }, has<SessionMember>('userId', 'role'));
  }

  /** One page of the event log from sequence `from` (limit ≤ 1000, server default 100). */
  events(sessionId: string, from = 1, limit?: number): Promise<ApiResult<EventPage>> {
    const query = new URLSearchParams({ from: String(from), ...(limit === undefined ? {} : { limit: String(limit) }) });
    return this.#call('GET', `/api/sessions/${seg(sessionId)}/events?${query}`, undefined, has<EventPage>('events', 'next'));
  }

  /** The table doc's JSON and the last applied sequence, as the server holds them. */
  state(sessionId: string): Promise<ApiResult<{ version: number; state: JsonObject }>> {
    return this.#call('GET', `/api/sessions/${seg(sessionId)}/state`, undefined, has<{ version: number; state: JsonObject }>('version', 'state'));
  }

  /** Intents over HTTP: same pipeline and dedupe as sockets; acks in input order. */
  submitIntents(sessionId: string, intents: readonly Intent[]): Promise<ApiResult<readonly Ack[]>> {
    return this.#call('POST', `/api/sessions/${seg(sessionId)}/events`, intents, isArray<Ack[]>);
  }

  createCheckpoint(sessionId: string, name: string): Promise<ApiResult<CheckpointInfo>> {
    return this.#call('POST', `/api/sessions/${seg(sessionId)}/checkpoint`, { name }, has<CheckpointInfo>('id', 'version'));
  }

  async checkpoints(sessionId: string): Promise<ApiResult<readonly CheckpointInfo[]>> {
    const res = await this.#call('GET', `/api/sessions/${seg(sessionId)}/checkpoints`, undefined, has<{ checkpoints: CheckpointInfo[] }>('checkpoints'));
    return res.ok ? { ...res, data: res.data.checkpoints } : res;
  }

  /** Restores a checkpoint as a new sequenced event ([EL8]). */
  restoreCheckpoint(sessionId: string, checkpointId: string): Promise<ApiResult<RestoredCheckpoint>> {
    return this.#call('POST', `/api/sessions/${seg(sessionId)}/checkpoints/${seg(checkpointId)}/restore`, undefined, has<RestoredCheckpoint>('sequence'));
  }

  /** The open approval queue (GM only, 403 otherwise). */
  async approvals(sessionId: string): Promise<ApiResult<readonly ApprovalRequest[]>> {
    const res = await this.#call('GET', `/api/sessions/${seg(sessionId)}/approvals`, undefined, has<{ approvals: ApprovalRequest[] }>('approvals'));
    return res.ok ? { ...res, data: res.data.approvals } : res;
  }

  /**
   * Uploads a map or token image (GM only, [API11]): its raw bytes as
   * `type`. `201` for an image new to the session, `200` for one it has;
   * `413` over the size or the session's quota, `415` when the bytes are not
   * the image `type` says — with the server's message as `error`.
   */
  uploadAsset(sessionId: string, bytes: Blob | Uint8Array, type: AssetType): Promise<ApiResult<AssetInfo>> {
    // A view of a shared buffer is no fetch body; a copy of it is.
    const data = bytes instanceof Blob || bytes.buffer instanceof ArrayBuffer ? (bytes as Blob | Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
    return this.#answer(this.#send('POST', assetsPath(sessionId), { kind: 'raw', type, data }, true), has<AssetInfo>('hash', 'type', 'size', 'width', 'height'));
  }

  /**
   * An image of the session, for any member ([API12]), fetched with the
   * bearer token (an `<img src>` cannot send it): show it through
   * `URL.createObjectURL`. Its URL never changes (`assetPath`), and the
   * browser caches it for a year.
   */
  async fetchAsset(sessionId: string, hash: string): Promise<ApiResult<Blob>> {
    const res = await this.#send('GET', assetPath(sessionId, hash), undefined, true);
    if (!(res instanceof Response)) return res;
    if (!res.ok) return failure(res, await parseBody(res));
    try {
      return { ok: true, status: res.status, data: await res.blob() };
    } catch (err) {
      return { ok: false, status: 0, error: `server unreachable: ${errorText(err)}` };
    }
  }

  #call<T>(method: string, path: string, body: unknown, shape: Shape<T>, authenticate = true): Promise<ApiResult<T>> {
    return this.#answer(this.#send(method, path, body === undefined ? undefined : { kind: 'json', value: body }, authenticate), shape);
  }

  /** The JSON answer of `sent`, checked against `shape`. */
  async #answer<T>(sent: Promise<Response | ApiFailure>, shape: Shape<T>): Promise<ApiResult<T>> {
    const res = await sent;
    if (!(res instanceof Response)) return res;
    const parsed = await parseBody(res);
    if (parsed === MALFORMED) return { ok: false, status: res.status, error: res.ok ? 'malformed response' : res.statusText || `HTTP ${res.status}` };
    if (!res.ok) return failure(res, parsed);
    if (!shape(parsed)) return { ok: false, status: res.status, error: 'unexpected response shape' };
    return { ok: true, status: res.status, data: parsed };
  }

  /** One request; the failures before an answer (no token, no server) as data. */
  async #send(method: string, path: string, body: RequestBody | undefined, authenticate: boolean): Promise<Response | ApiFailure> {
    const headers: Record<string, string> = {};
    if (authenticate) {
      if (this.#token === undefined) return { ok: false, status: 0, error: 'no token' };
      try {
        headers.authorization = `Bearer ${await readToken(this.#token)}`;
      } catch (err) {
        return { ok: false, status: 0, error: `token unavailable: ${errorText(err)}` };
      }
    }
    if (body !== undefined) headers['content-type'] = body.kind === 'json' ? 'application/json' : body.type;
    const payload = body === undefined ? {} : { body: body.kind === 'json' ? JSON.stringify(body.value) : body.data };
    try {
      return await this.#fetch(`${this.baseUrl}${path}`, { method, headers, ...payload });
    } catch (err) {
      return { ok: false, status: 0, error: `server unreachable: ${errorText(err)}` };
    }
  }
}

type ApiFailure = Extract<ApiResult<never>, { ok: false }>;

/** What a request carries: a JSON value, or bytes as they are with their media type (an upload). */
type RequestBody = { readonly kind: 'json'; readonly value: unknown } | { readonly kind: 'raw'; readonly type: string; readonly data: Blob | Uint8Array<ArrayBuffer> };

const MALFORMED = Symbol('malformed');

/** An answer's JSON (`{}` when empty), or MALFORMED when it is none. */
async function parseBody(res: Response): Promise<unknown> {
  try {
    const text = await res.text();
    return text === '' ? {} : JSON.parse(text);
  } catch {
    return MALFORMED;
  }
}

/** A refusal, with the server's `{ error }` message when it sent one. */
function failure(res: Response, parsed: unknown): ApiFailure {
  const error = isObject(parsed) && typeof parsed.error === 'string' ? parsed.error : res.statusText || `HTTP ${res.status}`;
  return { ok: false, status: res.status, error };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
