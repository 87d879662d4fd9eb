import { z } from 'zod';

/** Entity ids as used in pointers; bounded so a payload cannot carry megabytes of id. */
export const EntityIdSchema = z.string().min(1).max(200);
export const IntSchema = z.number().int();
/** HP amounts a GM may apply in one go. */
export const AmountSchema = IntSchema.min(0).max(100_000);
