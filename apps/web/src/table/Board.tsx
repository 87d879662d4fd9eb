import { GM_DOC, TABLE_DOC } from '@dungeon-lab/client';
import { useSessionClient, useView } from '@dungeon-lab/client-react';
import { BESTIARY } from '@dungeon-lab/plugin-dnd5e';
import { type KeyboardEvent as ReactKeyboardEvent, type PointerEvent as ReactPointerEvent, type ReactNode, useEffect, useMemo, useRef } from 'react';
import { toast } from '../app/toasts.ts';
import { BoardFrameCtx, type BoardFrame } from './board-frame.ts';
import { type Point, clampToScene, snapCentre } from './geometry.ts';
import { Overlay } from './Overlay.tsx';
import { EncounterBar } from './EncounterBar.tsx';
import { Grid } from './Grid.tsx';
import { MapImage } from './MapImage.tsx';
import { TokenLayer } from './TokenLayer.tsx';
import { WaitingForGm } from './WaitingForGm.tsx';
import { ZoomControls } from './ZoomControls.tsx';
import { useHasGmLayer } from './use-layer.ts';
import { useGestures } from './local-drag.ts';
import { readScene, sameScene } from './scene.ts';
import { useTable } from './table-context.ts';
import { nextName, placeActorToken, placeMonster } from './table-edits.ts';
import { fitCamera, toCells, useTableUi, zoomAround } from './table-ui.ts';

/** Pixels a press may wander before it counts as a drag rather than a click. */
const CLICK_SLOP_PX = 4;

type Gesture =
  | { readonly kind: 'pan'; readonly pointerId: number; readonly start: Point; readonly camera: { x: number; y: number; zoom: number }; moved: boolean }
  | { readonly kind: 'ruler'; readonly pointerId: number; readonly from: Point }
  | { readonly kind: 'pinch'; readonly distance: number; readonly centre: Point; readonly camera: { x: number; y: number; zoom: number } };

/**
 * The map: one camera transform over the grid and the tokens, and a
 * screen-space overlay for cursors, rulers and pings. Drag on empty space
 * (or space+drag, or the middle button) pans; the wheel and pinch zoom
 * towards the pointer; Alt+click pings; with the ruler tool a drag measures.
 */
