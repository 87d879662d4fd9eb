import { useSessionClient, useView } from '@dungeon-lab/client-react';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { ImageFileButton } from '../assets/FileButton.tsx';
import { cellsFromName, uploadImage } from '../assets/upload.ts';
import { usePrefs } from '../app/prefs.ts';
import { toast } from '../app/toasts.ts';
import type { DiagonalRule } from './geometry.ts';
import { SCENE_LIMITS, type SceneSettings, readScene, sameScene } from './scene.ts';
import { updateScene } from './table-edits.ts';

type NumericKey = 'cellPx' | 'feetPerUnit' | 'width' | 'height';

const FIELDS: readonly { readonly key: NumericKey; readonly label: string }[] = [
  { key: 'width', label: 'Width (cells)' },
  { key: 'height', label: 'Height (cells)' },
  { key: 'feetPerUnit', label: 'Feet per cell' },
  { key: 'cellPx', label: 'Cell size (pixels at 100 %)' },
];

/** The GM's stage: the grid's extent, its scale in feet and in pixels, and the scene's name. */
export function ScenePanel(): ReactNode {
  const client = useSessionClient();
  const scene = useView((v) => readScene(v.scene), sameScene);
  const [draft, setDraft] = useState<Record<Exclude<keyof SceneSettings, 'map'>, string>>(() => asDraft(scene));
  useEffect(() => setDraft(asDraft(scene)), [scene]);
  const [error, setError] = useState<string | null>(null);
  const rule = usePrefs((s) => s.diagonalRule);
  const setPrefs = usePrefs((s) => s.set);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const patch: Partial<SceneSettings> = { name: draft.name.trim() || scene.name };
    for (const { key, label } of FIELDS) {
      const value = Number(draft[key]);
      const { min, max } = SCENE_LIMITS[key];
      if (!Number.isFinite(value) || value < min || value > max || (key !== 'feetPerUnit' && !Number.isInteger(value))) {
        return setError(`${label} must be a whole number from ${min} to ${max}.`);
      }
      (patch as Record<string, number>)[key] = value;
    }
    setError(null);
    updateScene(client.doc('table'), patch);
    toast({ tone: 'success', title: 'Scene updated' });
  };

  return (
    <section className="panel-section" aria-labelledby="scene-title">
      <h2 id="scene-title">Scene</h2>
      <form onSubmit={submit} noValidate className="scene-form">
        <label className="field" htmlFor="scene-name">
          <span>Name</span>
          <input id="scene-name" value={draft.name} maxLength={100} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
        </label>
        <div className="field-grid">
          {FIELDS.map(({ key, label }) => (
            <label key={key} className="field" htmlFor={`scene-${key}`}>
              <span>{label}</span>
              <input
                id={`scene-${key}`}
                inputMode="numeric"
                value={draft[key]}
                onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
              />
            </label>
          ))}
        </div>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary">
          Apply
        </button>
      </form>
      <MapField scene={scene} />
      <label className="field" htmlFor="diagonal-rule">
        <span>Diagonals on your rulers</span>
        <select id="diagonal-rule" value={rule} onChange={(e) => setPrefs({ diagonalRule: e.target.value as DiagonalRule })}>
          <option value="5e">Every diagonal counts 5 ft (PHB)</option>
          <option value="alternating">5-10-5 (DMG variant)</option>
        </select>
      </label>
    </section>
  );
}

function asDraft(scene: SceneSettings): Record<Exclude<keyof SceneSettings, 'map'>, string> {
  return { name: scene.name, cellPx: String(scene.cellPx), feetPerUnit: String(scene.feetPerUnit), width: String(scene.width), height: String(scene.height) };
}

/**
 * The map under the grid: the GM uploads an image (PNG, JPEG or WebP, up to
 * 20 MB); the scene takes its size in cells from the file name ("River
 * [10x15].png", the map makers' habit) or from the image at the current cell
 * size, and stretches the image over it.
 */
function MapField({ scene }: { readonly scene: SceneSettings }): ReactNode {
  const client = useSessionClient();
  const [status, setStatus] = useState<{ readonly busy: boolean; readonly error: string | null }>({ busy: false, error: null });
  const upload = async (file: File) => {
    setStatus({ busy: true, error: null });
    const outcome = await uploadImage(client, file);
    if (!outcome.ok) return setStatus({ busy: false, error: outcome.message });
    const { image } = outcome;
    const named = cellsFromName(file.name);
    const clampCells = (n: number, limits: { min: number; max: number }) => Math.min(limits.max, Math.max(limits.min, Math.round(n)));
    updateScene(client.doc('table'), {
      map: image,
      width: clampCells(named?.width ?? image.width / scene.cellPx, SCENE_LIMITS.width),
      height: clampCells(named?.height ?? image.height / scene.cellPx, SCENE_LIMITS.height),
    });
    setStatus({ busy: false, error: null });
    toast({ tone: 'success', title: 'Map placed', detail: 'Set the width and height in cells until the grid matches the map’s.' });
  };
  return (
    <div className="field map-field">
      <span>Map image</span>
      {scene.map ? (
        <p className="small muted">
          {scene.map.width} × {scene.map.height} px over {scene.width} × {scene.height} cells.
        </p>
      ) : (
        <p className="small muted">A bare grid. Upload a map (PNG, JPEG or WebP, up to 20 MB).</p>
      )}
      <div className="form-actions">
        <ImageFileButton label={scene.map ? 'Replace map…' : 'Upload map…'} busy={status.busy} accessibleName="Upload a map image" onPick={(file) => void upload(file)} />
        {scene.map && (
          <button type="button" onClick={() => updateScene(client.doc('table'), { map: null })}>
            Remove map
          </button>
        )}
      </div>
      {status.busy && <progress aria-label="Uploading the map" />}
      {status.error && (
        <p className="form-error small" role="alert">
          {status.error}
        </p>
      )}
    </div>
  );
}
