/**
 * The conformance suites of the server's injected parts: [BUS1]..[BUS7] for a
 * room bus, [SL1]..[SL7] for a session lease, [IN1]..[IN7] for an intent
 * inbox (docs/architecture.md). A Redis bus, lease or inbox runs the same
 * suites as the in-process defaults.
 */
export { type BusCluster, runRoomBusConformance } from './bus/bus-conformance.ts';
export { CONFORMANCE_TTL_MS, type LeaseCluster, runSessionLeaseConformance } from './lease/lease-conformance.ts';
export { INBOX_TIMEOUT_MS, type InboxCluster, runIntentInboxConformance } from './inbox/inbox-conformance.ts';
