import test, { type ExecutionContext } from 'ava'
import { createLogger } from '../../../lib/log.ts'
import type { HostRemoval } from '../../../manager/core/flows/host-removal.ts'
import { HostBook } from '../../../manager/core/host-book.ts'
import { HostWritePath } from '../../../manager/core/host-write-path.ts'
import { createManagerCore, type ManagerCoreDeps } from '../../../manager/core/manager-core.ts'
import { VersionConflictError } from '../../../manager/inventory/errors.ts'
import type { AppendAuditInput, HostKey, HostPatch, Inventory } from '../../../manager/inventory/port.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics } from '../../../manager/metrics/metrics.ts'
import type { PublishOptions } from '../../../manager/ports/outbound.ts'
import { eventually } from '../../helpers/manager-mqtt.ts'
import { RecordingOutbound, seedHost, TENANT } from '../../helpers/manager-core.ts'

/** The steps host writes take, in the order they happen: Inventory commits, audit appends, publications by leaf. */
class Trace {
  readonly steps: string[] = []
  /** While true, every audit append fails (after it was traced). */
  failAudit = false
}

const COMMITS = new Set(['updateHosts', 'setDesiredMany', 'deleteHost'])

/** The Inventory with its host commits and audit appends traced (seeding uses createHost/updateHost: not traced). */
function traced(inventory: Inventory, trace: Trace): Inventory {
  return new Proxy(inventory, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name)
      if (typeof value !== 'function') return value
      const method = value as (...args: unknown[]) => Promise<unknown>
      if (name === 'appendAudit') {
        return (events: readonly AppendAuditInput[]) => {
          trace.steps.push(`audit ${events.map((event) => event.kind).join(',')}`)
          return trace.failAudit ? Promise.reject(new Error('audit store unavailable')) : method.call(target, events)
        }
      }
      if (typeof name === 'string' && COMMITS.has(name)) {
        return async (...args: unknown[]) => {
          // A write's audit goes into its transaction (the last argument): traced as the step right after it.
          const audit = args.at(-1)
          let kinds = ''
          if (typeof audit === 'function')
            args[args.length - 1] = (stored: unknown) => {
              const events = (audit as (stored: unknown) => readonly AppendAuditInput[])(stored)
              kinds = events.map((event) => event.kind).join(',')
              if (trace.failAudit) throw new Error('audit store unavailable')
              return events
            }
          const result = await method.apply(target, args)
          trace.steps.push('commit', ...(kinds === '' ? [] : [`audit ${kinds}`]))
          return result
        }
      }
      return method.bind(target)
    },
  })
}

class TracedOutbound extends RecordingOutbound {
  constructor(readonly trace: Trace) {
    super()
  }

  override publish(topic: string, payload: Buffer, options: PublishOptions): void {
    super.publish(topic, payload, options)
    this.trace.steps.push(`${payload.length === 0 ? 'clear' : 'publish'} ${topic.split('/').slice(4).join('/')}`)
  }
}

/** Records elsewhere: removed (or failing with `failure`); a disconnect is traced. */
class TracedRemoval implements HostRemoval {
  readonly external = true
  failure: string | null = null
  constructor(readonly trace: Trace) {}
  removeRecords(): Promise<string[]> {
    return this.failure === null ? Promise.resolve([]) : Promise.reject(new Error(this.failure))
  }
  disconnect(): Promise<void> {
    this.trace.steps.push('disconnect')
    return Promise.resolve()
  }
}

async function start(t: ExecutionContext, deps: Partial<Pick<ManagerCoreDeps, 'now' | 'options'>> = {}) {
  const trace = new Trace()
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY, ...(deps.now ? { now: deps.now } : {}) })
  t.teardown(() => inventory.close())
  const lines: string[] = []
  const destination = { write: (line: string) => void lines.push(line) }
  const log = createLogger({ name: 'test', level: 'error', destination })
  const removal = new TracedRemoval(trace)
  const outbound = new TracedOutbound(trace)
  const metrics = createManagerMetrics(inventory)
  const core = createManagerCore({ inventory: traced(inventory, trace), outbound, log, metrics, removal, ...deps })
  t.teardown(() => core.stop())
  /** Runs the action (and whatever it queued) and returns the steps it took. */
  const steps = async (action: () => Promise<unknown>): Promise<string[]> => {
    trace.steps.length = 0
    await action()
    await core.idle()
    return [...trace.steps]
  }
  return { core, inventory, outbound, trace, removal, lines, steps }
}

const DONE = 'Power action on done'
const POWER_DONE: HostPatch = { desiredPowerState: 'ON', powerStatus: DONE, powerStatusIndicator: 'IDLE' }
const PROVISIONED: HostPatch[] = [
  { desiredState: 'PROVISIONED' },
  { currentState: 'PROVISIONED', phase: 'PROVISIONED', observedGeneration: 1 },
]
const GRPC = { kind: 'grpc' } as const

