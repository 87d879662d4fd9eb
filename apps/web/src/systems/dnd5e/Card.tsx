import { useView } from '@dungeon-lab/client-react';
import type { JsonObject, JsonValue } from '@dungeon-lab/events';
import type { ReactNode } from 'react';
import type { CardProps } from '../system-ui.ts';

const num = (v: JsonValue | undefined): number | null => (typeof v === 'number' ? v : null);
const obj = (v: JsonValue | undefined): JsonObject | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null);
const list = (v: JsonValue | undefined): JsonValue[] => (Array.isArray(v) ? v : []);

/**
 * A D&D 5e result in chat ([APP11]): the sentence the rules wrote, and what
 * decided it — the d20s (the one that counted marked; advantage and why),
 * hit or miss, a critical, damage by type with resistances applied, each
 * target's save. While the server has not rolled, it says so.
 */
export function Card({ card, text, pending }: CardProps): ReactNode {
  const type = typeof card.type === 'string' ? card.type.split(':').pop() : '';
  return (
    <div className={`rules-card card-${type}${pending ? ' pending' : ''}`}>
      <p className="rules-text">{text}</p>
      {!pending && type === 'attack' && <AttackDetail card={card} />}
      {!pending && type === 'cast-aoe' && <CastDetail card={card} />}
      {!pending && type === 'death-save' && num(card.roll) !== null && <p className="rules-line">d20: {num(card.roll)}</p>}
      {pending && <p className="muted small">Waiting for the server’s dice…</p>}
    </div>
  );
}

function D20s({ rolls, kept }: { readonly rolls: readonly JsonValue[]; readonly kept: number | null }): ReactNode {
  let used = false;
  return (
    <span className="roll-dice">
      {rolls.map((r, i) => {
        const counts = !used && r === kept;
        if (counts) used = true;
        return (
          <span key={i} className={`die${counts ? '' : ' dropped'}${r === 20 ? ' max' : r === 1 ? ' min' : ''}`}>
            {String(r)}
          </span>
        );
      })}
    </span>
  );
}

/** Each damage die as rolled. */
function DamageDice({ faces }: { readonly faces: readonly JsonValue[] }): ReactNode {
  return (
    <span className="roll-dice">
      {faces.map((f, i) => (
        <span key={i} className="die">
          {String(f)}
        </span>
      ))}
    </span>
  );
}

function AttackDetail({ card }: { readonly card: JsonObject }): ReactNode {
  const mode = typeof card.mode === 'string' ? card.mode : 'normal';
  const why = [...list(card.advantage), ...list(card.disadvantage)].filter((v): v is string => typeof v === 'string');
  const damage = obj(card.damage);
  const d20 = list(card.d20);
  return (
    <div className="rules-detail">
      <p className="rules-line">
        {/* Both d20s are always rolled; without advantage or disadvantage only the first counts. */}
        <D20s rolls={mode === 'normal' ? d20.slice(0, 1) : d20} kept={num(card.natural)} /> {num(card.total) !== null && <>= {num(card.total)}</>} vs AC {num(card.ac)}
        {mode !== 'normal' && (
          <span className="rules-mode">
            {' '}
            · {mode}
            {why.length > 0 ? ` (${why.join(', ')})` : ''}
          </span>
        )}
      </p>
      <p className={`rules-outcome ${card.hit === true ? (card.critical === true ? 'critical' : 'hit') : 'miss'}`}>{card.hit === true ? (card.critical === true ? 'Critical hit' : 'Hit') : 'Miss'}</p>
      {damage && (
        <p className="rules-line">
          <DamageDice faces={list(damage.faces)} />{' '}
          {num(damage.rolled)} {String(damage.type)}
          {typeof damage.defense === 'string' && ` → ${num(damage.taken)} (${damage.defense})`}
          {num(card.targetHp) !== null && <span className="muted"> · {num(card.targetHp)} HP left</span>}
        </p>
      )}
    </div>
  );
}

function CastDetail({ card }: { readonly card: JsonObject }): ReactNode {
  const damage = obj(card.damage);
  const results = list(card.results).map(obj).filter((r): r is JsonObject => r !== null);
  return (
    <div className="rules-detail">
      {damage && (
        <p className="rules-line">
          <DamageDice faces={list(damage.faces)} />{' '}
          {num(damage.rolled)} {String(damage.type)} · DC {num(card.dc)} {String(card.save ?? '').toUpperCase()}
        </p>
      )}
      {results.length > 0 && (
        <table className="save-table">
          <thead>
            <tr>
              <th scope="col">Target</th>
              <th scope="col">Save</th>
              <th scope="col">Damage</th>
            </tr>
          </thead>
          <tbody>
            {results.map((r) => (
              <tr key={String(r.actorId)} className={r.success === true ? 'saved' : 'failed'}>
                <td>
                  <ActorName actorId={String(r.actorId)} />
                </td>
                <td>{r.autoFail === true ? 'auto fail' : `${num(r.total)} ${r.success === true ? '✓' : '✗'}`}</td>
                <td>
                  {num(r.taken)}
                  {typeof r.defense === 'string' ? ` (${r.defense})` : ''}
                  {r.died === true ? ' · dies' : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function ActorName({ actorId }: { readonly actorId: string }): ReactNode {
  const name = useView((v) => {
    const actor = (v.actors as Record<string, JsonObject> | undefined)?.[actorId];
    return typeof actor?.name === 'string' ? actor.name : null;
  });
  return name ?? 'someone';
}
