import type { ReactNode } from 'react';
import { type Toast, useToasts } from './toasts.ts';

/**
 * Toasts in two live regions: errors in an alert region (read out at once,
 * kept until dismissed), the rest in a polite status region.
 */
export function Toaster(): ReactNode {
  const toasts = useToasts((s) => s.toasts);
  return (
    <div className="toasts">
      <div role="alert" aria-live="assertive" className="toast-stack">
        {toasts.filter((t) => t.tone === 'error').map((t) => (
          <ToastCard key={t.id} toast={t} />
        ))}
      </div>
      <div role="status" aria-live="polite" className="toast-stack">
        {toasts.filter((t) => t.tone !== 'error').map((t) => (
          <ToastCard key={t.id} toast={t} />
        ))}
      </div>
    </div>
  );
}

function ToastCard({ toast }: { readonly toast: Toast }): ReactNode {
  const dismiss = useToasts((s) => s.dismiss);
  return (
    <div className={`toast tone-${toast.tone}`} data-toast-tone={toast.tone}>
      <div className="toast-text">
        <strong>{toast.title}</strong>
        {toast.detail && <span>{toast.detail}</span>}
      </div>
      {toast.action && (
        <button
          type="button"
          onClick={() => {
            toast.action!.run();
            dismiss(toast.id);
          }}
        >
          {toast.action.label}
        </button>
      )}
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
        ×
      </button>
    </div>
  );
}
