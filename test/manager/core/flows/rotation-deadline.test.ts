import test, { type ExecutionContext } from 'ava'
import * as z from 'zod/mini'
import { silentLogger } from '../../../../lib/log.ts'
import { createManagerCore, type ManagerCore, type ManagerCoreDeps } from '../../../../manager/core/manager-core.ts'
import type { HostKey, HostPatch, Inventory } from '../../../../manager/inventory/port.ts'
import { createManagerMetrics } from '../../../../manager/metrics/metrics.ts'
import type { Lease } from '../../../../manager/ports/lease.ts'
import type { MpsPasswordCopy, PasswordRotator } from '../../../../manager/ports/provisioning.ts'
import { createAmtPasswordSource, type AmtPasswords } from '../../../../manager/secrets/amt-password-source.ts'
import type { SecretStore } from '../../../../manager/secrets/port.ts'
import { AGENT_PAYLOADS } from '../../../../schemas/mini/payloads.ts'
import {
  AgentMessages,
  capable,
  RecordingOutbound,
  seedHost,
  startTestCore,
  TENANT,
} from '../../../helpers/manager-core.ts'
import { eventually } from '../../../helpers/manager-mqtt.ts'
import { askAsAgent, localStore } from '../../secrets/support.ts'

// The rotation deadline (deadlines.rotationMs) and the resume of a settled rotation's work (docs/credentials.md
// "Rotation"): the real core on SQLite with the local secret store, a clock moved by hand.

const KEY: HostKey = { tenantId: TENANT, hostId: 'h-1' }
const V1 = { password: 'Version1!aaaa', mebxPassword: 'Mebx1!aaaaaa' }
const MIN = 60_000
const TIMED_OUT = /^ROTATION_TIMED_OUT: no outcome from the agent within 15 min$/

function manualClock(start = Date.now()) {
  let ms = start
  return { now: () => new Date(ms), advance: (by: number) => (ms += by) }
}

/** An agent older than rotation: the agent's strict desired schema without `rotationId`. */
const OLD_AGENT_DESIRED = z.omit(AGENT_PAYLOADS.desired, { rotationId: true })

type Clock = ReturnType<typeof manualClock>

/** Activated, with an agent on rpc v3 (rotation is refused otherwise). */
const PROVISIONED_ON_V3: HostPatch[] = [
  {
    desiredState: 'PROVISIONED',
    currentState: 'PROVISIONED',
    capability: {
      ...{ v: 1, ts: new Date().toISOString(), hostId: KEY.hostId, bootId: 'boot-1', seq: 1 },
      ...capable(),
      rpc: { line: 'v3', version: '3.0.0' },
    },
  },
]

/** A provisioned host on an rpc v3 agent with V1 stored, and a core that rotates through the local store. */
async function rotationCore(t: ExecutionContext, clock: Clock, deps: { rotator?: PasswordRotator } = {}) {
  const store = await localStore(t)
  const passwords = passwordsOf(store, () => started.inventory)
  const started = await startTestCore(t, {
    now: clock.now,
    secrets: passwords,
    restorer: passwords,
    rotator: deps.rotator ?? passwords,
  })
  await seedHost(started.inventory, KEY.hostId, PROVISIONED_ON_V3)
  await store.putAmtPassword(KEY, V1)
  return { ...started, store, passwords }
}

function passwordsOf(store: SecretStore, inventory: () => Inventory): AmtPasswords {
  return createAmtPasswordSource({ store, inventory: { getTenant: (id) => inventory().getTenant(id) } })
}

/** A second core on the same Inventory (a restarted manager), stopped in teardown. */
function restartedCore(
  t: ExecutionContext,
  inventory: Inventory,
  clock: Clock,
  deps: Pick<ManagerCoreDeps, 'rotator'> & Partial<Pick<ManagerCoreDeps, 'mpsCopy' | 'lease' | 'options'>>,
): { core: ManagerCore; outbound: RecordingOutbound } {
  const outbound = new RecordingOutbound()
  const metrics = createManagerMetrics(inventory)
  const core = createManagerCore({ inventory, outbound, log: silentLogger(), metrics, now: clock.now, ...deps })
  t.teardown(() => core.stop())
  return { core, outbound }
}

const auditKinds = async (inventory: Inventory, kind: string) =>
  (await inventory.listAudit(TENANT, { hostId: KEY.hostId, limit: 500 })).filter((event) => event.kind === kind)

function outcome(kind: 'rotation.confirmed' | 'rotation.failed', rotationId: string, generation: number) {
  return new AgentMessages(KEY).encode('events', {
    kind,
    message: 'AMT password changed',
    generation,
    detail: { rotationId },
  })
}

