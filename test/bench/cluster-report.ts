/** The cluster benchmark's closing table (cluster.ts) and its ratios against the baseline (sqlite×1, same run). */
import type { ConfigurationResult } from './cluster-cycle.ts'
import { fixed } from './fleet-env.ts'

const s = (ms: number): string => fixed(ms / 1000, 2)
const ratio = (value: number | undefined, base: number | undefined): string =>
  value === undefined || base === undefined || !(base > 0) ? '-' : `${(value / base).toFixed(2)}×`

/** Total CPU per message over the wave: managers + PostgreSQL + Redis, µs. */
const waveCpuUs = (result: ConfigurationResult): number =>
  result.waveCost.managersCpuUs + (result.waveCost.databaseCpuUs ?? 0) + (result.waveCost.redisCpuUs ?? 0)
const waveRate = (result: ConfigurationResult): number =>
  (result.waveCost.messages / result.wave.inventoryDoneMs) * 1000

export function printClusterFigures(results: readonly ConfigurationResult[]): void {
  console.log('\n## Figures\n')
  console.log(
    '| configuration | connect + first report s | msg/s | wave s | activations/s | wave msg/s | lost | ' +
      'manager CPU µs/msg (per replica) | managers % core | PostgreSQL µs/msg (% core) | Redis µs/msg (% core) | ' +
      'latency p50/p99 ms, agent on replica 1 | on another replica |',
  )
  console.log('|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---|')
  for (const result of results) {
    const { connect, wave, waveCost, latencyLocal, latencyRemote } = result
    console.log(
      `| ${result.configuration.label} | ${s(connect.elapsedMs)} | ${fixed(connect.perSecond, 0)} | ` +
        `${s(wave.inventoryDoneMs)} | ${fixed(wave.perSecond, 0)} | ${fixed(waveRate(result), 0)} | ${wave.lost} | ` +
        `${fixed(waveCost.managersCpuUs, 0)} (${waveCost.replicas.map((r) => fixed(r.cpuUs, 0)).join(' / ')}) | ` +
        `${fixed(waveCost.managersCpuPct, 0)} | ${fixed(waveCost.databaseCpuUs, 0)} (${fixed(waveCost.databaseCpuPct, 0)}) | ` +
        `${fixed(waveCost.redisCpuUs, 0)} (${fixed(waveCost.redisCpuPct, 0)}) | ${latencyLocal.p50}/${latencyLocal.p99} | ` +
        `${latencyRemote ? `${latencyRemote.p50}/${latencyRemote.p99}` : '–'} |`,
    )
  }
  const base = results.find((result) => result.configuration.engine === 'sqlite')
  if (base === undefined) return
  console.log(`\nRatios against ${base.configuration.label} (same run; time and CPU: lower is better):`)
  for (const result of results) {
    if (result === base) continue
    console.log(
      `  ${result.configuration.label}: connect time ${ratio(result.connect.elapsedMs, base.connect.elapsedMs)}, ` +
        `wave time ${ratio(result.wave.inventoryDoneMs, base.wave.inventoryDoneMs)}, ` +
        `activations/s ${ratio(result.wave.perSecond, base.wave.perSecond)}, ` +
        `wave msg/s ${ratio(waveRate(result), waveRate(base))}, ` +
        `CPU per wave message (all processes) ${ratio(waveCpuUs(result), waveCpuUs(base))}, ` +
        `managers' CPU per message ${ratio(result.waveCost.managersCpuUs, base.waveCost.managersCpuUs)}, ` +
        `latency p50 ${ratio(result.latencyLocal.p50, base.latencyLocal.p50)}` +
        (result.latencyRemote
          ? ` (another replica's agent ${ratio(result.latencyRemote.p50, base.latencyLocal.p50)})`
          : ''),
    )
  }
}
