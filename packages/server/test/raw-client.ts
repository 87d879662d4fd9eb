/**
 * Raw WebSocket clients for abuse tests: they send exactly the bytes a test
 * chooses (no y-websocket in between) and record what the server answers.
 */
import { PROTOCOL_VERSION, SIDECAR_QUERY_PARAM, decodeMessage, type ProtocolMessage } from '@dungeon-lab/protocol';
import WebSocket from 'ws';
import { waitFor } from './helpers.ts';
import { ensureAccess, testToken } from './test-identity.ts';

export interface RawClient {
  readonly ws: WebSocket;
  /** Every binary frame received, in order. */
  readonly frames: Uint8Array[];
  /** Close code seen by this client; null while open. */
  readonly closeCode: () => number | null;
  /** Resolves with the close code once the socket is closed. */
  readonly closed: Promise<number>;
  /** Frames decoded with the protocol decoder (the server must only send well-formed frames). */
  messages(): ProtocolMessage[];
  send(frame: Uint8Array | string): void;
  /** Stops reading from the TCP socket, so the server's send buffer fills up. */
  pauseReading(): void;
  resumeReading(): void;
}

export interface RawOptions {
  /** `dl` query value: true → PROTOCOL_VERSION, a number → that version. */
  readonly sidecar?: boolean | number;
  /** Resolve only after the server's first frame (sync step 1), proving the socket joined its room. */
  readonly waitForJoin?: boolean;
  /** Who connects (a test-issuer token; default `tester`). */
  readonly user?: string;
}

interface TcpSocket {
  pause(): void;
  resume(): void;
}

export async function openRaw(wsUrl: string, room: string, { sidecar = false, waitForJoin = true, user = 'tester' }: RawOptions = {}): Promise<RawClient> {
  await ensureAccess(wsUrl, room, user);
  const params = new URLSearchParams({ token: testToken(user) });
  if (sidecar !== false) params.set(SIDECAR_QUERY_PARAM, String(sidecar === true ? PROTOCOL_VERSION : sidecar));
  const ws = new WebSocket(`${wsUrl}/${encodeURIComponent(room)}?${params}`);
  const frames: Uint8Array[] = [];
  let code: number | null = null;
  ws.on('message', (data: Buffer) => frames.push(new Uint8Array(data)));
  // Abusive sockets are reset by the server on purpose; the error is expected and the close code tells the story.
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) =>
    ws.once('close', (c: number) => {
      code = c;
      resolve(c);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('close', () => resolve());
  });
  if (waitForJoin && code === null) await waitFor(() => frames.length > 0 || code !== null, 10_000, `join of ${room}`);
  const tcp = (ws as unknown as { _socket: TcpSocket })._socket;
  return {
    ws,
    frames,
    closeCode: () => code,
    closed,
    messages: () => frames.map((f) => decodeMessage(f)),
    send: (frame) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    },
    pauseReading: () => tcp.pause(),
    resumeReading: () => tcp.resume(),
  };
}

/** Waits for the close and returns its code; fails the test if the server keeps the socket open. */
export async function closeCodeOf(client: RawClient, timeoutMs = 10_000): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([client.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** GET /readyz status: 200 while the process is up, its store answers and it is not shutting down ([OPS2]). */
export async function healthStatus(httpUrl: string): Promise<number> {
  const res = await fetch(`${httpUrl}/readyz`);
  await res.arrayBuffer();
  return res.status;
}
