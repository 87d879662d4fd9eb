import { z } from 'zod';
import type { JsonObject } from './json.ts';
import { type IntentDefinition, valid } from './reducer.ts';

/** Longest message, in Unicode code points after trimming ([EM13]). */
export const CHAT_TEXT_MAX_CHARS = 2000;

const codePoints = (text: string) => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

export const ChatMessagePayloadSchema = z.strictObject({
  text: z.string().refine((text) => {
    const n = codePoints(text.trim());
    return n >= 1 && n <= CHAT_TEXT_MAX_CHARS;
  }, `text must be 1–${CHAT_TEXT_MAX_CHARS} characters after trimming`),
});
export type ChatMessagePayload = z.infer<typeof ChatMessagePayloadSchema>;

/**
 * `chat:message` ([EM13]): appends one entry to `/chat`. The only op is an
 * append, so a message can never edit or remove anyone else's. The text is
 * stored trimmed; the payload (and its checksum) keep what the client sent.
 */
export const chatMessageIntent: IntentDefinition<ChatMessagePayload> = {
  type: 'chat:message',
  payload: ChatMessagePayloadSchema,
  // 2000 code points are at most 8000 bytes of UTF-8, or 12000 if every one is an escaped control character.
  maxPayloadBytes: 16 * 1024,
  priority: true,
  validate() {
    // Everything checkable is in the schema; who may chat is the server's membership rule.
    return valid;
  },
  reduce(event) {
    const entry: JsonObject = {
      id: event.id,
      userId: event.userId,
      text: event.payload.text.trim(),
      timestamp: event.timestamp,
    };
    if (event.sequence !== undefined) entry.sequence = event.sequence;
    return [{ op: 'add', path: '/chat/-', value: entry }];
  },
};

