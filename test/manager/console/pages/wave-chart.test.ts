import test from 'ava'
import { render } from 'preact-render-to-string'
import type { WaveSample } from '../../../../manager/console/data/wave-history.ts'
import { WaveChart } from '../../../../manager/console/pages/wave-chart.tsx'

const NOW = 10_000_000
const HOUR = 3_600_000

/** The points of each series' polyline, by series. */
function linesOf(samples: WaveSample[]): Record<string, string> {
  const svg = render(WaveChart({ samples, now: NOW, windowMs: HOUR }))
  const lines: Record<string, string> = {}
  for (const [, key, points] of svg.matchAll(/<polyline class="chart-line chart-(\w+)" points="([^"]*)"/g))
    if (key !== undefined && points !== undefined) lines[key] = points
  return lines
}

const sample = (at: number, targeted: number, done: number, failed: number) => ({ at, targeted, done, failed })

// The plot: x from 44 (the chart's start, at least a minute back) to 596 (now); y from 138 (0) up to 8 (the most
// targeted).

test('a lone sample taken as the page renders is a flat line of its numbers, not a blank chart', (t) => {
  t.deepEqual(linesOf([sample(NOW, 4, 1, 2)]), {
    targeted: '550.0,8.0 596.0,8.0',
    done: '550.0,105.5 596.0,105.5',
    failed: '550.0,73.0 596.0,73.0',
  })
})

test('a lone older sample is a flat line from its time to now', (t) => {
  t.deepEqual(linesOf([sample(NOW - 30_000, 4, 1, 2)]), {
    targeted: '320.0,8.0 596.0,8.0',
    done: '320.0,105.5 596.0,105.5',
    failed: '320.0,73.0 596.0,73.0',
  })
  t.deepEqual(
    linesOf([sample(NOW - 2 * HOUR, 4, 4, 0)])['done'],
    '44.0,8.0 596.0,8.0',
    'one from before the window: from the chart’s start',
  )
})

test('steps from sample to sample, the last numbers drawn on to now', (t) => {
  const lines = linesOf([sample(NOW - 60_000, 4, 0, 0), sample(NOW - 30_000, 4, 2, 0)])
  t.is(lines['targeted'], '44.0,8.0 320.0,8.0 320.0,8.0 596.0,8.0')
  t.is(lines['done'], '44.0,138.0 320.0,138.0 320.0,73.0 596.0,73.0')
})

test('no sample, no line', (t) => {
  t.deepEqual(linesOf([]), {})
})
