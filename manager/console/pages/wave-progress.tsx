import type { WaveCounts } from '../data/fleet-summary.ts'
import type { WaveSample } from '../data/wave-history.ts'
import { WaveChart } from './wave-chart.tsx'

export interface WaveProgressProps {
  wave: WaveCounts
  samples: readonly WaveSample[]
  now: number
  windowMs: number
}

/** The activation wave: targeted / done / failed / under way as numbers, and over time as a chart. */
export function WaveProgress({ wave, samples, now, windowMs }: WaveProgressProps) {
  const underWay = wave.targeted - wave.done - wave.failed
  const numbers = [
    { key: 'targeted', label: 'targeted (desired provisioned)', count: wave.targeted },
    { key: 'done', label: 'done', count: wave.done },
    { key: 'failed', label: 'failed or not supported', count: wave.failed },
    { key: 'under-way', label: 'under way', count: underWay },
  ]
  return (
    <section class="wave" aria-labelledby="wave-heading" data-testid="wave-progress">
      <h2 id="wave-heading">Activation progress</h2>
      <ul class="legend">
        {numbers.map(({ key, label, count }) => (
          <li key={key}>
            <span class={`swatch chart-${key}`} aria-hidden="true" />
            <span data-testid={`wave-${key}`}>{String(count)}</span> {label}
          </li>
        ))}
      </ul>
      <WaveChart samples={samples} now={now} windowMs={windowMs} />
    </section>
  )
}
