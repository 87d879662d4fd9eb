import type { DeathCause } from './hit-points.ts';

/** The sentence a chat card ends with when the damage changed someone's fate. */
export function fateText(name: string, droppedToZero: boolean, died: DeathCause | null): string {
  if (died === 'massive-damage') return ` ${name} dies from massive damage.`;
  if (died === 'death-saves') return ` ${name} fails a third death save and dies.`;
  if (died === 'npc-at-zero') return ` ${name} dies.`;
  if (droppedToZero) return ` ${name} falls unconscious.`;
  return '';
}

export function signed(n: number): string {
  return n >= 0 ? `+${n}` : String(n);
}
