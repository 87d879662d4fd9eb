import type { TargetName } from '../targets/registry.ts';
import type { WorkloadResult } from '../workloads/types.ts';

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { top: 48, right: 150, bottom: 56, left: 64 };
const COLORS: Record<TargetName, string> = { ours: '#2e7d32', reference: '#1f5fbf', hocuspocus: '#c2571a' };

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round upper bound for the y axis: 1, 2 or 5 times a power of ten. */
function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/**
 * p99 latency against clients in the room, one line per target, from the
 * fan-out results: x on a log scale (the client counts grow roughly
 * geometrically), hollow markers where the load generator was saturated.
 */
export function renderP99Chart(fanout: WorkloadResult): string {
  const series = fanout.targets.map((target) => ({
    target,
    points: fanout.measurements
      .filter((m) => m.target === target && typeof m.metrics.p99 === 'number' && !Number.isNaN(m.metrics.p99))
      .map((m) => ({ clients: Number(/^(\d+)/.exec(m.scenario)?.[1]), p99: m.metrics.p99 as number, unreliable: m.unreliable }))
      .filter((p) => p.clients > 0)
      .sort((a, b) => a.clients - b.clients),
  }));
  const all = series.flatMap((s) => s.points);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">${escapeXml('Table fan-out: p99 latency vs clients in one room (100 moves/s)')}</text>`,
  ];
  if (all.length === 0) {
    out.push(`<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">no fan-out results</text>`, '</svg>');
    return out.join('\n');
  }
  const xs = [...new Set(all.map((p) => p.clients))].sort((a, b) => a - b);
  const [xMin, xMax] = [Math.log(xs[0]!), Math.log(xs[xs.length - 1]!)];
  const x = (clients: number): string =>
    (MARGIN.left + (xMax === xMin ? plotW / 2 : ((Math.log(clients) - xMin) / (xMax - xMin)) * plotW)).toFixed(1);
  const yMax = niceCeiling(Math.max(...all.map((p) => p.p99)) * 1.05);
  const y = (ms: number): string => (MARGIN.top + plotH - (ms / yMax) * plotH).toFixed(1);

  for (let i = 0; i <= 5; i++) {
    const value = (yMax * i) / 5;
    out.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(value)}" y2="${y(value)}" stroke="#e0e0e0"/>`,
      `<text x="${MARGIN.left - 8}" y="${Number(y(value)) + 4}" text-anchor="end" fill="#444">${fmt(value)}</text>`,
    );
  }
  for (const clients of xs) {
    out.push(
      `<line x1="${x(clients)}" x2="${x(clients)}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 5}" stroke="#444"/>`,
      `<text x="${x(clients)}" y="${MARGIN.top + plotH + 20}" text-anchor="middle" fill="#444">${clients}</text>`,
    );
  }
  out.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#444"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#444"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">clients in the room (log scale)</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">p99 latency (ms)</text>`,
  );

  series.forEach(({ target, points }, i) => {
    const color = COLORS[target];
    if (points.length > 1) {
      const path = points.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.clients)},${y(p.p99)}`).join(' ');
      out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    for (const p of points) {
      out.push(
        `<circle cx="${x(p.clients)}" cy="${y(p.p99)}" r="4" stroke="${color}" stroke-width="2" fill="${p.unreliable ? '#ffffff' : color}"><title>${escapeXml(`${target}: ${p.clients} clients, p99 ${p.p99.toFixed(2)} ms${p.unreliable ? ' (UNRELIABLE)' : ''}`)}</title></circle>`,
      );
    }
    const ly = MARGIN.top + 10 + i * 22;
    const lx = MARGIN.left + plotW + 16;
    out.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<circle cx="${lx + 11}" cy="${ly}" r="4" fill="${color}"/>`,
      `<text x="${lx + 30}" y="${ly + 4}">${escapeXml(target)}</text>`,
    );
  });
  const noteY = MARGIN.top + 10 + series.length * 22 + 8;
  out.push(
    `<circle cx="${MARGIN.left + plotW + 27}" cy="${noteY}" r="4" stroke="#666" stroke-width="2" fill="#ffffff"/>`,
    `<text x="${MARGIN.left + plotW + 46}" y="${noteY + 4}" fill="#666">unreliable</text>`,
    '</svg>',
  );
  return out.join('\n');
}
