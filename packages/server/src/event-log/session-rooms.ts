/** Session ids are URL-safe so that room names and REST paths need no escaping. */
const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidSessionId(id: string): boolean {
  return SESSION_ID.test(id);
}

/** The room holding a session's table document, where its event log is applied. */
export function tableRoom(sessionId: string): string {
  return `sessions/${sessionId}/table`;
}

/** The session whose table document `room` is, or null for any other room. */
export function sessionOfTableRoom(room: string): string | null {
  const m = /^sessions\/([^/]+)\/table$/.exec(room);
  return m !== null && isValidSessionId(m[1]!) ? m[1]! : null;
}

/** The room holding a session's GM document: hidden tokens, notes, secret rolls ([EL16]). */
export function gmRoom(sessionId: string): string {
  return `sessions/${sessionId}/gm`;
}

/** The session whose GM document `room` is, or null for any other room. */
export function sessionOfGmRoom(room: string): string | null {
  const m = /^sessions\/([^/]+)\/gm$/.exec(room);
  return m !== null && isValidSessionId(m[1]!) ? m[1]! : null;
}
