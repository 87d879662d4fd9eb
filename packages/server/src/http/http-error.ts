/**
 * An answer to a request the server could not serve, with its status:
 * answered as `{ error }` (docs/api.md). `headers` carry what the status
 * promises the client (`Allow` on 405, `WWW-Authenticate` on 401).
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** 401 with the challenge RFC 6750 asks for. */
export function unauthorized(detail: string): HttpError {
  return new HttpError(401, detail, { 'www-authenticate': 'Bearer realm="dungeon-lab"' });
}
