import { create } from 'zustand';

/**
 * `info` and `success` announce politely and fade; `error` stays until
 * dismissed (a refused move or a rejected action must not vanish before it
 * is read) and is announced at once only when something was lost.
 */
export type ToastTone = 'info' | 'success' | 'warning' | 'error';

export interface Toast {
  readonly id: number;
  readonly tone: ToastTone;
  readonly title: string;
  readonly detail?: string;
  readonly action?: { readonly label: string; readonly run: () => void };
  /** Stays until dismissed even when informational (an offer to act on, like an update). */
  readonly sticky?: boolean;
}

interface ToastState {
  readonly toasts: readonly Toast[];
  push(toast: Omit<Toast, 'id'>): number;
  dismiss(id: number): void;
}

const MAX_TOASTS = 5;
const FADE_AFTER_MS = 6000;
let nextId = 1;

export const useToasts = create<ToastState>()((set, get) => ({
  toasts: [],
  push(toast) {
    const id = nextId++;
    set({ toasts: [...get().toasts, { ...toast, id }].slice(-MAX_TOASTS) });
    if ((toast.tone === 'info' || toast.tone === 'success') && !toast.sticky) setTimeout(() => get().dismiss(id), FADE_AFTER_MS);
    return id;
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
}));

export const toast = (t: Omit<Toast, 'id'>): number => useToasts.getState().push(t);
