import type { ExecutionContext } from 'ava'
import test from 'ava'
import { silentLogger } from '../../../../lib/log.ts'
import { RETAINED_LEAVES } from '../../../../manager/ports/outbound.ts'
import type { Report } from '../../../../manager/core/facts.ts'
import type { HostRemoval } from '../../../../manager/core/flows/host-removal.ts'
import { createManagerCore } from '../../../../manager/core/manager-core.ts'
import type { HostKey, HostPatch } from '../../../../manager/inventory/port.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics } from '../../../../manager/metrics/metrics.ts'
import { buildTopic } from '../../../../schemas/index.ts'
import { eventually } from '../../../helpers/manager-mqtt.ts'
import { RecordingOutbound, seedHost, TENANT } from '../../../helpers/manager-core.ts'

const GRPC = { kind: 'grpc' } as const
/** The agent's report that AMT is off at the generation of the deletion request. */
const AMT_OFF: Report = {
  kind: 'state',
  facts: { phase: 'UNPROVISIONED', observedGeneration: 2, controlMode: 'PRE_PROVISIONING' },
}
const PROVISIONED: HostPatch[] = [
  { desiredState: 'PROVISIONED' },
  { currentState: 'PROVISIONED', phase: 'PROVISIONED', observedGeneration: 1, online: true },
]

/** A HostRemoval that records what it was asked, in order with the publications, and can be made to fail. */
class FakeRemoval implements HostRemoval {
  readonly external = true
  readonly calls: Array<{
    call: 'remove' | 'disconnect'
    hostId: string
    keepSecrets?: boolean
    publishedBefore: number
  }> = []
  failure: string | null = null
  constructor(readonly outbound: RecordingOutbound) {}
  removeRecords(key: HostKey, { keepSecrets }: { keepSecrets: boolean }): Promise<string[]> {
    this.calls.push({
      call: 'remove',
      hostId: key.hostId,
      keepSecrets,
      publishedBefore: this.outbound.published.length,
    })
    return this.failure === null ? Promise.resolve(['removed host secrets']) : Promise.reject(new Error(this.failure))
  }
  disconnect(key: HostKey): Promise<void> {
    this.calls.push({ call: 'disconnect', hostId: key.hostId, publishedBefore: this.outbound.published.length })
    return Promise.resolve()
  }
}

async function start(t: ExecutionContext, deletionRetry = { firstMs: 60_000, maxMs: 60_000 }) {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  const outbound = new RecordingOutbound()
  const removal = new FakeRemoval(outbound)
  const metrics = createManagerMetrics(inventory)
  const options = { deadlines: { deletionRetry } }
  const core = createManagerCore({ inventory, outbound, log: silentLogger(), metrics, removal, options })
  t.teardown(() => core.stop())
  return { inventory, outbound, removal, core }
}

test('deletion of a provisioned host waits for the agent: desired UNPROVISIONED + "AMT deactivation pending", nothing removed yet', async (t) => {
  const { core, inventory, outbound, removal } = await start(t)
  const online = await seedHost(inventory, 'h-1', PROVISIONED)
  const offline = await seedHost(inventory, 'h-2', [...PROVISIONED, { online: false }])
  t.is(await core.requestDeletion(online, 'api:alice'), 'pending')
  t.is(await core.requestDeletion(offline, 'api:alice'), 'pending')
  t.like(await inventory.getHost(online), {
    deletion: 'pending',
    desiredState: 'UNPROVISIONED',
    desiredGeneration: 2,
    statusIndicator: 'IN_PROGRESS',
    status: 'AMT deactivation pending: waiting for the agent to deactivate AMT',
  })
  t.like(await inventory.getHost(offline), {
    deletion: 'pending',
    status: 'AMT deactivation pending: the host is offline; it is deleted once its agent reports AMT deactivated',
  })
  t.like(outbound.last(online, 'desired'), { state: 'UNPROVISIONED', generation: 2 })
  t.like(outbound.last(online, 'status'), {
    status: 'AMT deactivation pending: waiting for the agent to deactivate AMT',
  })
  t.deepEqual(removal.calls, [])

  const error = { code: 23, name: 'AmtPasswordWrong', message: 'wrong password' }
  await core.record(online, { kind: 'state', facts: { phase: 'FAILED', controlMode: 'CCM', error } }, GRPC)
  t.like(await inventory.getHost(online), {
    deletion: 'pending',
    statusIndicator: 'ERROR',
    status: 'AMT deactivation pending: deactivation failed: AmtPasswordWrong: wrong password',
  })
  t.deepEqual(removal.calls, [], 'a failed deactivation leaves the host pending (an admin may force it)')
})

test('the agent reports UNPROVISIONED → records elsewhere removed, record deleted, device disconnected, then every retained topic cleared; audit kept', async (t) => {
  const { core, inventory, outbound, removal } = await start(t)
  const host = await seedHost(inventory, 'h-1', PROVISIONED)
  await core.requestDeletion(host, 'api:alice')
  await core.record(host, AMT_OFF, GRPC)
  await eventually(async () => (await inventory.findHost(host)) === null, 'the host to be removed')
  await core.idle()

  t.deepEqual(
    removal.calls.map(({ call, keepSecrets }) => [call, keepSecrets]),
    [
      ['remove', false],
      ['disconnect', undefined],
    ],
  )
  const disconnectedAt = removal.calls[1]?.publishedBefore ?? -1
  const clears = outbound.published.flatMap((p, index) =>
    p.payload.length === 0 ? [{ topic: p.topic, index, retain: p.options.retain }] : [],
  )
  t.deepEqual(
    clears.map((c) => c.topic).sort(),
    RETAINED_LEAVES.map((leaf) => buildTopic({ ...host, leaf })).sort(),
    'desired, status, presence, capability, state',
  )
  t.true(
    clears.every((c) => c.retain && c.index >= disconnectedAt),
    'cleared (retained, empty) after the device was disconnected',
  )
  const audit = await inventory.listAudit(TENANT, { hostId: 'h-1' })
  t.like(audit[0], {
    kind: 'host.deleted',
    actor: 'manager',
    detail: { reason: 'deactivated', changes: ['removed host secrets'] },
  })
  t.true(
    audit.some((event) => event.kind === 'host.deletion-requested'),
    'earlier audit events stay',
  )
})

