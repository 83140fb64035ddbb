import type { Latency } from './fleet-options.ts'
import type { Random } from './prng.ts'

/** One duration source shared by every simulated device (undefined for zero: no timer at all). */
export function latencySource(latency: Latency, random: Random): (() => number) | undefined {
  switch (latency.kind) {
    case 'zero':
      return undefined
    case 'fixed': {
      const { ms } = latency
      return ms > 0 ? () => ms : undefined
    }
    case 'uniform': {
      const { minMs, maxMs } = latency
      return () => Math.round(minMs + random() * (maxMs - minMs))
    }
  }
}
