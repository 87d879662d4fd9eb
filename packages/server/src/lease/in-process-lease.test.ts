import { InProcessLease, LeaseTable } from './in-process-lease.ts';
import { runSessionLeaseConformance } from './lease-conformance.ts';

runSessionLeaseConformance('in-process', async (processes, ttlMs) => {
  const table = new LeaseTable();
  const leases = Array.from({ length: processes }, () => new InProcessLease({ table, ttlMs }));
  return { processes: leases, close: async () => void (await Promise.all(leases.map((l) => l.close()))) };
});
