import type { ReactNode } from 'react';

export function Brand(): ReactNode {
  return (
    <header className="brand">
      <svg className="brand-mark" viewBox="0 0 64 64" aria-hidden="true">
        <path d="M32 8 54 20v24L32 56 10 44V20Z" fill="none" stroke="currentColor" strokeWidth="4" strokeLinejoin="round" />
        <path d="M32 8v48M10 20l44 24M54 20 10 44" stroke="currentColor" strokeWidth="2.5" opacity=".55" />
      </svg>
      <div>
        <h1>Dungeon Lab</h1>
        <p className="tagline">Your table, online or off. Nothing lost.</p>
      </div>
    </header>
  );
}