export function Board(): ReactNode {
  const client = useSessionClient();
  const { presence } = useTable();
  const board = useRef<HTMLDivElement>(null);
  const scene = useView((v) => readScene(v.scene), sameScene);
  const camera = useTableUi((s) => s.camera);
  const placing = useTableUi((s) => s.placing);
  const aim = useTableUi((s) => s.aim);
  const tool = useTableUi((s) => s.tool);
  const hasGm = useHasGmLayer();
  const space = useRef(false);
  const gesture = useRef<Gesture | null>(null);
  const touches = useRef(new Map<number, Point>());

  const frame = useMemo<BoardFrame>(
    () => ({
      toCells(clientX, clientY) {
        const rect = board.current?.getBoundingClientRect();
        const at = { x: clientX - (rect?.left ?? 0), y: clientY - (rect?.top ?? 0) };
        return toCells(useTableUi.getState().camera, scene.cellPx, at);
      },
      spaceHeld: () => space.current,
    }),
    [scene.cellPx],
  );

  // Show the whole scene when the table opens and whenever its size changes.
  const sceneKey = `${scene.width}x${scene.height}x${scene.cellPx}`;
  useEffect(() => {
    const el = board.current;
    if (el === null) return;
    useTableUi.getState().setCamera(fitCamera(scene.width * scene.cellPx, scene.height * scene.cellPx, el.clientWidth, el.clientHeight));
  }, [sceneKey]);

  // Space held pans; the wheel zooms (a listener of our own: React's wheel listeners cannot prevent scrolling).
  useEffect(() => {
    const el = board.current;
    if (el === null) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.code === 'Space' && !isTyping(e.target)) {
        space.current = e.type === 'keydown';
        el.classList.toggle('panning-ready', space.current);
        if (e.type === 'keydown') e.preventDefault();
      }
    };
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = el.getBoundingClientRect();
      // Trackpad pinches arrive as ctrl+wheel with small deltas; mice as larger steps.
      const factor = Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0015));
      const ui = useTableUi.getState();
      ui.setCamera(zoomAround(ui.camera, factor, { x: e.clientX - rect.left, y: e.clientY - rect.top }));
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKey);
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKey);
      el.removeEventListener('wheel', onWheel);
    };
  }, []);

  const local = (e: ReactPointerEvent): Point => {
    const rect = board.current!.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  };

  const place = (at: Point) => {
    const ui = useTableUi.getState();
    if (ui.placing === null) return;
    const view = client.view.get();
    if (ui.placing.kind === 'monster') {
      const { entryId, hidden } = ui.placing;
      const entry = BESTIARY.find((b) => b.id === entryId);
      if (entry === undefined) return;
      // Names count across both layers: a hidden "Goblin 2" and a visible "Goblin 2" would confuse the GM.
      const hiddenActors = hasGm ? (client.json(GM_DOC).get().actors ?? {}) : {};
      const names = [...Object.values((view.actors ?? {}) as Record<string, { name?: unknown }>), ...Object.values(hiddenActors as Record<string, { name?: unknown }>)].map((a) => String(a.name));
      const doc = client.doc(hidden && hasGm ? GM_DOC : TABLE_DOC);
      const id = placeMonster(doc, entry, snapCentre(at, entry.size, scene.width, scene.height), nextName(entry.name, names));
      ui.select([id]);
    } else {
      const id = placeActorToken(client.doc(TABLE_DOC), ui.placing.actorId, snapCentre(at, 1, scene.width, scene.height));
      ui.select([id]);
    }
    ui.setPlacing(null);
  };

  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.pointerType === 'touch') {
      touches.current.set(e.pointerId, local(e));
      if (touches.current.size === 2) {
        const [a, b] = [...touches.current.values()] as [Point, Point];
        gesture.current = { kind: 'pinch', distance: Math.hypot(a.x - b.x, a.y - b.y), centre: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }, camera: useTableUi.getState().camera };
        return;
      }
    }
    const cell = frame.toCells(e.clientX, e.clientY);
    if (e.button === 0 && e.altKey) {
      presence.publish({ ping: { id: crypto.randomUUID(), at: clampToScene(cell, scene.width, scene.height) } }, { flush: true });
      return;
    }
    const ui = useTableUi.getState();
    if (e.button === 0 && ui.aim !== null && !space.current) {
      // An aimed action takes the click: a spot on the map, or (for a token pick) nothing.
      if (ui.aim.pick === 'point') {
        const why = ui.aim.refuse({ at: cell });
        if (why !== null) return void toast({ tone: 'info', title: 'Not there', detail: why });
        const aim = ui.aim;
        ui.setAim(null);
        aim.complete({ at: cell });
      }
      return;
    }
    if (e.button === 0 && ui.placing !== null && !space.current) return place(cell);
    if (e.button === 0 && ui.tool === 'ruler' && !space.current) {
      e.currentTarget.setPointerCapture(e.pointerId);
      gesture.current = { kind: 'ruler', pointerId: e.pointerId, from: snapCentre(cell, 1, scene.width, scene.height) };
      return;
    }
    if (e.button === 0 || e.button === 1) {
      e.currentTarget.setPointerCapture(e.pointerId);
      gesture.current = { kind: 'pan', pointerId: e.pointerId, start: { x: e.clientX, y: e.clientY }, camera: ui.camera, moved: false };
      if (e.button === 1) e.preventDefault();
    }
  };

  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    const cell = frame.toCells(e.clientX, e.clientY);
    useTableUi.getState().setPointer(cell);
    // While a hidden token is dragged the cursor would draw its path for every player: it stays where it was.
    if (useGestures.getState().drag?.layer !== GM_DOC) presence.publish({ cursor: cell });
    const g = gesture.current;
    if (e.pointerType === 'touch' && touches.current.has(e.pointerId)) {
      touches.current.set(e.pointerId, local(e));
      if (g?.kind === 'pinch' && touches.current.size === 2) {
        const [a, b] = [...touches.current.values()] as [Point, Point];
        const centre = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
        const zoomed = zoomAround(g.camera, Math.hypot(a.x - b.x, a.y - b.y) / g.distance, g.centre);
        useTableUi.getState().setCamera({ ...zoomed, x: zoomed.x + centre.x - g.centre.x, y: zoomed.y + centre.y - g.centre.y });
        return;
      }
    }
    if (g?.kind === 'pan' && g.pointerId === e.pointerId) {
      const dx = e.clientX - g.start.x;
      const dy = e.clientY - g.start.y;
      if (!g.moved && Math.hypot(dx, dy) < CLICK_SLOP_PX) return;
      g.moved = true;
      useTableUi.getState().setCamera({ ...g.camera, x: g.camera.x + dx, y: g.camera.y + dy });
    } else if (g?.kind === 'ruler' && g.pointerId === e.pointerId) {
      const ruler = { from: g.from, to: snapCentre(cell, 1, scene.width, scene.height) };
      useGestures.getState().setRuler(ruler);
      presence.publish({ ruler });
    }
  };

  const onPointerUp = (e: ReactPointerEvent<HTMLDivElement>) => {
    touches.current.delete(e.pointerId);
    const g = gesture.current;
    if (g?.kind === 'pinch') {
      if (touches.current.size < 2) gesture.current = null;
      return;
    }
    if (g === null || g.pointerId !== e.pointerId) return;
    gesture.current = null;
    // A click on empty space (no pan) lets go of the selection.
    if (g.kind === 'pan' && !g.moved && e.button === 0) useTableUi.getState().select([]);
    if (g.kind === 'ruler') {
      useGestures.getState().setRuler(null);
      presence.publish({ ruler: null }, { flush: true });
    }
  };

  const onPointerLeave = () => {
    useTableUi.getState().setPointer(null);
    presence.publish({ cursor: null });
  };

  const onKeyDown = (e: ReactKeyboardEvent) => {
    // Keyboard placement: Enter drops what is being placed at the centre of the view.
    if (e.key !== 'Enter' || useTableUi.getState().placing === null || board.current === null) return;
    const rect = board.current.getBoundingClientRect();
    place(frame.toCells(rect.left + rect.width / 2, rect.top + rect.height / 2));
  };

  return (
    <BoardFrameCtx.Provider value={frame}>
      <div
        ref={board}
        className={`board tool-${tool}${placing || aim ? ' placing' : ''}`}
        role="region"
        aria-label="Game board"
        tabIndex={-1}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onPointerLeave={onPointerLeave}
        onKeyDown={onKeyDown}
        onContextMenu={(e) => e.preventDefault()}
        onAuxClick={(e) => e.preventDefault()}
      >
        <div
          className="world"
          // Where the scene is drawn, for tests and tools that turn cells into screen points.
          data-camera={`${camera.x},${camera.y},${camera.zoom}`}
          data-cell-px={scene.cellPx}
          // Names and tags keep a readable size when zoomed out (they grow back by 1/zoom, up to 3×).
          style={{ transform: `translate(${camera.x}px, ${camera.y}px) scale(${camera.zoom})`, ['--label-scale' as string]: Math.min(3, Math.max(1, 1 / camera.zoom)) }}
        >
          {scene.map && <MapImage map={scene.map} width={scene.width * scene.cellPx} height={scene.height * scene.cellPx} />}
          <Grid scene={scene} />
          {hasGm && <TokenLayer scene={scene} layer={GM_DOC} />}
          <TokenLayer scene={scene} layer={TABLE_DOC} />
        </div>
        <Overlay scene={scene} />
        <ZoomControls scene={scene} boardRef={board} />
        <EncounterBar />
        <WaitingForGm />
        {placing && (
          <p className="board-hint" role="status">
            Click the map to place it — Enter places it in the middle, Esc cancels.
          </p>
        )}
        {aim && (
          <p className="board-hint aim-hint" role="status">
            {aim.label} — Esc cancels.
          </p>
        )}
      </div>
    </BoardFrameCtx.Provider>
  );
}

export function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** Told when a token could not be moved because someone deleted it meanwhile. */
export function tokenGone(name: string): void {
  toast({ tone: 'warning', title: `${name} is gone`, detail: 'Someone removed it from the table while you were moving it.' });
}
