import type { IncomingMessage } from 'node:http';

/**
 * Who is acting. Until signed tokens land (security issue), the caller names
 * itself: `user` query parameter on sockets, `x-user-id` header (or `user`
 * parameter) over HTTP. The server trusts it; it is a development identity and
 * is documented as such. Limited to a short, printable id.
 */
const USER_ID = /^[A-Za-z0-9_.@:-]{1,128}$/;
export const ANONYMOUS = 'anonymous';

export function userFromRequest(req: IncomingMessage, url: URL): string {
  const header = req.headers['x-user-id'];
  const candidate = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('user') ?? ANONYMOUS;
  return USER_ID.test(candidate) ? candidate : ANONYMOUS;
}
