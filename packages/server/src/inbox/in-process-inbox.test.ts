import { InboxDesk, InProcessInbox } from './in-process-inbox.ts';
import { runHolderInboxConformance } from './inbox-conformance.ts';

runHolderInboxConformance('in-process', async (processes, timeoutMs) => {
  const desk = new InboxDesk();
  const inboxes = Array.from({ length: processes }, () => new InProcessInbox({ desk, timeoutMs }));
  return { processes: inboxes, close: async () => void (await Promise.all(inboxes.map((i) => i.close()))) };
});
