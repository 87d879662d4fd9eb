import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The process's own metrics (prom-client's defaults: memory, event-loop
 * delay, GC, CPU, handles), created once per process and registered into
 * each server's registry. They describe the process, not a server; and each
 * set runs an event-loop monitor and a GC observer that cannot be stopped,
 * so one per server would pile up in a test process that starts hundreds.
 */
let processRegistry: Registry | null = null;

export function registerProcessMetrics(registry: Registry): void {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  for (const { name } of processRegistry.getMetricsAsArray()) registry.registerMetric(processRegistry.getSingleMetric(name)!);
}
