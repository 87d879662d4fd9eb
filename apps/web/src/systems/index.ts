import { dnd5eUi } from './dnd5e/index.ts';
import type { SystemUi } from './system-ui.ts';

export { systemFor, type SystemUi } from './system-ui.ts';

/** The game systems whose UI the app carries, matching the plugins it predicts with (TablePage's PLUGINS). */
export const SYSTEMS: readonly SystemUi[] = [dnd5eUi];
