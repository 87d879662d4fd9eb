import type { ReactNode } from 'react';
import type { FeedEntry } from './feed.ts';

type Roll = Extract<FeedEntry, { kind: 'roll' }>;

/** A roll as the table sees it: label, total, and every die (the dropped ones of kh/kl struck through). */
export function RollCard({ roll }: { readonly roll: Roll }): ReactNode {
  const dice = roll.terms.flatMap((term, t) =>
    term.rolls.map((value, i) => {
      const kept = term.kept === undefined || term.kept.includes(i);
      const edge = value === term.sides ? ' max' : value === 1 ? ' min' : '';
      return (
        <span key={`${t}-${i}`} className={`die${kept ? '' : ' dropped'}${edge}`} title={`d${term.sides}${kept ? '' : ', not counted'}`}>
          {term.sign === -1 ? '−' : ''}
          {value}
        </span>
      );
    }),
  );
  return (
    <div className={`roll-card${roll.secret ? ' secret' : ''}`}>
      <div className="roll-head">
        <span className="roll-label">{roll.label ?? 'Roll'}</span>
        <span className="roll-notation">{roll.notation}</span>
        {roll.secret && <span className="secret-badge">GM only</span>}
      </div>
      {roll.total === null ? (
        <div className="roll-pending">Rolling…</div>
      ) : (
        <div className="roll-body">
          <span className="roll-total" aria-label={`total ${roll.total}`}>
            {roll.total}
          </span>
          <span className="roll-dice">
            {dice}
            {roll.modifier !== 0 && <span className="roll-modifier">{roll.modifier > 0 ? `+${roll.modifier}` : `−${-roll.modifier}`}</span>}
          </span>
        </div>
      )}
    </div>
  );
}
