import type { CommandTimer } from '@dungeon-lab/store';
import { Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS } from './buckets.ts';

const NAME = 'dungeonlab_backend_command_duration_seconds';

/**
 * A timer for one backend's commands (`redis`, `mongo`), observed into
 * `dungeonlab_backend_command_duration_seconds` on `registry` — the registry
 * the server is then given, so they are served together. Command names
 * come from the code that sends them (a few dozen at most), never from
 * clients.
 */
export function commandTimer(registry: Registry, backend: string): CommandTimer {
  const histogram =
    (registry.getSingleMetric(NAME) as Histogram<'backend' | 'command' | 'outcome'> | undefined) ??
    new Histogram({
      name: NAME,
      help: 'Commands sent to a backend, send to reply, by backend, command and outcome',
      labelNames: ['backend', 'command', 'outcome'],
      buckets: [...LATENCY_BUCKETS],
      registers: [registry],
    });
  return {
    observe(command, seconds, ok) {
      histogram.observe({ backend, command, outcome: ok ? 'ok' : 'error' }, seconds);
    },
  };
}
