import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  readonly error: Error | null;
}

/**
 * A bug in a view must not leave a blank page: this says what happened and
 * offers a way on. Local changes are safe either way (they are in the
 * browser's storage before anything renders them).
 */
export class ErrorBoundary extends Component<{ readonly children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('view crashed', error, info.componentStack);
  }

  override render(): ReactNode {
    if (this.state.error === null) return this.props.children;
    return (
      <main className="start-page">
        <section className="card" role="alert">
          <h2>Something went wrong on this page</h2>
          <p>Your changes are kept in this browser and will be sent when the page is back. Reload to continue.</p>
          <p className="muted small">{this.state.error.message}</p>
          <div className="form-actions">
            <button type="button" className="primary" onClick={() => window.location.reload()}>
              Reload
            </button>
            <button type="button" onClick={() => window.location.assign('/')}>
              Back to the start page
            </button>
          </div>
        </section>
      </main>
    );
  }
}
