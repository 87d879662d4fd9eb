import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './prometheus-text.ts';

describe('parsePrometheusText', () => {
  it('reads samples, escaped label values, special values and declared types', () => {
    const scrape = parsePrometheusText(
      [
        '# HELP x_total Things.',
        '# TYPE x_total counter',
        'x_total{a="1",b="say \\"hi\\"\\\\n"} 3',
        'x_total{a="2"} 4.5e3',
        '# TYPE h histogram',
        'h_bucket{le="+Inf"} 7',
        'lag Nan',
        'big +Inf 1700000000000',
        '',
      ].join('\n'),
    );
    expect(scrape.types).toEqual(new Map([['x_total', 'counter'], ['h', 'histogram']]));
    expect(scrape.value('x_total', { a: '1' })).toBe(3);
    expect(scrape.all('x_total', { a: '1' })[0]!.labels.b).toBe('say "hi"\\n');
    expect(scrape.value('x_total', { a: '2' })).toBe(4500);
    expect(scrape.value('h_bucket', { le: '+Inf' })).toBe(7);
    expect(scrape.value('lag')).toBeNaN();
    expect(scrape.value('big')).toBe(Infinity);
    expect(() => scrape.value('x_total')).toThrow(/2 samples/);
  });

  it('refuses a line it cannot read', () => {
    expect(() => parsePrometheusText('x_total{a=1} 3')).toThrow(/unreadable labels/);
    expect(() => parsePrometheusText('x_total three')).toThrow(/unreadable value/);
    expect(() => parsePrometheusText('{a="1"} 3')).toThrow(/unreadable sample/);
  });
});