test('records elsewhere that cannot be removed keep the host pending with the reason; DELETE again converges', async (t) => {
  const { core, inventory, removal } = await start(t)
  const host = await seedHost(inventory, 'h-1', PROVISIONED)
  await core.requestDeletion(host, 'api:alice')
  removal.failure = 'RPS/MPS: MPS unavailable: DELETE /api/v1/devices/h-1: connection refused'
  await core.record(host, AMT_OFF, GRPC)
  const pending = await eventually(async () => {
    const found = await inventory.findHost(host)
    return found?.status.startsWith('Host deletion pending') ? found : null
  }, 'the failure in the status')
  t.like(pending, { deletion: 'pending', statusIndicator: 'ERROR' })
  t.true(pending.status.includes('MPS unavailable') && pending.status.includes('DELETE again'), pending.status)
  t.like((await inventory.listAudit(TENANT, { hostId: 'h-1' }))[0], {
    kind: 'host.deletion-failed',
    detail: { reason: removal.failure },
  })
  await t.throwsAsync(core.setDesired({ keys: [host] }, { state: 'PROVISIONED' }, 'api:bob'), {
    message: /being deleted/,
  })

  removal.failure = null
  t.is(await core.requestDeletion(host, 'api:alice'), 'deleted', 'AMT is known off: the repeat removes it at once')
  t.is(await inventory.findHost(host), null)
})

test('a failed cleanup is retried by itself with backoff until the records elsewhere are gone', async (t) => {
  const { core, inventory, removal } = await start(t, { firstMs: 40, maxMs: 80 })
  const host = await seedHost(inventory, 'h-1', PROVISIONED)
  await core.requestDeletion(host, 'api:alice')
  removal.failure = 'RPS/MPS: RPS unavailable: DELETE /api/v1/admin/profiles/h-1@plant_ccm: HTTP 503'
  await core.record(host, AMT_OFF, GRPC)
  const removals = () => removal.calls.filter((call) => call.call === 'remove').length
  await eventually(() => Promise.resolve(removals() >= 3), 'two retries of the failed cleanup')
  const pending = await inventory.findHost(host)
  t.like(pending, { deletion: 'pending', statusIndicator: 'ERROR' })
  t.regex(pending?.status ?? '', /RPS unavailable.*retrying in \d+ (ms|s)/)
  removal.failure = null
  await eventually(
    async () => (await inventory.findHost(host)) === null,
    'the retry to finish the deletion once RPS is back',
  )
  const audit = await inventory.listAudit(TENANT, { hostId: 'h-1' })
  t.like(audit[0], { kind: 'host.deleted', actor: 'manager', detail: { reason: 'deactivated' } })
  t.true(audit.filter((event) => event.kind === 'host.deletion-failed').length >= 2, 'every failed attempt is audited')
  const attempts = removals()
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.is(removals(), attempts, 'no retry after the deletion finished')
})

test('a host never activated is removed at once; a forced deletion keeps the AMT password and removes the host even when MPS fails', async (t) => {
  const { core, inventory, removal } = await start(t)
  const fresh = await seedHost(inventory, 'h-1')
  t.is(await core.requestDeletion(fresh, 'api:alice'), 'deleted')
  const provisioned = await seedHost(inventory, 'h-2', PROVISIONED)
  removal.failure = 'RPS/MPS: MPS unavailable'
  t.is(await core.requestDeletion(provisioned, 'api:admin', { force: true }), 'deleted')
  t.deepEqual((await inventory.listHosts()).hosts, [])
  t.deepEqual(
    removal.calls.filter((c) => c.call === 'remove').map((c) => [c.hostId, c.keepSecrets]),
    [
      ['h-1', false],
      ['h-2', true],
    ],
  )
  const [deleted] = await inventory.listAudit(TENANT, { hostId: 'h-2' })
  t.like(deleted, {
    kind: 'host.deleted',
    actor: 'api:admin',
    detail: { reason: 'forced', leftBehind: 'RPS/MPS: MPS unavailable' },
  })
})

test('a (re)connect sweep completes a pending deletion whose AMT is known off (e.g. after a restart)', async (t) => {
  const { core, inventory, removal } = await start(t)
  const host = await seedHost(inventory, 'h-1', [
    ...PROVISIONED,
    { desiredState: 'UNPROVISIONED', deletion: 'pending' },
    { phase: 'UNPROVISIONED', currentState: 'UNPROVISIONED', observedGeneration: 2 },
  ])
  const other = await seedHost(inventory, 'h-2', [
    ...PROVISIONED,
    { desiredState: 'UNPROVISIONED', deletion: 'pending' },
  ])
  await core.republishAll()
  await eventually(async () => (await inventory.findHost(host)) === null, 'the sweep to remove the host')
  t.truthy(await inventory.findHost(other), 'a host whose AMT is still on stays pending')
  t.deepEqual(
    removal.calls.filter((c) => c.call === 'remove').map((c) => c.hostId),
    ['h-1'],
  )
})
