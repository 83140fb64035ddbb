/**
 * The fleet benchmark's memory table when more than the manager runs (--brokers, --sim-processes): the RSS of each
 * part with every device connected and idle, the server side per node against issue 17's goal (≤ 25 KB per node,
 * manager included), and the simulators apart (they are the devices, not the server side).
 */
import { readFileSync } from 'node:fs'
import type { CycleResult, ProcessMemory } from './fleet-cycle.ts'
import { fixed, median } from './fleet-env.ts'

/** The soft limit of open files of this process (its children inherit it), from /proc; '?' elsewhere. */
export function openFilesLimit(): string {
  try {
    return /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? '?'
  } catch {
    return '?'
  }
}

const rssOf = (list: readonly ProcessMemory[] | undefined, prefix: string): number[] =>
  (list ?? []).filter(({ name }) => name.startsWith(prefix)).map(({ memory }) => memory?.rssMiB ?? Number.NaN)

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0)

interface Parts {
  manager: number
  brokers: number[]
  redis: number
  simulators: number[]
}

function partsOf(result: CycleResult): Parts | undefined {
  if (result.idleMemory === undefined) return undefined
  return {
    manager: result.idleMemory.rssMiB,
    brokers: rssOf(result.othersIdle, 'broker'),
    redis: sum(rssOf(result.othersIdle, 'redis-server')),
    simulators: rssOf(result.simulatorsIdle, 'simulator'),
  }
}

export function printMemoryTable(results: ReadonlyMap<number, readonly CycleResult[]>): void {
  const rows = [...results].flatMap(([hosts, list]) => {
    const parts = list.map(partsOf).filter((part): part is Parts => part !== undefined)
    if (parts.every((part) => part.brokers.length === 0 && part.simulators.length === 0)) return []
    const med = (pick: (part: Parts) => number): number => median(parts.map(pick))
    const server = med((part) => part.manager + sum(part.brokers) + part.redis)
    const sumAndLargest = (values: (part: Parts) => number[]): string =>
      `${fixed(
        med((part) => sum(values(part))),
        0,
      )} (${fixed(
        med((part) => Math.max(0, ...values(part))),
        0,
      )})`
    return [
      `| ${hosts} | ${fixed(
        med((part) => part.manager),
        0,
      )} | ${sumAndLargest((part) => part.brokers)} | ` +
        `${fixed(
          med((part) => part.redis),
          0,
        )} | ${fixed(server, 0)} | ${fixed((server * 1024) / hosts, 1)} | ` +
        `${sumAndLargest((part) => part.simulators)} |`,
    ]
  })
  if (rows.length === 0) return
  console.log(`\n## Memory with every device connected and idle (RSS, median of the runs)\n`)
  console.log(
    '| devices | manager MiB | brokers MiB: sum (largest) | redis-server MiB | server side MiB | KB per node (goal ≤ 25) | simulators MiB: sum (largest) |',
  )
  console.log('|---:|---:|---:|---:|---:|---:|---:|')
  for (const row of rows) console.log(row)
}
