import { useSessionClient } from '@dungeon-lab/client-react';
import type { JsonObject } from '@dungeon-lab/events';
import { ABILITIES, AREA_SPELLS, type Ability, type Actor, type AreaSpellId, type Derived5e, deriveActor, parseActor } from '@dungeon-lab/plugin-dnd5e';
import { type ReactNode, useMemo, useState } from 'react';
import { toast } from '../../app/toasts.ts';
import { entity } from '../../table/Token.tsx';
import { useLayerJson } from '../../table/use-layer.ts';
import { type Layer } from '../../table/layers.ts';
import { updateActor } from '../../table/table-edits.ts';
import { useTableUi } from '../../table/table-ui.ts';
import { canMove, tokenFace } from '../../table/tokens.ts';
import { useViewer } from '../../table/use-role.ts';
import type { SheetProps } from '../system-ui.ts';
import { type Actor5e, attackAim, spellAim } from './aims.ts';

const signed = (n: number) => (n >= 0 ? `+${n}` : `−${-n}`);
const ABILITY_LABEL: Readonly<Record<Ability, string>> = { str: 'STR', dex: 'DEX', con: 'CON', int: 'INT', wis: 'WIS', cha: 'CHA' };

function useActorJson(layer: Layer, actorId: string): JsonObject | undefined {
  const own = useLayerJson(layer, (v) => entity(v, 'actors', actorId));
  const table = useLayerJson('table', (v) => (layer === 'table' ? undefined : entity(v, 'actors', actorId)));
  const value = own ?? table;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

/**
 * The character panel of a 5e actor ([APP10]). Its player and the GM see the
 * whole sheet — hit points, AC, abilities and saves, conditions, weapons with
 * Attack, area spells with their slots and Cast, death saves with Roll;
 * everyone else the public part (name, and hit points where the table shows
 * them). The GM edits the stats the write rules leave to them (AC, abilities,
 * proficiency, speed); hit points, conditions, slots and death saves change
 * only through intents.
 */
export function Sheet({ tokenId, actorId, layer }: SheetProps): ReactNode {
  const { userId, isGm } = useViewer();
  const json = useActorJson(layer, actorId);
  const token = useLayerJson(layer, (v) => entity(v, 'tokens', tokenId));
  const read = useMemo(() => parseActor(json, actorId), [json, actorId]);
  if (!read.ok) return <p className="muted small">{read.missing ? 'No character sheet.' : `This sheet cannot be read: ${read.problem}`}</p>;
  const actor = read.actor;
  const derived = deriveActor(actor);
  const face = tokenFace(tokenId, token, json);
  const full = isGm || (face !== null && canMove(face, userId, isGm));
  const at = face === null ? null : { x: face.x, y: face.y };
  const acting: Actor5e | null = at === null || layer !== 'table' ? null : { actorId, tokenId, at };
  return (
    <div className="sheet" aria-label={`${actor.name}'s sheet`}>
      <Vitals actor={actor} derived={derived} full={full} />
      {(derived.dying || actor.dead || actor.stable) && <DeathSaves actor={actor} actorId={actorId} full={full} />}
      {full && (
        <>
          <Abilities actor={actor} derived={derived} actorId={actorId} editable={isGm} layer={layer} />
          {acting !== null && derived.canAct && <Weapons derived={derived} actor={actor} acting={acting} />}
          {acting !== null && actor.spells.length > 0 && <Spells actor={actor} acting={acting} canAct={derived.canAct} />}
          {acting === null && layer !== 'table' && <p className="muted small">Reveal this creature to act with it.</p>}
        </>
      )}
    </div>
  );
}

function Vitals({ actor, derived, full }: { readonly actor: Actor; readonly derived: Derived5e; readonly full: boolean }): ReactNode {
  const state = actor.dead ? 'Dead' : derived.dying ? 'Dying' : actor.stable && actor.hp.value === 0 ? 'Stable' : !derived.conscious ? 'Unconscious' : null;
  return (
    <div className="vitals">
      {full && (
        <dl className="stat-chips">
          <div>
            <dt>AC</dt>
            <dd>{derived.ac}</dd>
          </div>
          <div>
            <dt>Speed</dt>
            <dd>{derived.speed} ft</dd>
          </div>
          <div>
            <dt>Prof.</dt>
            <dd>{signed(derived.proficiency)}</dd>
          </div>
          {derived.spellSaveDc !== null && (
            <div>
              <dt>Spell DC</dt>
              <dd>{derived.spellSaveDc}</dd>
            </div>
          )}
        </dl>
      )}
      {state && <p className={`life-state state-${state.toLowerCase()}`}>{state}</p>}
      {actor.conditions.length > 0 && (
        <ul className="condition-list" aria-label="Conditions">
          {actor.conditions.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function DeathSaves({ actor, actorId, full }: { readonly actor: Actor; readonly actorId: string; readonly full: boolean }): ReactNode {
  const client = useSessionClient();
  const { successes, failures } = actor.deathSaves;
  const marks = (n: number, kind: string) =>
    [0, 1, 2].map((i) => <span key={i} className={`save-mark ${kind}${i < n ? ' filled' : ''}`} aria-hidden="true" />);
  return (
    <section className="death-saves" aria-label="Death saves">
      <h3>Death saves</h3>
      <div className="save-row" aria-label={`${successes} successes`}>
        <span>Successes</span>
        {marks(successes, 'success')}
      </div>
      <div className="save-row" aria-label={`${failures} failures`}>
        <span>Failures</span>
        {marks(failures, 'failure')}
      </div>
      {actor.dead ? (
        <p className="life-state state-dead">{actor.name} is dead.</p>
      ) : actor.stable ? (
        <p className="muted small">{actor.name} is stable at 0 hit points.</p>
      ) : (
        full && (
          <button type="button" className="primary" onClick={() => client.act('dnd5e', { kind: 'deathSave', data: { actorId } })}>
            Roll a death save
          </button>
        )
      )}
    </section>
  );
}

function Abilities({ actor, derived, actorId, editable, layer }: { readonly actor: Actor; readonly derived: Derived5e; readonly actorId: string; readonly editable: boolean; readonly layer: Layer }): ReactNode {
  const [editing, setEditing] = useState(false);
  if (editing) return <StatEditor actor={actor} actorId={actorId} layer={layer} onDone={() => setEditing(false)} />;
  return (
    <section className="abilities" aria-label="Abilities and saving throws">
      <div className="section-head">
        <h3>Abilities</h3>
        {editable && (
          <button type="button" className="small-button" onClick={() => setEditing(true)}>
            Edit stats
          </button>
        )}
      </div>
      <table>
        <tbody>
          {ABILITIES.map((a) => {
            const save = derived.saves[a];
            const proficient = actor.saves.includes(a);
            return (
              <tr key={a}>
                <th scope="row">{ABILITY_LABEL[a]}</th>
                <td>{actor.abilities[a]}</td>
                <td>{signed(derived.abilityModifiers[a])}</td>
                <td className={proficient ? 'proficient' : ''} title={proficient ? 'Proficient in this save' : undefined}>
                  save {signed(save.modifier)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

/** The GM edits what the write rules leave to them; everything rule-bound changes through intents. */
function StatEditor({ actor, actorId, layer, onDone }: { readonly actor: Actor; readonly actorId: string; readonly layer: Layer; readonly onDone: () => void }): ReactNode {
  const client = useSessionClient();
  const [draft, setDraft] = useState<Record<string, string>>(() => ({
    ac: String(actor.ac),
    speed: String(actor.speed),
    proficiency: String(actor.proficiency),
    ...Object.fromEntries(ABILITIES.map((a) => [a, String(actor.abilities[a])])),
  }));
  const [error, setError] = useState<string | null>(null);
  const fields: { key: string; label: string; min: number; max: number }[] = [
    { key: 'ac', label: 'AC', min: 0, max: 50 },
    { key: 'speed', label: 'Speed (ft)', min: 0, max: 200 },
    { key: 'proficiency', label: 'Proficiency', min: 0, max: 10 },
    ...ABILITIES.map((a) => ({ key: a, label: ABILITY_LABEL[a], min: 1, max: 30 })),
  ];
  const save = () => {
    const values: Record<string, number> = {};
    for (const f of fields) {
      const n = Number(draft[f.key]);
      if (!Number.isInteger(n) || n < f.min || n > f.max) return setError(`${f.label} must be a whole number from ${f.min} to ${f.max}.`);
      values[f.key] = n;
    }
    const ok = updateActor(client.doc(layer), actorId, {
      ac: values.ac!,
      speed: values.speed!,
      proficiency: values.proficiency!,
      abilities: Object.fromEntries(ABILITIES.map((a) => [a, values[a]!])) as Record<Ability, number>,
    });
    if (!ok) toast({ tone: 'warning', title: `${actor.name} is gone` });
    onDone();
  };
  return (
    <section className="abilities" aria-label="Edit stats">
      <h3>Edit stats</h3>
      <div className="stat-editor">
        {fields.map((f) => (
          <label key={f.key} className="field">
            <span>{f.label}</span>
            <input inputMode="numeric" value={draft[f.key]} onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })} />
          </label>
        ))}
      </div>
      {error && (
        <p className="form-error small" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="primary" onClick={save}>
          Save stats
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </section>
  );
}

function Weapons({ derived, actor, acting }: { readonly derived: Derived5e; readonly actor: Actor; readonly acting: Actor5e }): ReactNode {
  const client = useSessionClient();
  const setAim = useTableUi((s) => s.setAim);
  const entries = Object.entries(derived.attacks);
  if (entries.length === 0) return null;
  return (
    <section className="weapons" aria-label="Attacks">
      <h3>Attacks</h3>
      <ul className="action-list">
        {entries.map(([weaponId, w]) => (
          <li key={weaponId}>
            <div className="action-text">
              <span className="entry-name">{w.name}</span>
              <span className="muted small">
                {signed(w.toHit)} to hit · {w.damage} {w.damageType} · {w.kind === 'melee' ? `reach ${w.range.normal} ft` : `${w.range.normal}${w.range.long ? `/${w.range.long}` : ''} ft`}
              </span>
            </div>
            <button
              type="button"
              className="small-button"
              aria-label={`Attack with ${w.name}`}
              onClick={() => setAim(attackAim(client, acting, weaponId, w.name, w.range, actor.weapons[weaponId]!.damage))}
            >
              Attack
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Spells({ actor, acting, canAct }: { readonly actor: Actor; readonly acting: Actor5e; readonly canAct: boolean }): ReactNode {
  const client = useSessionClient();
  const setAim = useTableUi((s) => s.setAim);
  const spells = actor.spells.filter((id): id is AreaSpellId => id in AREA_SPELLS);
  const slots = Object.entries(actor.spellSlots)
    .map(([level, slot]) => ({ level: Number(level), left: slot.max - slot.used, max: slot.max }))
    .sort((a, b) => a.level - b.level);
  return (
    <section className="spells" aria-label="Spells">
      <h3>Spells</h3>
      {slots.length > 0 && (
        <p className="slot-line">
          {slots.map((s) => (
            <span key={s.level} className="slot" aria-label={`Level ${s.level} slots: ${s.left} of ${s.max} left`}>
              L{s.level} {s.left}/{s.max}
            </span>
          ))}
        </p>
      )}
      <ul className="action-list">
        {spells.map((id) => (
          <SpellRow key={id} spell={id} slots={slots} disabled={!canAct} onCast={(level) => setAim(spellAim(client, acting, id, level))} />
        ))}
      </ul>
    </section>
  );
}

function SpellRow({ spell, slots, disabled, onCast }: { readonly spell: AreaSpellId; readonly slots: readonly { level: number; left: number }[]; readonly disabled: boolean; readonly onCast: (level: number) => void }): ReactNode {
  const def = AREA_SPELLS[spell];
  const usable = slots.filter((s) => s.level >= def.level && s.left > 0);
  const [level, setLevel] = useState(usable[0]?.level ?? def.level);
  const chosen = usable.some((s) => s.level === level) ? level : (usable[0]?.level ?? def.level);
  const area = def.area.shape === 'sphere' ? `${def.area.radius} ft radius` : def.area.shape === 'cone' ? `${def.area.length} ft cone` : `${def.area.length} ft line`;
  return (
    <li>
      <div className="action-text">
        <span className="entry-name">{def.name}</span>
        <span className="muted small">
          level {def.level} · {def.damage.dice}d{def.damage.sides} {def.damage.type} · {area} · {def.save.toUpperCase()} save
        </span>
      </div>
      {usable.length > 1 && (
        <select aria-label={`Slot level for ${def.name}`} value={chosen} onChange={(e) => setLevel(Number(e.target.value))}>
          {usable.map((s) => (
            <option key={s.level} value={s.level}>
              L{s.level}
            </option>
          ))}
        </select>
      )}
      <button type="button" className="small-button" disabled={disabled || usable.length === 0} onClick={() => onCast(chosen)} aria-label={`Cast ${def.name}`} title={usable.length === 0 ? 'No slot left for it' : undefined}>
        Cast
      </button>
    </li>
  );
}