test('a rotation unanswered (an older agent) fails at the deadline: desired without rotationId, old password current', async (t) => {
  const clock = manualClock()
  const { core, inventory, outbound, store } = await rotationCore(t, clock)
  const { host, rotation } = await core.rotatePassword(KEY, 'api:alice')
  const asked = outbound.last(KEY, 'desired')
  t.like(asked, { generation: host.desiredGeneration, rotationId: rotation.id })
  t.false(OLD_AGENT_DESIRED.safeParse(asked).success, 'an older agent rejects the desired carrying rotationId')

  clock.advance(15 * MIN - 1)
  t.is(await core.checkDeadlines(), 0)
  t.like((await inventory.getHost(KEY)).rotation, { state: 'pending' })
  clock.advance(1)
  t.is(await core.checkDeadlines(), 1)

  const stored = await inventory.getHost(KEY)
  t.like(stored.rotation, { id: rotation.id, state: 'failed', reverted: true })
  t.regex(stored.rotation?.reason ?? '', TIMED_OUT)
  t.is(stored.desiredGeneration, host.desiredGeneration + 1, 'one new desired generation')
  const after = outbound.last(KEY, 'desired')
  t.like(after, { generation: host.desiredGeneration + 1, state: 'PROVISIONED' })
  t.false(after !== undefined && 'rotationId' in after)
  t.true(OLD_AGENT_DESIRED.safeParse(after).success, 'the older agent follows desired again')
  t.is(outbound.published.filter(({ topic }) => topic.endsWith('/desired')).length, 2, 'asked once, settled once')

  const history = await store.getAmtPasswordHistory(KEY)
  t.deepEqual(
    history.map(({ version, secret }) => [version, secret.password === V1.password]),
    [
      [3, true],
      [2, false],
      [1, true],
    ],
    'the previous password is the newest version again; the new one stays as a version',
  )
  const failed = await auditKinds(inventory, 'password.rotation-failed')
  t.is(failed.length, 1)
  t.like(failed[0], { actor: 'manager', class: 'security', detail: { rotationId: rotation.id } })
  t.regex((failed[0]?.detail as { reason: string }).reason, TIMED_OUT)
  t.is((await auditKinds(inventory, 'password.rotation-reverted')).length, 1)

  clock.advance(60 * MIN)
  t.is(await core.checkDeadlines(), 0, 'settled once, nothing left to finish')
  t.is((await store.getAmtPasswordHistory(KEY)).length, 3)
})

test('a confirmation before the deadline wins: no failure', async (t) => {
  const clock = manualClock()
  const { core, dispatch, inventory } = await rotationCore(t, clock)
  const { rotation } = await core.rotatePassword(KEY, 'api:alice')
  clock.advance(10 * MIN)
  const confirmed = outcome('rotation.confirmed', rotation.id, rotation.generation)
  await dispatch(confirmed.topic, confirmed.payload, false)
  await eventually(async () => (await inventory.getHost(KEY)).rotation?.mpsCopy === 'none', 'the copy recorded')
  clock.advance(60 * MIN)
  t.is(await core.checkDeadlines(), 0)
  t.like((await inventory.getHost(KEY)).rotation, { state: 'confirmed', reason: null })
  t.is((await auditKinds(inventory, 'password.rotation-failed')).length, 0)
  t.is((await auditKinds(inventory, 'password.rotated')).length, 1)
})

test('a late confirmation after the timeout is audited only; the password candidates still find the new password', async (t) => {
  const clock = manualClock()
  const started = await rotationCore(t, clock)
  const { core, dispatch, inventory, store } = started
  const { rotation } = await core.rotatePassword(KEY, 'api:alice')
  clock.advance(15 * MIN)
  t.is(await core.checkDeadlines(), 1)
  const before = await inventory.getHost(KEY)

  const late = outcome('rotation.confirmed', rotation.id, rotation.generation)
  t.like(await dispatch(late.topic, late.payload, false), { outcome: 'accepted' })
  await core.idle()
  const stored = await inventory.getHost(KEY)
  t.like(stored.rotation, { state: 'failed', reverted: true })
  t.is(stored.desiredGeneration, before.desiredGeneration, 'no new desired')
  t.is((await auditKinds(inventory, 'agent.rotation.confirmed')).length, 1, 'the late outcome is audited')
  t.is((await auditKinds(inventory, 'password.rotated')).length, 0)

  // AMT may hold the new password: the next operation that presents one finds it as candidate 1.
  const newPassword = (await store.getAmtPasswordHistory(KEY)).find(({ version }) => version === 2)?.secret.password
  await core.setDesired({ keys: [KEY] }, { state: 'UNPROVISIONED' }, 'api:alice')
  t.like(await askAsAgent(started, KEY, 'deactivate'), { ok: true, password: V1.password, version: 3, more: true })
  t.like(await askAsAgent(started, KEY, 'deactivate', 1), { ok: true, password: newPassword, version: 2 })
})

