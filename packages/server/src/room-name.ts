const MAX_ROOM_NAME_LENGTH = 512;
// Control characters would end up in logs and store keys; nothing legitimate needs them.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export function isValidRoomName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_ROOM_NAME_LENGTH && !CONTROL_CHARS.test(name);
}

/** The room a request targets: its URL path without the leading slash, percent-decoded. */
export function roomNameFromPath(pathname: string): string | null {
  let name: string;
  try {
    name = decodeURIComponent(pathname.replace(/^\/+/, ''));
  } catch {
    return null;
  }
  return isValidRoomName(name) ? name : null;
}
