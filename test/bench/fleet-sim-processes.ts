/**
 * The simulated fleet spread over child processes (`--sim-processes S`): child i runs the agents of every S-th host
 * from host i (fleet-sim-child.ts), each agent connected to its broker; this side gathers their figures over IPC into
 * one FleetUnderTest. A process holds one socket per agent, and at most RLIMIT_NOFILE of them. Interleaved, not
 * contiguous slices: a bulk call works through the hosts in order, and with slices its first chunks all landed on
 * the first simulators, which saturated while the others idled (docs/benchmarks.md, "Fifth attempt").
 */
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import type { HostCredentials } from '../../agent/simulate/index.ts'
import type { Delivery } from './fleet-desired-tracker.ts'
import { simGroups } from './fleet-sim.ts'
import type { SimJob, SimOperation, SimOperations, SimReply, SimRequest } from './fleet-sim-child.ts'
import type { FleetUnderTest } from './fleet-under-test.ts'

const CHILD = fileURLToPath(new URL('./fleet-sim-child.ts', import.meta.url))
const STOP_GRACE_MS = 60_000

interface Simulator {
  child: ChildProcess
  call<Op extends SimOperation>(op: Op, args: SimOperations[Op]['args']): Promise<SimOperations[Op]['value']>
}

function forkSimulator(job: SimJob): Simulator {
  // A 16,000-agent process needs more than V8's default old space on some machines.
  const child = fork(CHILD, { execArgv: ['--import', 'tsx', '--max-old-space-size=8192'], stdio: 'inherit' })
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>()
  let nextId = 1
  child.on('message', (reply: SimReply) => {
    const waiter = pending.get(reply.id)
    pending.delete(reply.id)
    if (reply.ok) waiter?.resolve(reply.value)
    else waiter?.reject(new Error(reply.error))
  })
  child.once('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`simulator exited (${signal ?? code})`))
    pending.clear()
  })
  child.send(job)
  return {
    child,
    call: (op, args) =>
      new Promise((resolve, reject) => {
        const id = nextId++
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
        child.send({ id, op, args } satisfies SimRequest)
      }),
  }
}

export function startSimProcesses(
  devices: readonly HostCredentials[],
  brokerUrlOf: (index: number) => string,
  count: number,
  rampPerSecond: number,
  logLevel: string,
): FleetUnderTest {
  const owner = new Map<string, Simulator>()
  const simulators: Simulator[] = []
  for (let i = 0; i < count; i++) {
    const mine = (index: number): boolean => index % count === i
    const simulator = forkSimulator({
      groups: simGroups(devices, brokerUrlOf, mine),
      rampPerSecond: rampPerSecond / count,
      logLevel,
    })
    simulators.push(simulator)
    devices.forEach((device, index) => {
      if (mine(index)) owner.set(device.hostId, simulator)
    })
  }
  const each = <T>(ask: (simulator: Simulator) => Promise<T>): Promise<T[]> => Promise.all(simulators.map(ask))
  const total = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0)

  return {
    start: async () => {
      await each((simulator) => simulator.call('start', {}))
    },
    reported: async () => total(await each((simulator) => simulator.call('reported', {}))),
    mark: async (at, expected = new Map()) => {
      const shares = new Map<Simulator, Array<[string, number]>>(simulators.map((simulator) => [simulator, []]))
      for (const [hostId, generation] of expected) {
        const simulator = owner.get(hostId)
        if (simulator) shares.get(simulator)?.push([hostId, generation])
      }
      await each((simulator) => simulator.call('mark', { at, expected: shares.get(simulator) ?? [] }))
    },
    deliveries: async () => {
      const counts = await each((simulator) => simulator.call('deliveries', {}))
      return { hosts: total(counts.map((c) => c.hosts)), expected: total(counts.map((c) => c.expected)) }
    },
    waitFor: (hostId, generation, timeoutMs): Promise<Delivery> => {
      const simulator = owner.get(hostId)
      if (simulator === undefined) return Promise.reject(new Error(`no simulator runs ${hostId}`))
      return simulator.call('waitFor', { hostId, generation, timeoutMs })
    },
    settled: async () => Math.max(...(await each((simulator) => simulator.call('settled', {})))),
    stop: async () => {
      await each(async (simulator) => {
        const { child } = simulator
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = once(child, 'exit')
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
        await simulator.call('stop', {}).catch(() => undefined)
        if (child.connected) child.disconnect()
        await exited
        clearTimeout(killer)
      })
    },
    health: async () => (await each((simulator) => simulator.call('health', {}))).flat(),
    processes: () => simulators.map(({ child }, i) => ({ name: `simulator ${i + 1}`, pid: child.pid ?? 0 })),
  }
}