test('a revert cut short (the store failed, the manager restarted) is finished by the restarted core, once', async (t) => {
  const clock = manualClock()
  let failing = true
  const flaky: PasswordRotator = {
    stage: (key) => started.passwords.stage(key),
    revert: (key, previous) =>
      failing ? Promise.reject(new Error('the secret store is away')) : started.passwords.revert(key, previous),
  }
  const started = await rotationCore(t, clock, { rotator: flaky })
  const { core, inventory, store } = started
  const { rotation } = await core.rotatePassword(KEY, 'api:alice')
  clock.advance(15 * MIN)
  t.is(await core.checkDeadlines(), 1)
  t.like((await inventory.getHost(KEY)).rotation, { state: 'failed', reverted: false })
  t.is((await store.getAmtPasswordHistory(KEY)).length, 2, 'not reverted')
  await core.stop()

  failing = false
  const restarted = restartedCore(t, inventory, clock, { rotator: started.passwords })
  t.is(await restarted.core.checkDeadlines(), 0, 'known only once the start sweep read it')
  await restarted.core.republishAll()
  clock.advance(1 * MIN)
  t.is(await restarted.core.checkDeadlines(), 1)
  t.like((await inventory.getHost(KEY)).rotation, { id: rotation.id, state: 'failed', reverted: true })
  const history = await store.getAmtPasswordHistory(KEY)
  t.deepEqual(
    history.map(({ version }) => version),
    [3, 2, 1],
  )
  t.is(history[0]?.secret.password, V1.password)

  await restarted.core.republishAll()
  clock.advance(1 * MIN)
  t.is(await restarted.core.checkDeadlines(), 0, 'finished: nothing to resume')
  t.like(await started.passwords.revert(KEY, rotation.previous), { restored: false }, 'a second revert writes nothing')
  t.is((await store.getAmtPasswordHistory(KEY)).length, 3)
})

test("MPS's copy cut short by a restart is finished by the restarted core, once", async (t) => {
  const clock = manualClock()
  const store = await localStore(t)
  const passwords = passwordsOf(store, () => first.inventory)
  const failingCopy: MpsPasswordCopy = { mode: 'vault', copy: () => Promise.reject(new Error('Vault is away')) }
  const first = await startTestCore(t, { now: clock.now, secrets: passwords, rotator: passwords, mpsCopy: failingCopy })
  const { inventory } = first
  await seedHost(inventory, KEY.hostId, PROVISIONED_ON_V3)
  await store.putAmtPassword(KEY, V1)
  const { rotation } = await first.core.rotatePassword(KEY, 'api:alice')
  const confirmed = outcome('rotation.confirmed', rotation.id, rotation.generation)
  await first.dispatch(confirmed.topic, confirmed.payload, false)
  await eventually(async () => (await inventory.getHost(KEY)).rotation?.mpsCopy === 'pending', 'the copy pending')
  await first.core.stop()

  const copied: number[] = []
  const copy: MpsPasswordCopy = {
    mode: 'vault',
    copy: (_key, newVersion) => {
      copied.push(newVersion)
      return Promise.resolve('written')
    },
  }
  const restarted = restartedCore(t, inventory, clock, { rotator: passwords, mpsCopy: copy })
  await restarted.core.republishAll()
  clock.advance(1 * MIN)
  t.is(await restarted.core.checkDeadlines(), 1)
  await eventually(async () => (await inventory.getHost(KEY)).rotation?.mpsCopy === 'written', 'the copy written')
  await restarted.core.republishAll()
  clock.advance(1 * MIN)
  t.is(await restarted.core.checkDeadlines(), 0)
  t.deepEqual(copied, [rotation.newVersion], 'copied once')
})

const leaseOf = (held: boolean): Lease => ({
  name: 'cluster-work',
  held,
  shared: true,
  onChange: () => () => undefined,
  stop: () => Promise.resolve(),
})

test('with replicas only the lease holder applies the rotation deadline', async (t) => {
  const clock = manualClock()
  const started = await rotationCore(t, clock)
  const { inventory, passwords } = started
  await started.core.stop()
  const options = { deadlines: { checkIntervalMs: 20 } }
  const other = restartedCore(t, inventory, clock, { rotator: passwords, lease: leaseOf(false), options })
  const holder = restartedCore(t, inventory, clock, { rotator: passwords, lease: leaseOf(true), options })
  const { rotation } = await other.core.rotatePassword(KEY, 'api:alice') // asked through the replica without the lease
  await holder.core.republishAll() // the holder learns it (its start sweep)
  other.core.start()
  holder.core.start()
  clock.advance(15 * MIN)
  await eventually(async () => (await inventory.getHost(KEY)).rotation?.reverted === true, 'failed and reverted')
  t.like((await inventory.getHost(KEY)).rotation, { id: rotation.id, state: 'failed' })
  // The replica without the lease never checked: its deadline is still tracked (a check now finds it settled).
  t.is(await other.core.checkDeadlines(), 1)
  t.is((await auditKinds(inventory, 'password.rotation-failed')).length, 1)
  t.is((await started.store.getAmtPasswordHistory(KEY)).length, 3)
})
