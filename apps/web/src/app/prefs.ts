import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { DiagonalRule } from '../table/geometry.ts';

/** Preferences and layout of this browser (localStorage: they outlive the tab and belong to no session). */
export interface Prefs {
  /** The name last signed in with, offered next time. */
  readonly lastName: string;
  readonly showGrid: boolean;
  readonly diagonalRule: DiagonalRule;
  readonly sidebarOpen: boolean;
  readonly sidebarTab: 'tokens' | 'chat' | 'players' | 'scene';
  set(patch: Partial<Omit<Prefs, 'set'>>): void;
}

export const usePrefs = create<Prefs>()(
  persist(
    (set) => ({
      lastName: '',
      showGrid: true,
      diagonalRule: '5e',
      sidebarOpen: true,
      sidebarTab: 'tokens',
      set: (patch) => set(patch),
    }),
    { name: 'dl-prefs', version: 1 },
  ),
);
