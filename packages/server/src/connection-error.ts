import { CloseCode } from '@dungeon-lab/protocol';

/** A protocol violation by one socket: it is closed with `code`; nobody else is affected. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  constructor(
    readonly code: CloseCode,
    detail: string,
  ) {
    super(detail);
  }
}

export function protocolError(detail: string): ConnectionError {
  return new ConnectionError(CloseCode.ProtocolError, detail);
}
