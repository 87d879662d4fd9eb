import { GM_DOC, TABLE_DOC } from '@dungeon-lab/client';
import { useAwareness, useView } from '@dungeon-lab/client-react';
import { BESTIARY } from '@dungeon-lab/plugin-dnd5e';
import { type ReactNode, useEffect, useState } from 'react';
import { usePrefs } from '../app/prefs.ts';
import { type Point, distanceFeet, snapCentre } from './geometry.ts';
import { Floaters } from './Floaters.tsx';
import { type Layer } from './layers.ts';
import { useHasGmLayer } from './use-layer.ts';
import { useGestures } from './local-drag.ts';
import { type Presence, readPresence } from './presence.ts';
import type { SceneSettings } from './scene.ts';
import { useTable } from './table-context.ts';
import { type Aim, type Camera, useTableUi } from './table-ui.ts';

/** How long a ping ripples. */
const PING_MS = 1600;

type ToScreen = (p: Point) => Point;

function screenOf(camera: Camera, cellPx: number): ToScreen {
  return (p) => ({ x: p.x * cellPx * camera.zoom + camera.x, y: p.y * cellPx * camera.zoom + camera.y });
}

/**
 * What is drawn over the map in screen space, so labels keep their size at
 * any zoom: rulers (one's own drag and measure, and everyone else's),
 * where a dragged token will land, what the GM is placing, other people's
 * cursors, and pings.
 */
export function Overlay({ scene }: { readonly scene: SceneSettings }): ReactNode {
  const camera = useTableUi((s) => s.camera);
  const hasGm = useHasGmLayer();
  const toScreen = screenOf(camera, scene.cellPx);
  return (
    <div className="overlay" aria-hidden="true">
      <svg className="overlay-svg">
        <LocalGestures scene={scene} toScreen={toScreen} zoom={camera.zoom} />
        <Placement scene={scene} toScreen={toScreen} zoom={camera.zoom} />
        <Aiming scene={scene} toScreen={toScreen} zoom={camera.zoom} />
        <Others scene={scene} toScreen={toScreen} layer={TABLE_DOC} />
        {hasGm && <Others scene={scene} toScreen={toScreen} layer={GM_DOC} />}
      </svg>
      <Cursors toScreen={toScreen} />
      <Floaters toScreen={toScreen} />
    </div>
  );
}

interface LayerProps {
  readonly scene: SceneSettings;
  readonly toScreen: ToScreen;
}

function Ruler({ from, to, scene, toScreen, color, who }: LayerProps & { readonly from: Point; readonly to: Point; readonly color: string; readonly who?: string }): ReactNode {
  const rule = usePrefs((s) => s.diagonalRule);
  const a = toScreen(from);
  const b = toScreen(to);
  const feet = distanceFeet(from, to, scene.feetPerUnit, rule);
  const label = `${feet} ft${who ? ` · ${who}` : ''}`;
  const width = label.length * 7.5 + 16;
  return (
    <g className="ruler" data-feet={feet}>
      <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} stroke={color} />
      <circle cx={a.x} cy={a.y} r={4} fill={color} />
      <circle cx={b.x} cy={b.y} r={4} fill={color} />
      <g transform={`translate(${b.x + 12}, ${b.y - 30})`}>
        <rect width={width} height={24} rx={6} className="ruler-label-bg" />
        <text x={8} y={16} className="ruler-label">
          {label}
        </text>
      </g>
    </g>
  );
}

function LocalGestures({ scene, toScreen, zoom }: LayerProps & { readonly zoom: number }): ReactNode {
  const drag = useGestures((s) => s.drag);
  const ruler = useGestures((s) => s.ruler);
  return (
    <>
      {drag && (
        <>
          <Ghost at={drag.snapped} size={drag.size} scene={scene} toScreen={toScreen} zoom={zoom} />
          <Ruler from={drag.from} to={drag.snapped} scene={scene} toScreen={toScreen} color="var(--accent)" />
        </>
      )}
      {ruler && <Ruler from={ruler.from} to={ruler.to} scene={scene} toScreen={toScreen} color="var(--accent)" />}
    </>
  );
}

function Ghost({ at, size, scene, toScreen, zoom }: LayerProps & { readonly at: Point; readonly size: number; readonly zoom: number }): ReactNode {
  const c = toScreen(at);
  return <circle className="snap-ghost" cx={c.x} cy={c.y} r={(size * scene.cellPx * zoom) / 2 - 2} />;
}

function Placement({ scene, toScreen, zoom }: LayerProps & { readonly zoom: number }): ReactNode {
  const placing = useTableUi((s) => s.placing);
  const pointer = useTableUi((s) => (s.placing === null ? null : s.pointer));
  if (placing === null || pointer === null) return null;
  const size = placing.kind === 'monster' ? (BESTIARY.find((b) => b.id === placing.entryId)?.size ?? 1) : 1;
  return <Ghost at={snapCentre(pointer, size, scene.width, scene.height)} size={size} scene={scene} toScreen={toScreen} zoom={zoom} />;
}

type Peer = Presence & { readonly clientId: number };

function peersOf(states: ReadonlyMap<number, Readonly<Record<string, unknown>>>): readonly Peer[] {
  const peers: Peer[] = [];
  for (const [clientId, state] of states) {
    const p = readPresence(state);
    if (p !== null) peers.push({ ...p, clientId });
  }
  return peers;
}

/**
 * Other people's rulers and drags, and everyone's pings (one's own included:
 * it comes back through awareness); in the GM room, other GMs' drags of
 * hidden tokens.
 */
