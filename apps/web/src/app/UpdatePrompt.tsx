import { type ReactNode, useEffect } from 'react';
import { useRegisterSW } from 'virtual:pwa-register/react';
import { toast } from './toasts.ts';

/**
 * Registers the service worker and offers a new version when one is ready,
 * as a toast with Reload: a player mid-combat decides when, never the app.
 */
export function UpdatePrompt(): ReactNode {
  const {
    needRefresh: [needRefresh],
    updateServiceWorker,
  } = useRegisterSW({
    onRegisterError(error: unknown) {
      // No service worker (a private window, an old browser, plain http on a LAN host): the app still works online.
      console.warn('service worker not registered', error);
    },
  });
  useEffect(() => {
    if (!needRefresh) return;
    toast({
      tone: 'info',
      sticky: true,
      title: 'A new version of Dungeon Lab is ready',
      detail: 'Reload when it suits the table; your game is kept.',
      action: { label: 'Reload', run: () => void updateServiceWorker(true) },
    });
  }, [needRefresh, updateServiceWorker]);
  return null;
}
