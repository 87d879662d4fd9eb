import { runRoomBusConformance } from './bus-conformance.ts';
import { InProcessBus, InProcessHub } from './in-process-bus.ts';

runRoomBusConformance('in-process', async (processes) => {
  const hub = new InProcessHub();
  // A handler's failure is expected in [BUS5]; the default reporter would print it.
  const buses = Array.from({ length: processes }, () => new InProcessBus({ hub, onError: () => {} }));
  return { processes: buses, close: async () => void (await Promise.all(buses.map((b) => b.close()))) };
});