function Others({ scene, toScreen, layer }: LayerProps & { readonly layer: Layer }): ReactNode {
  const { selfClientId } = useTable();
  const peers = useAwareness(layer, peersOf);
  const self = selfClientId(layer);
  const pings = usePings(peers);
  return (
    <>
      {peers
        .filter((p) => p.clientId !== self)
        .map((p) => (
          <g key={p.clientId}>
            {p.drag && <Ruler from={p.drag.from} to={p.drag.at} scene={scene} toScreen={toScreen} color={p.user.color} who={p.user.name} />}
            {p.ruler && <Ruler from={p.ruler.from} to={p.ruler.to} scene={scene} toScreen={toScreen} color={p.user.color} who={p.user.name} />}
          </g>
        ))}
      {pings.map((ping) => {
        const c = toScreen(ping.at);
        return (
          <g key={ping.id} className="ping" data-ping-by={ping.name}>
            <circle cx={c.x} cy={c.y} r={10} stroke={ping.color} className="ping-ring" />
            <circle cx={c.x} cy={c.y} r={10} stroke={ping.color} className="ping-ring late" />
            <circle cx={c.x} cy={c.y} r={5} fill={ping.color} />
          </g>
        );
      })}
    </>
  );
}

interface ActivePing {
  readonly id: string;
  readonly at: Point;
  readonly color: string;
  readonly name: string;
}

/** Pings ripple once, for a moment, when first seen: awareness keeps the last ping in each state long after. */
function usePings(peers: readonly Peer[]): readonly ActivePing[] {
  const [seen] = useState(() => new Set<string>());
  const [active, setActive] = useState<readonly ActivePing[]>([]);
  useEffect(() => {
    const fresh = peers.flatMap((p) => (p.ping && !seen.has(p.ping.id) ? [{ id: p.ping.id, at: p.ping.at, color: p.user.color, name: p.user.name }] : []));
    if (fresh.length === 0) return;
    for (const f of fresh) seen.add(f.id);
    setActive((list) => [...list, ...fresh]);
    const timer = setTimeout(() => setActive((list) => list.filter((a) => !fresh.includes(a))), PING_MS);
    return () => clearTimeout(timer);
  }, [peers, seen]);
  return active;
}

function cursorsOf(states: ReadonlyMap<number, Readonly<Record<string, unknown>>>, self: number): readonly { id: number; at: Point; name: string; color: string }[] {
  const out: { id: number; at: Point; name: string; color: string }[] = [];
  for (const [clientId, state] of states) {
    if (clientId === self) continue;
    const p = readPresence(state);
    if (p?.cursor) out.push({ id: clientId, at: p.cursor, name: p.user.name, color: p.user.color });
  }
  return out;
}

function Cursors({ toScreen }: { readonly toScreen: ToScreen }): ReactNode {
  const { selfClientId } = useTable();
  const cursors = useAwareness('table', (states) => cursorsOf(states, selfClientId()));
  return (
    <>
      {cursors.map((c) => {
        const p = toScreen(c.at);
        return (
          <div key={c.id} className="remote-cursor" style={{ transform: `translate(${p.x}px, ${p.y}px)`, color: c.color }} data-cursor-of={c.name}>
            <svg width="18" height="18" viewBox="0 0 18 18">
              <path d="M1 1 L1 15 L5 11 L8 17 L10.5 16 L7.5 10 L13 10 Z" fill="currentColor" stroke="#0b0e14" strokeWidth="1.2" />
            </svg>
            <span className="cursor-name" style={{ background: c.color }}>
              {c.name}
            </span>
          </div>
        );
      })}
    </>
  );
}

/** An action being aimed: its ranges and area at the pointer, and a ring on each token it would reach. */
function Aiming(props: LayerProps & { readonly zoom: number }): ReactNode {
  const aim = useTableUi((s) => s.aim);
  return aim === null ? null : <AimAt aim={aim} {...props} />;
}

/** The aimed action's shapes and rings; it follows the tokens only while something is aimed. */
function AimAt({ aim, scene, toScreen, zoom }: LayerProps & { readonly zoom: number; readonly aim: Aim }): ReactNode {
  const pointer = useTableUi((s) => s.pointer);
  const tokens = useView((v) => v.tokens);
  const scale = scene.cellPx * zoom;
  const hits = aim.hits(pointer);
  const placed = typeof tokens === 'object' && tokens !== null && !Array.isArray(tokens) ? tokens : {};
  return (
    <g className="aim">
      {aim.draw(pointer).map((shape, i) => {
        if (shape.kind === 'circle') {
          const c = toScreen(shape.centre);
          return <circle key={i} className={`aim-shape tone-${shape.tone}`} cx={c.x} cy={c.y} r={shape.radius * scale} />;
        }
        const points = shape.points.map((p) => toScreen(p)).map((p) => `${p.x},${p.y}`).join(' ');
        return <polygon key={i} className={`aim-shape tone-${shape.tone}`} points={points} />;
      })}
      {[...hits].map((tokenId) => {
        const t = placed[tokenId] as { x?: unknown; y?: unknown; size?: unknown } | undefined;
        if (typeof t?.x !== 'number' || typeof t.y !== 'number') return null;
        const c = toScreen({ x: t.x, y: t.y });
        const size = typeof t.size === 'number' ? t.size : 1;
        return <circle key={tokenId} className="aim-hit" cx={c.x} cy={c.y} r={(size * scale) / 2 + 4} />;
      })}
    </g>
  );
}
