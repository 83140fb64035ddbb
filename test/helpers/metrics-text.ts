export interface MetricSample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Prometheus text exposition → samples (enough for counters and gauges). */
export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = []
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line)
    if (!match) continue
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((label) => [label[1] ?? '', label[2] ?? '']),
    )
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) })
  }
  return samples
}

/** Sum of the samples of `name` whose labels include `labels`. */
export function metricSum(samples: readonly MetricSample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter(
      (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0)
}

/** GET <baseUrl>/metrics, parsed. */
export async function scrapeMetrics(baseUrl: string): Promise<MetricSample[]> {
  const response = await fetch(`${baseUrl}/metrics`)
  if (response.status !== 200) throw new Error(`GET ${baseUrl}/metrics answered ${response.status}`)
  return parseMetrics(await response.text())
}
