import type { ReactNode } from 'react';
import { JoinPage } from '../start/JoinPage.tsx';
import { StartPage } from '../start/StartPage.tsx';
import { TablePage } from '../table/TablePage.tsx';
import { ErrorBoundary } from './ErrorBoundary.tsx';
import { Toaster } from './Toaster.tsx';
import { UpdatePrompt } from './UpdatePrompt.tsx';
import { navigate, useRoute } from './router.ts';

export function App(): ReactNode {
  const route = useRoute();
  return (
    <>
      <ErrorBoundary key={route.page}>
        {route.page === 'start' && <StartPage />}
        {route.page === 'join' && <JoinPage sessionId={route.sessionId} code={route.code} />}
        {route.page === 'table' && <TablePage sessionId={route.sessionId} />}
        {route.page === 'not-found' && <NotFound path={route.path} />}
      </ErrorBoundary>
      <Toaster />
      <UpdatePrompt />
    </>
  );
}

function NotFound({ path }: { readonly path: string }): ReactNode {
  return (
    <main className="start-page">
      <section className="card" role="alert">
        <h2>There is no page here</h2>
        <p>
          Nothing lives at <code>{path}</code>. Links to a game look like <code>/s/…</code>, invitations like <code>/join/…?code=…</code>.
        </p>
        <button type="button" className="primary" onClick={() => navigate('/')}>
          Go to the start page
        </button>
      </section>
    </main>
  );
}
