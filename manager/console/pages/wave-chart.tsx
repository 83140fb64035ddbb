import type { WaveSample } from '../data/wave-history.ts'

const WIDTH = 600
const HEIGHT = 160
const LEFT = 44
const BOTTOM = 22
const TOP = 8
/** A lone sample's line reaches back at least this far from `now` (about 5 s of the chart's shortest, 1 min, span). */
const MIN_FLAT_PX = 46
const SERIES = [
  { key: 'targeted', label: 'targeted' },
  { key: 'done', label: 'done' },
  { key: 'failed', label: 'failed' },
] as const

/**
 * The wave's numbers over time as an inline SVG (no style attributes: the CSP allows no inline styles; the lines'
 * colours come from classes in console.css). Step lines, as the numbers hold until the next sample; the last
 * sample is drawn on to `now`, a lone sample as a flat line at least MIN_FLAT_PX long (one taken as the page was
 * rendered is at `now` itself). Screen readers get the latest numbers in the label; the legend says them as text.
 */
export function WaveChart({
  samples,
  now,
  windowMs,
}: {
  samples: readonly WaveSample[]
  now: number
  windowMs: number
}) {
  const first = samples[0]
  const last = samples.at(-1)
  const since = Math.max(now - windowMs, Math.min(first?.at ?? now, now - 60_000))
  const top = Math.max(1, ...samples.map((sample) => sample.targeted))
  const x = (at: number) => LEFT + ((Math.max(at, since) - since) / (now - since)) * (WIDTH - LEFT - 4)
  const y = (count: number) => TOP + (1 - count / top) * (HEIGHT - TOP - BOTTOM)
  const label =
    last === undefined
      ? 'No activation progress recorded in the last hour'
      : `Activation progress over the last ${Math.round((now - since) / 60_000)} min: ` +
        `${last.targeted} targeted, ${last.done} done, ${last.failed} failed`
  return (
    <svg
      class="wave-chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={label}
      data-testid="wave-chart"
      data-samples={String(samples.length)}
    >
      <title>{label}</title>
      <line class="chart-axis" x1={LEFT} y1={HEIGHT - BOTTOM} x2={WIDTH - 4} y2={HEIGHT - BOTTOM} />
      <line class="chart-axis" x1={LEFT} y1={TOP} x2={LEFT} y2={HEIGHT - BOTTOM} />
      <text class="chart-text" x={LEFT - 6} y={TOP + 10} text-anchor="end">
        {String(top)}
      </text>
      <text class="chart-text" x={LEFT - 6} y={HEIGHT - BOTTOM} text-anchor="end">
        0
      </text>
      <text class="chart-text" x={LEFT} y={HEIGHT - 6}>
        {`${Math.round((now - since) / 60_000)} min ago`}
      </text>
      <text class="chart-text" x={WIDTH - 4} y={HEIGHT - 6} text-anchor="end">
        now
      </text>
      {last === undefined
        ? null
        : SERIES.map(({ key }) => (
            <polyline key={key} class={`chart-line chart-${key}`} points={stepPoints(samples, key, x, y, now)} />
          ))}
    </svg>
  )
}

function stepPoints(
  samples: readonly WaveSample[],
  key: (typeof SERIES)[number]['key'],
  x: (at: number) => number,
  y: (count: number) => number,
  now: number,
): string {
  const points: string[] = []
  let previous: number | undefined
  const alone = samples.length === 1
  for (const sample of samples) {
    const at = alone ? Math.max(LEFT, Math.min(x(sample.at), x(now) - MIN_FLAT_PX)) : x(sample.at)
    if (previous !== undefined) points.push(`${at.toFixed(1)},${y(previous).toFixed(1)}`)
    points.push(`${at.toFixed(1)},${y(sample[key]).toFixed(1)}`)
    previous = sample[key]
  }
  if (previous !== undefined) points.push(`${x(now).toFixed(1)},${y(previous).toFixed(1)}`)
  return points.join(' ')
}
