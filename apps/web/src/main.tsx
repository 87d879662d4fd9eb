import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { toast } from './app/toasts.ts';
import './styles/app.css';

// Errors nobody caught become a visible message, never a silent broken page.
window.addEventListener('unhandledrejection', (e) => {
  toast({ tone: 'error', title: 'Something failed in the background', detail: e.reason instanceof Error ? e.reason.message : String(e.reason) });
});

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
