import { InboxDesk, InProcessInbox } from './in-process-inbox.ts';
import { runIntentInboxConformance } from './inbox-conformance.ts';

runIntentInboxConformance('in-process', async (processes, timeoutMs) => {
  const desk = new InboxDesk();
  const inboxes = Array.from({ length: processes }, () => new InProcessInbox({ desk, timeoutMs }));
  return { processes: inboxes, close: async () => void (await Promise.all(inboxes.map((i) => i.close()))) };
});
