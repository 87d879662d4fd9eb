import type { ReactNode } from 'react';
import { IMAGE_TYPES } from './upload.ts';

/** A button that picks one image file (the same file can be picked again: the input is cleared after each pick). */
export function ImageFileButton({ label, busy, accessibleName, onPick }: { readonly label: string; readonly busy: boolean; readonly accessibleName: string; readonly onPick: (file: File) => void }): ReactNode {
  return (
    <label className={`file-button${busy ? ' busy' : ''}`}>
      {busy ? 'Uploading…' : label}
      <input
        type="file"
        accept={IMAGE_TYPES.join(',')}
        disabled={busy}
        aria-label={accessibleName}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) onPick(file);
        }}
      />
    </label>
  );
}
