/**
 * The alert rules in ops/prometheus ([OA1], [OA2] in docs/operations.md):
 * promtool accepts them and their unit tests pass — each alert fires on the
 * sample series that should fire it and stays quiet on the others — and
 * every metric they read is one a real server serves.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createIntent } from '@dungeon-lab/events';
import { scrapeMetrics } from '@dungeon-lab/testing/prometheus-text';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startServer, type RunningServer } from './helpers.ts';
import { postJson } from './intent-client.ts';

const PROMTOOL = '/usr/bin/promtool';
const RULES_DIR = fileURLToPath(new URL('../../../ops/prometheus/', import.meta.url));
const RULES = `${RULES_DIR}alerts.yml`;

/** In CI a missing promtool fails the suite (.ci/run installs Debian's `prometheus`); elsewhere the promtool cases are skipped, saying why. */
const promtoolMissing = !existsSync(PROMTOOL) && process.env.CI !== 'true' ? `${PROMTOOL} not installed (apt-get install prometheus)` : null;

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL, args, { cwd: RULES_DIR, encoding: 'utf8', timeout: 60_000 });
  if (run.error !== undefined) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

interface RuleFile {
  groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
}

/** PromQL words that are not metric names. */
const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan']);
/** Series Prometheus makes itself, not the server. */
const PROMETHEUS_OWN = new Set(['up']);

/** The metric names an expression reads: identifiers that are no function call, keyword, label matcher, grouping label or duration. */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/"[^"]*"/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?!\s*\()/g)) {
    const word = m[0];
    // Part of a number (1e9), or an identifier cut short before its "(" by the lookahead's backtracking.
    const before = stripped[m.index - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue;
    if (/^[a-zA-Z_:][a-zA-Z0-9_:]*\s*\(/.test(stripped.slice(m.index))) continue;
    if (PROMQL_WORDS.has(word.toLowerCase()) || PROMETHEUS_OWN.has(word)) continue;
    names.add(word);
  }
  return [...names];
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('alert rules (ops/prometheus/alerts.yml)', () => {
  it.skipIf(promtoolMissing !== null)(`[OA1] promtool checks the rules and their unit tests pass: every alert fires and stays quiet as its sample series say${promtoolMissing === null ? '' : ` (skipped: ${promtoolMissing})`}`, () => {
    expect(existsSync(PROMTOOL), `${PROMTOOL} is missing: .ci/run installs Debian's prometheus package`).toBe(true);
    const checked = promtool('check', 'rules', 'alerts.yml');
    expect(checked.status, checked.output).toBe(0);
    expect(checked.output).toMatch(/SUCCESS: 8 rules found/);
    const tested = promtool('test', 'rules', 'alerts.test.yml');
    expect(tested.status, tested.output).toBe(0);
    expect(tested.output).toMatch(/SUCCESS/);
  });

  it('[OA1] the unit tests cover every alert, each with a case where it fires', () => {
    const rules = parse(readFileSync(RULES, 'utf8')) as RuleFile;
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    const tests = parse(readFileSync(`${RULES_DIR}alerts.test.yml`, 'utf8')) as {
      tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    for (const alert of alerts) {
      expect(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} fires somewhere`).toBe(true);
    }
    expect(alerts).toEqual([
      'DungeonLabDeliveryRateLow',
      'DungeonLabSyncLatencyHigh',
      'DungeonLabConflictRateHigh',
      'DungeonLabEventLogGrowthHigh',
      'DungeonLabProcessDown',
      'DungeonLabLeaseFlapping',
      'DungeonLabRedisUnavailable',
      'DungeonLabMongoUnavailable',
    ]);
  });

  it('[OA2] every metric the rules read is one a real server serves', async () => {
    const running: RunningServer = await startServer({ metrics: { backends: [{ name: 'redis', probe: async () => {} }, { name: 'mongo', probe: async () => {} }] } });
    cleanups.push(() => running.dispose());
    // An intent, so the session's lease is held here and its intent series exist.
    const { status } = await postJson(`${running.url}/api/sessions/alerted/events`, [createIntent('chat:message', { text: 'hello' })], 'gm-alerts');
    expect(status).toBe(200);
    const served = new Set((await scrapeMetrics(`${running.url}/metrics`)).samples.map((s) => s.name));
    const rules = parse(readFileSync(RULES, 'utf8')) as RuleFile;
    const read = rules.groups.flatMap((g) => g.rules.flatMap((r) => metricNamesIn(r.expr)));
    expect(new Set(read)).toEqual(
      new Set([
        'dungeonlab_messages_delivered_total',
        'dungeonlab_messages_attempted_total',
        'dungeonlab_sync_latency_seconds_bucket',
        'dungeonlab_intents_total',
        'dungeonlab_event_log_appended_bytes_total',
        'dungeonlab_session_lease_changes_total',
        'dungeonlab_backend_up',
      ]),
    );
    for (const name of read) expect(served, name).toContain(name);
  });
});
