import { GM_DOC, TABLE_DOC } from '@dungeon-lab/client';
import { shallowEqual, useAwareness, useSessionClient, useView } from '@dungeon-lab/client-react';
import type { JsonObject, JsonValue } from '@dungeon-lab/events';
import { type KeyboardEvent, type PointerEvent, type ReactNode, memo, useMemo, useRef } from 'react';
import { useAssetUrl } from '../assets/use-asset.ts';
import { countTokenRender } from '../app/test-hook.ts';
import { toast } from '../app/toasts.ts';
import type { AwarenessStates } from '@dungeon-lab/client-react';
import { tokenGone } from './Board.tsx';
import { useBoardFrame } from './board-frame.ts';
import { type Point, snapCentre } from './geometry.ts';
import { type Layer } from './layers.ts';
import { useLayerJson } from './use-layer.ts';
import { currentTokenId } from './encounter.ts';
import { useGestures } from './local-drag.ts';
import { readPresence } from './presence.ts';
import type { SceneSettings } from './scene.ts';
import { useTable } from './table-context.ts';
import { moveToken } from './table-edits.ts';
import { useTableUi } from './table-ui.ts';
import { type TokenFace, canMove, labelPlacement, showsHp, tokenFace } from './tokens.ts';
import { useViewer } from './use-role.ts';

const CLICK_SLOP_PX = 4;

/** A member of a root map of the view (`/tokens/{id}`), as it is: the view keeps unchanged entities by identity. */
export function entity(view: JsonObject, root: string, id: string | null): JsonValue | undefined {
  if (id === null) return undefined;
  const map = view[root];
  return typeof map === 'object' && map !== null && !Array.isArray(map) ? map[id] : undefined;
}

interface RemoteDrag {
  readonly at: Point;
  readonly name: string;
  readonly color: string;
}

function remoteDragOf(states: AwarenessStates, tokenId: string, self: number): RemoteDrag | null {
  for (const [clientId, state] of states) {
    if (clientId === self) continue;
    const p = readPresence(state);
    if (p?.drag?.tokenId === tokenId) return { at: p.drag.at, name: p.user.name, color: p.user.color };
  }
  return null;
}

const sameDrag = (a: RemoteDrag | null, b: RemoteDrag | null) =>
  a === b || (a !== null && b !== null && a.at.x === b.at.x && a.at.y === b.at.y && a.name === b.name && a.color === b.color);

/** Colours of the other people who have this token selected. */
function watchersOf(states: AwarenessStates, tokenId: string, self: number): readonly string[] {
  const colors: string[] = [];
  for (const [clientId, state] of states) {
    if (clientId === self) continue;
    const p = readPresence(state);
    if (p?.selection.includes(tokenId)) colors.push(p.user.color);
  }
  return colors;
}

function describe(face: TokenFace, hpShown: boolean): string {
  const parts = [face.name];
  if (face.dead) parts.push('dead');
  else if (hpShown && face.hp) parts.push(`${face.hp.value} of ${face.hp.max} hit points${face.hp.temp > 0 ? ` plus ${face.hp.temp} temporary` : ''}`);
  if (face.conditions.length > 0) parts.push(face.conditions.join(', '));
  return parts.join(', ');
}

interface Press {
  readonly pointerId: number;
  readonly start: { readonly x: number; readonly y: number };
  readonly grab: Point;
  readonly from: Point;
  readonly movable: boolean;
  moved: boolean;
}

/**
 * One token: a real button (named for screen readers and tests), drawn at its
 * place in the document — or where someone is dragging it right now. Drag
 * moves it with snapping and a live ruler; the drop is one free edit. It
 * re-renders only when its own record, its actor, or a drag or selection of
 * it changes.
 */