test('every flow writes a host in one order: commit → audit → publish (desired, then status)', async (t) => {
  let ms = Date.now()
  const { core, inventory, steps } = await start(t, { now: () => new Date(ms) })
  const host = await seedHost(inventory, 'h-1')
  t.deepEqual(
    await steps(() => core.setDesired({ keys: [host] }, { state: 'PROVISIONED' }, 'api:alice')),
    ['commit', 'audit desired.set', 'publish desired', 'publish status'],
    'set-desired',
  )
  const activating = { phase: 'ACTIVATING', observedGeneration: 1, controlMode: 'PRE_PROVISIONING' } as const
  const ingested = await steps(() => core.record(host, { kind: 'state', facts: activating }, GRPC))
  t.deepEqual(ingested, ['commit', 'audit state', 'publish status'], 'ingest')
  ms += 16 * 60_000
  const expired = await steps(() => core.checkDeadlines())
  t.deepEqual(expired, ['commit', 'audit activation.deadline', 'publish status'], 'expire')
  const power = { audit: [{ tenantId: TENANT, hostId: 'h-1', kind: 'power.action', actor: 'api:ops' }] }
  t.deepEqual(
    await steps(() => core.updateHost(host, POWER_DONE, power)),
    ['commit', 'audit power.action', 'publish status'],
    'HostWriter.updateHost (power fields)',
  )
  const created = await inventory.createHost({ tenantId: TENANT, hostId: 'h-2' })
  const registered = { audit: [{ tenantId: TENANT, hostId: 'h-2', kind: 'host.registered', actor: 'api:ops' }] }
  const announced = await steps(() => core.refreshHost(created, registered))
  t.deepEqual(announced, ['audit host.registered', 'publish status'], 'registration')
})

test('deletion writes through the same path: ask, failed cleanup, record removed, disconnect, clears', async (t) => {
  const deletionRetry = { firstMs: 60_000, maxMs: 60_000 }
  const { core, inventory, removal, steps } = await start(t, { options: { deadlines: { deletionRetry } } })
  const host = await seedHost(inventory, 'h-1', PROVISIONED)
  t.deepEqual(
    await steps(() => core.requestDeletion(host, 'api:alice')),
    ['commit', 'audit host.deletion-requested', 'publish desired', 'publish status'],
    'desired UNPROVISIONED, deletion pending',
  )
  removal.failure = 'MPS unavailable'
  const off = { phase: 'UNPROVISIONED', observedGeneration: 2, controlMode: 'PRE_PROVISIONING' } as const
  await core.record(host, { kind: 'state', facts: off }, GRPC)
  const failure = async (key: HostKey, text: string) => (await inventory.findHost(key))?.status.includes(text)
  await eventually(() => failure(host, 'MPS unavailable'), 'the failure in the status')
  removal.failure = null
  const cleared = ['desired', 'status', 'presence', 'capability', 'state'].map((leaf) => `clear ${leaf}`).sort()
  const deleted = await steps(() => core.requestDeletion(host, 'api:alice'))
  t.deepEqual(deleted.slice(0, 3), ['commit', 'audit host.deleted', 'disconnect'], 'the record, its audit, the device')
  t.deepEqual(deleted.slice(3).sort(), cleared, 'then every retained topic cleared')

  const other = await seedHost(inventory, 'h-2', PROVISIONED)
  await core.requestDeletion(other, 'api:alice')
  removal.failure = 'RPS unavailable'
  const failed = await steps(async () => {
    await core.record(other, { kind: 'state', facts: off }, GRPC)
    await eventually(() => failure(other, 'RPS unavailable'), 'the failure')
  })
  t.deepEqual(failed.slice(-3), ['commit', 'audit host.deletion-failed', 'publish status'], 'audit, then status')
})

test('a failing audit fails the write with it (one transaction): nothing stored, nothing published', async (t) => {
  const { core, inventory, outbound, trace, steps } = await start(t)
  const host = await seedHost(inventory, 'h-1')
  trace.failAudit = true
  const written = await steps(async () => {
    await t.throwsAsync(core.setDesired({ keys: [host] }, { state: 'PROVISIONED' }, 'api:alice'), {
      message: 'audit store unavailable',
    })
  })
  t.deepEqual(written, [])
  t.like(await inventory.getHost(host), { desiredState: 'UNSPECIFIED', desiredGeneration: 0, version: 1 })
  t.is(outbound.last(host, 'desired'), undefined)
  const power = { audit: [{ tenantId: TENANT, hostId: 'h-1', kind: 'power.action', actor: 'api:ops' }] }
  await t.throwsAsync(core.updateHost(host, POWER_DONE, power), { message: 'audit store unavailable' })
  t.like(await inventory.getHost(host), { version: 1 })
  t.deepEqual(await inventory.listAudit(TENANT, { hostId: 'h-1' }), [])
})

test('a write that conflicts (the host changed behind the cache) is neither audited nor published', async (t) => {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  const trace = new Trace()
  const stored: string[] = []
  const book = new HostBook(inventory)
  const writes = new HostWritePath({
    book,
    inventory: traced(inventory, trace),
    log: createLogger({ name: 'test', level: 'silent' }),
    profiles: { readMissing: () => Promise.resolve() },
    desired: { publish: () => false, forget: () => undefined },
    status: { publish: (host) => stored.push(host.hostId) > 0, forget: () => undefined },
    deadlines: { track: () => undefined, forget: () => undefined },
    removal: { disconnect: () => Promise.resolve() },
    outbound: new TracedOutbound(trace),
  })
  const host = await seedHost(inventory, 'h-1')
  await inventory.updateHost(host, { name: 'changed elsewhere' })
  const audit = [{ tenantId: TENANT, hostId: 'h-1', kind: 'power.action', actor: 'api:ops' }]
  const stale = writes.commit([{ host, patch: { powerStatus: 'x' } }], { audit })
  await t.throwsAsync(stale, { instanceOf: VersionConflictError })
  t.deepEqual(trace.steps, [])
  t.deepEqual(stored, [])
  book.remember(host) // the stale copy in the cache: the first try conflicts too
  const updated = await writes.update(host, () => ({ powerStatus: 'x' }), { audit })
  t.like(updated, { name: 'changed elsewhere', powerStatus: 'x' }, 'update re-reads and retries')
  t.deepEqual(trace.steps, ['commit', 'audit power.action'])
  t.deepEqual(stored, ['h-1'])
})
