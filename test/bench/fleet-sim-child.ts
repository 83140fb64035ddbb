/**
 * A simulator child process of the fleet benchmark (fleet-sim-processes.ts forks it): its share of the simulated
 * fleet (fleet-sim.ts) and answers to the parent's requests over IPC. The first message is the job (credentials
 * travel over IPC, never in argv or the environment); every later one a request, answered with its id. Exits
 * when the parent disconnects (after `stop`) or goes away.
 */
import type { Delivery } from './fleet-desired-tracker.ts'
import { createSimFleet, localFleet, type SimGroup } from './fleet-sim.ts'
import type { FleetUnderTest } from './fleet-under-test.ts'
import type { SimHealth } from './fleet-sim-health.ts'

export interface SimJob {
  groups: SimGroup[]
  rampPerSecond: number
  logLevel: string
}

/** The requests, by operation: their arguments and what the answer carries. */
export interface SimOperations {
  start: { args: Record<string, never>; value: null }
  reported: { args: Record<string, never>; value: number }
  mark: { args: { at: number; expected: Array<[string, number]> }; value: null }
  deliveries: { args: Record<string, never>; value: { hosts: number; expected: number } }
  waitFor: { args: { hostId: string; generation: number; timeoutMs: number }; value: Delivery }
  settled: { args: Record<string, never>; value: number }
  stop: { args: Record<string, never>; value: null }
  health: { args: Record<string, never>; value: SimHealth[] }
}
export type SimOperation = keyof SimOperations

export interface SimRequest<Op extends SimOperation = SimOperation> {
  id: number
  op: Op
  args: SimOperations[Op]['args']
}

export type SimReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string }

type Handlers = { [Op in SimOperation]: (args: SimOperations[Op]['args']) => Promise<SimOperations[Op]['value']> }

function handlers(fleet: FleetUnderTest): Handlers {
  return {
    start: async () => {
      await fleet.start()
      return null
    },
    reported: () => fleet.reported(),
    mark: async ({ at, expected }) => {
      await fleet.mark(at, new Map(expected))
      return null
    },
    deliveries: () => fleet.deliveries(),
    waitFor: ({ hostId, generation, timeoutMs }) => fleet.waitFor(hostId, generation, timeoutMs),
    settled: () => fleet.settled(),
    stop: async () => {
      await fleet.stop()
      return null
    },
    health: () => fleet.health(),
  }
}

const send = (reply: SimReply): void => {
  process.send?.(reply)
}

let table: Handlers | undefined
// One listener for the job and the requests: several messages may arrive in one read and be emitted at once.
process.on('message', (message: SimJob | SimRequest) => {
  if (table === undefined) {
    const job = message as SimJob
    table = handlers(localFleet(createSimFleet(job.groups, job.rampPerSecond, { logLevel: job.logLevel })))
    return
  }
  const request = message as SimRequest
  const handle = table[request.op] as (args: SimRequest['args']) => Promise<unknown>
  handle(request.args).then(
    (value) => send({ id: request.id, ok: true, value }),
    (err: unknown) => send({ id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  )
})
process.on('disconnect', () => process.exit(0))
