import { useSessionClient, useView } from '@dungeon-lab/client-react';
import type { JsonObject } from '@dungeon-lab/events';
import { CONDITIONS, DAMAGE_TYPES } from '@dungeon-lab/plugin-dnd5e';
import { type ReactNode, useState } from 'react';

type Kind = 'damage' | 'heal' | 'tempHp';

/**
 * The GM's quick actions on the selection ([APP12]): damage of a type,
 * healing, temporary hit points, a condition on or off — one intent per
 * creature, each through the rules (resistances, death saves, the dead not
 * healed) like any other.
 */
export function QuickActions({ tokenIds }: { readonly tokenIds: readonly string[] }): ReactNode {
  const client = useSessionClient();
  const actorIds = useView(
    (v) => {
      const tokens = (v.tokens ?? {}) as Record<string, JsonObject>;
      return [...new Set(tokenIds.flatMap((id) => (typeof tokens[id]?.actorId === 'string' ? [tokens[id]!.actorId as string] : [])))].sort().join('\n');
    },
  );
  const targets = actorIds === '' ? [] : actorIds.split('\n');
  const [amount, setAmount] = useState('');
  const [type, setType] = useState<string>('slashing');
  const [condition, setCondition] = useState<string>('prone');
  const [error, setError] = useState<string | null>(null);
  if (targets.length === 0) return null;
  const apply = (kind: Kind) => {
    const n = Number(amount);
    if (!Number.isInteger(n) || n < (kind === 'heal' ? 1 : 0) || n > 100_000) return setError('Enter a whole number of hit points.');
    setError(null);
    for (const targetId of targets) {
      const data: JsonObject = kind === 'damage' ? { targetId, amount: n, type } : { targetId, amount: n };
      client.act('dnd5e', { kind, data });
    }
    setAmount('');
  };
  const toggle = (action: 'add' | 'remove') => {
    for (const targetId of targets) client.act('dnd5e', { kind: 'condition', data: { targetId, condition, action } });
  };
  const who = targets.length === 1 ? 'the selected creature' : `${targets.length} creatures`;
  return (
    <section className="quick-actions" aria-label="Quick actions">
      <h3>Quick actions · {who}</h3>
      <div className="quick-row">
        <input aria-label="Hit points" inputMode="numeric" placeholder="HP" value={amount} onChange={(e) => setAmount(e.target.value)} />
        <select aria-label="Damage type" value={type} onChange={(e) => setType(e.target.value)}>
          {DAMAGE_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </div>
      <div className="quick-row">
        <button type="button" className="danger" onClick={() => apply('damage')}>
          Damage
        </button>
        <button type="button" onClick={() => apply('heal')}>
          Heal
        </button>
        <button type="button" onClick={() => apply('tempHp')}>
          Temp HP
        </button>
      </div>
      <div className="quick-row">
        <select aria-label="Condition" value={condition} onChange={(e) => setCondition(e.target.value)}>
          {CONDITIONS.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
        <button type="button" className="small-button" onClick={() => toggle('add')}>
          Add
        </button>
        <button type="button" className="small-button" onClick={() => toggle('remove')}>
          Remove
        </button>
      </div>
      {error && (
        <p className="form-error small" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