export const Token = memo(function Token({ id, scene, layer }: { readonly id: string; readonly scene: SceneSettings; readonly layer: Layer }): ReactNode {
  countTokenRender(id);
  const client = useSessionClient();
  const { presenceOf, selfClientId } = useTable();
  const presence = presenceOf(layer);
  const frame = useBoardFrame();
  const { userId, isGm } = useViewer();
  const token = useLayerJson(layer, (v) => entity(v, 'tokens', id));
  const actorId = typeof token === 'object' && token !== null && !Array.isArray(token) && typeof token.actorId === 'string' ? token.actorId : null;
  // A hidden token's actor is hidden too, or (a character's) on the table.
  const ownActor = useLayerJson(layer, (v) => entity(v, 'actors', actorId));
  const tableActor = useView((v) => (layer === TABLE_DOC ? undefined : entity(v, 'actors', actorId)));
  const actor = ownActor ?? tableActor;
  const face = useMemo(() => tokenFace(id, token, actor), [id, token, actor]);
  const localDrag = useGestures((s) => (s.drag?.tokenId === id ? s.drag : null));
  const remoteDrag = useAwareness(layer, (states) => remoteDragOf(states, id, selfClientId(layer)), sameDrag);
  const watchers = useAwareness(layer, (states) => watchersOf(states, id, selfClientId(layer)), shallowEqual);
  const selected = useTableUi((s) => s.selection.includes(id));
  const aim = useTableUi((s) => (s.aim?.pick === 'token' ? s.aim : null));
  const turn = useView((v) => currentTokenId(v) === id);
  const placement = useLayerJson(layer, (v) => labelPlacement(v, id));
  const press = useRef<Press | null>(null);
  if (face === null) return null;

  const movable = canMove(face, userId, isGm);
  const hpShown = showsHp(face, userId, isGm);
  const at = localDrag?.at ?? remoteDrag?.at ?? face;
  const px = scene.cellPx;
  const side = face.size * px;

  const onPointerDown = (e: PointerEvent<HTMLButtonElement>) => {
    const ui = useTableUi.getState();
    if (ui.aim !== null && ui.aim.pick === 'token' && e.button === 0) {
      // Aiming an action: this token is its target, if the action's rules allow it.
      e.stopPropagation();
      const why = ui.aim.refuse({ tokenId: id });
      if (why !== null) {
        toast({ tone: 'info', title: `Not ${face.name}`, detail: why });
        return;
      }
      const aim = ui.aim;
      ui.setAim(null);
      aim.complete({ tokenId: id });
      return;
    }
    // Gestures of the board (pan with space or the middle button, pings, rulers, placing) pass through tokens.
    if (e.button !== 0 || e.altKey || frame.spaceHeld() || ui.tool !== 'select' || ui.placing !== null) return;
    e.stopPropagation();
    const additive = e.shiftKey || e.metaKey || e.ctrlKey;
    const selection = additive ? (selected ? ui.selection.filter((s) => s !== id) : [...ui.selection, id]) : selected ? ui.selection : [id];
    ui.select(selection);
    e.currentTarget.setPointerCapture(e.pointerId);
    const pointer = frame.toCells(e.clientX, e.clientY);
    press.current = { pointerId: e.pointerId, start: { x: e.clientX, y: e.clientY }, grab: { x: pointer.x - face.x, y: pointer.y - face.y }, from: { x: face.x, y: face.y }, movable, moved: false };
  };

  const onPointerMove = (e: PointerEvent<HTMLButtonElement>) => {
    const p = press.current;
    if (p === null || p.pointerId !== e.pointerId) return;
    if (!p.moved && Math.hypot(e.clientX - p.start.x, e.clientY - p.start.y) < CLICK_SLOP_PX) return;
    if (!p.moved && !p.movable) {
      p.moved = true;
      toast({ tone: 'info', title: `You cannot move ${face.name}`, detail: 'Only the game master and the player it belongs to can move it.' });
      return;
    }
    if (!p.movable) return;
    p.moved = true;
    const pointer = frame.toCells(e.clientX, e.clientY);
    const centre = { x: pointer.x - p.grab.x, y: pointer.y - p.grab.y };
    const snapped = snapCentre(centre, face.size, scene.width, scene.height);
    useGestures.getState().setDrag({ tokenId: id, at: centre, snapped, from: p.from, size: face.size, layer });
    presence.publish({ drag: { tokenId: id, at: snapped, from: p.from } });
  };

  const finish = (commit: boolean) => {
    const p = press.current;
    press.current = null;
    const drag = useGestures.getState().drag;
    if (drag?.tokenId !== id) return;
    useGestures.getState().setDrag(null);
    presence.publish({ drag: null }, { flush: true });
    if (!commit || !p?.moved) return;
    if (drag.snapped.x === p.from.x && drag.snapped.y === p.from.y) return;
    if (!moveToken(client.doc(layer), id, drag.snapped)) tokenGone(face.name);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key === 'Escape' && useGestures.getState().drag?.tokenId === id) {
      e.stopPropagation();
      return finish(false);
    }
    const step = ARROWS[e.key];
    if (step === undefined || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    e.stopPropagation();
    if (!movable) {
      toast({ tone: 'info', title: `You cannot move ${face.name}`, detail: 'Only the game master and the player it belongs to can move it.' });
      return;
    }
    const to = snapCentre({ x: face.x + step.x, y: face.y + step.y }, face.size, scene.width, scene.height);
    if ((to.x !== face.x || to.y !== face.y) && !moveToken(client.doc(layer), id, to)) tokenGone(face.name);
  };

  const classes = ['token', `kind-${face.kind ?? 'object'}`];
  if (layer === GM_DOC) classes.push('hidden-token');
  if (selected) classes.push('selected');
  if (localDrag) classes.push('dragging');
  if (remoteDrag) classes.push('remote-dragging');
  if (movable) classes.push('movable');
  if (face.dead) classes.push('dead');
  if (turn) classes.push('current-turn');
  // Over a token someone else drags, its mover's name is above: the token's own name stays under it.
  if (placement === 'above' && !remoteDrag) classes.push('label-above');
  const refusal = aim === null ? null : aim.refuse({ tokenId: id });
  if (aim !== null) classes.push(refusal === null ? 'aim-ok' : 'aim-refused');
  const hpRatio = face.hp ? Math.max(0, Math.min(1, face.hp.value / face.hp.max)) : 0;
  const ring = watchers.length > 0 ? watchers.map((c, i) => `0 0 0 ${3 + i * 3}px ${c}`).join(', ') : undefined;

  return (
    <button
      type="button"
      className={classes.join(' ')}
      style={{
        transform: `translate(${(at.x - face.size / 2) * px}px, ${(at.y - face.size / 2) * px}px)`,
        width: side,
        height: side,
        ['--token-color' as string]: face.color,
        ...(ring ? { ['--watchers' as string]: ring } : {}),
      }}
      aria-label={describe(face, hpShown) + (layer === GM_DOC ? ', hidden from players' : '')}
      title={refusal ?? undefined}
      aria-pressed={selected}
      aria-describedby={movable ? undefined : 'token-not-movable'}
      data-token-id={id}
      data-layer={layer}
      data-x={face.x}
      data-y={face.y}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={() => finish(true)}
      onPointerCancel={() => finish(false)}
      onLostPointerCapture={() => finish(true)}
      onKeyDown={onKeyDown}
      onClick={(e) => {
        // Keyboard activation (Enter, Space) selects; pointer presses were handled on the way down.
        if (e.detail !== 0) return;
        useTableUi.getState().select(selected ? [] : [id]);
      }}
    >
      <span className="token-face" style={{ fontSize: Math.max(10, side * 0.32) }}>
        {face.image ? <TokenPicture hash={face.image} /> : face.initials}
      </span>
      {hpShown && face.hp && (
        <span className="hp-bar" aria-hidden="true">
          <span className={`hp-fill${hpRatio <= 0.5 ? ' bloodied' : ''}`} style={{ width: `${hpRatio * 100}%` }} />
          {face.hp.temp > 0 && <span className="hp-temp" />}
        </span>
      )}
      {face.conditions.length > 0 && (
        <span className="token-conditions" aria-hidden="true">
          {face.conditions.slice(0, 3).map((c) => (
            <span key={c} className="condition" title={c}>
              {c.slice(0, 3)}
            </span>
          ))}
          {face.conditions.length > 3 && <span className="condition">+{face.conditions.length - 3}</span>}
        </span>
      )}
      <span className="token-name" aria-hidden="true">
        {face.name}
      </span>
      {layer === GM_DOC && (
        <span className="hidden-badge" aria-hidden="true" title="Hidden from players">
          <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
            <path d="M3 3l18 18M10.6 10.6a2 2 0 0 0 2.8 2.8M9.9 5.1A10 10 0 0 1 12 5c5 0 9 4.5 10 7-.4 1-1.2 2.3-2.4 3.5M6.3 6.3C4.2 7.7 2.7 9.8 2 12c1 2.5 5 7 10 7 1.7 0 3.2-.5 4.6-1.2" />
          </svg>
        </span>
      )}
      {remoteDrag && (
        <span className="drag-tag" style={{ background: remoteDrag.color }} aria-hidden="true">
          {remoteDrag.name}
        </span>
      )}
    </button>
  );
});

const ARROWS: Readonly<Record<string, Point>> = {
  ArrowLeft: { x: -1, y: 0 },
  ArrowRight: { x: 1, y: 0 },
  ArrowUp: { x: 0, y: -1 },
  ArrowDown: { x: 0, y: 1 },
};

function TokenPicture({ hash }: { readonly hash: string }): ReactNode {
  const url = useAssetUrl(hash);
  return url === null ? null : <img src={url} alt="" draggable={false} />;
}
