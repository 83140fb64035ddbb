import test, { type ExecutionContext } from 'ava'
import type { AuditEvent, Host } from '../../manager/inventory/port.ts'
import {
  FLEET_TEST_MS,
  registerFleet,
  startFleet,
  startFleetManager,
  TENANT,
  until,
  type FleetManager,
} from './fleet-harness.ts'

// AMT password rotation end to end (docs/credentials.md "Rotation"): the real manager (local secret store, embedded
// broker, HTTP API) and a simulated host (real agent code, the device model the rpc emulator shares) whose AMT is
// activated with the host's stored password.

const V1 = { password: 'Version1!aaaa', mebxPassword: 'Mebx1!aaaaaa' }

type Firmware = { rpcLine: 'v2' | 'v3' }
type RotationAnswer = { rotationId: string; host: { rotation: { state: string; newVersion: number } } }

async function provisionedHost(t: ExecutionContext, manager: FleetManager, firmware: Firmware, faults = {}) {
  const [host] = await registerFleet(manager, 1)
  if (!host) throw new Error('one host registered')
  const key = { tenantId: TENANT, hostId: host.hostId }
  await manager.running.secretStore.putAmtPassword(key, V1)
  const entry = {
    ...host,
    kind: 'amt' as const,
    firmware,
    faults,
    activated: { controlMode: 'ccm' as const, password: V1.password },
  }
  const { fleet } = startFleet(t, manager, [entry])
  await fleet.start()
  await until(async () => {
    const stored = await manager.running.inventory.getHost(key)
    return stored.phase === 'PROVISIONED' || `phase ${stored.phase ?? 'none'}`
  }, 'the activated host reports PROVISIONED')
  // Activated through this manager: desired PROVISIONED (the agent finds AMT in that state already).
  const desired = await manager.api('PATCH', `/api/v1/tenants/${TENANT}/hosts/${host.hostId}/amt`, {
    desiredAmtState: 'PROVISIONED',
  })
  if (desired.status !== 200) throw new Error(`desired PROVISIONED: HTTP ${desired.status}`)
  await until(async () => {
    const { currentState, observedGeneration, desiredGeneration } = await manager.running.inventory.getHost(key)
    const done = currentState === 'PROVISIONED' && observedGeneration === desiredGeneration
    return done || `current state ${currentState}, generation ${observedGeneration} of ${desiredGeneration}`
  }, 'the host PROVISIONED in Inventory')
  return { host, key, fleet, entry }
}

const rotate = (manager: FleetManager, hostId: string) =>
  manager.api<RotationAnswer & { code?: string; message?: string }>(
    'POST',
    `/api/v1/tenants/${TENANT}/hosts/${hostId}/amt/rotate-password`,
  )

async function settled(manager: FleetManager, key: { tenantId: string; hostId: string }, rotationId: string) {
  let host: Host | undefined
  await until(async () => {
    host = await manager.running.inventory.getHost(key)
    const state = host.rotation?.id === rotationId ? host.rotation.state : 'none'
    return state !== 'pending' && state !== 'none' ? true : `rotation ${state}`
  }, 'the rotation settled')
  return host as Host
}

const auditOf = (manager: FleetManager, hostId: string): Promise<AuditEvent[]> =>
  manager.running.inventory.listAudit(TENANT, { hostId, limit: 500 })

test('rotation confirmed: the new password is current, the old one history; a second rotation needs no candidate', async (t) => {
  t.timeout(FLEET_TEST_MS)
  const manager = await startFleetManager(t)
  const { host, key } = await provisionedHost(t, manager, { rpcLine: 'v3' })
  const store = manager.running.secretStore

  const asked = await rotate(manager, host.hostId)
  t.is(asked.status, 202, JSON.stringify(asked.json))
  t.like(asked.json.host.rotation, { state: 'pending', newVersion: 2 })
  const stored = await settled(manager, key, asked.json.rotationId)
  t.like(stored.rotation, { state: 'confirmed', mpsCopy: 'none', newVersion: 2 })
  const history = await store.getAmtPasswordHistory(key)
  t.is(history.length, 2)
  t.like(history[1], { version: 1, secret: V1 }, 'the old password is history')
  const newPassword = history[0]?.secret.password ?? ''
  t.not(newPassword, V1.password)
  t.deepEqual(history[0]?.secret, { password: newPassword, mebxPassword: V1.mebxPassword }, 'MEBx kept')
  t.like(await manager.running.passwords.readHostPassword(key), { password: newPassword })

  // AMT holds the new password: the next rotation changes it with candidate 0 (no refusal, no other candidate).
  const again = await rotate(manager, host.hostId)
  t.is(again.status, 202)
  t.like((await settled(manager, key, again.json.rotationId)).rotation, { state: 'confirmed', newVersion: 3 })
  const audit = await auditOf(manager, host.hostId)
  t.false(
    audit.some((event) => event.kind === 'agent.secret.candidate-worked'),
    'AMT accepted the rotated password',
  )
  const rotated = audit.filter((event) => event.kind === 'password.rotated')
  t.deepEqual(rotated.map((event) => [event.class, (event.detail as { newVersion: number }).newVersion]).sort(), [
    ['security', 2],
    ['security', 3],
  ])
  t.like(
    audit.find((event) => event.kind === 'password.rotation-requested'),
    { class: 'security' },
  )
  const text = JSON.stringify(audit)
  for (const version of await store.getAmtPasswordHistory(key)) t.false(text.includes(version.secret.password))
})

test('rpc fails to update: rotation failed, the old password is the newest version again, shown on the host', async (t) => {
  t.timeout(FLEET_TEST_MS)
  const manager = await startFleetManager(t)
  const { host, key } = await provisionedHost(t, manager, { rpcLine: 'v3' }, { changePasswordFails: true })
  const asked = await rotate(manager, host.hostId)
  t.is(asked.status, 202)
  const stored = await settled(manager, key, asked.json.rotationId)
  t.like(stored.rotation, { state: 'failed' })
  t.regex(stored.rotation?.reason ?? '', /failed to update AMT password/)
  await until(async () => {
    const [newest] = await manager.running.secretStore.getAmtPasswordHistory(key, { limit: 1 })
    return newest?.secret.password === V1.password || `newest version ${newest?.version ?? 0}`
  }, 'the old password written back')
  const [newest] = await manager.running.secretStore.getAmtPasswordHistory(key, { limit: 1 })
  t.like(newest, { version: 3, secret: V1 })
  const audit = await auditOf(manager, host.hostId)
  t.like(
    audit.find((event) => event.kind === 'password.rotation-failed'),
    { class: 'security' },
  )
  await until(async () => {
    const reverted = (await auditOf(manager, host.hostId)).some((event) => event.kind === 'password.rotation-reverted')
    return reverted || 'not yet'
  }, 'the revert audited')
  const view = await manager.api<{ rotation: { state: string; reason: string } }>(
    'GET',
    `/api/v1/tenants/${TENANT}/hosts/${host.hostId}`,
  )
  t.like(view.json.rotation, { state: 'failed' })
})

test('an rpc v2 agent: refused up front with 409 ROTATION_UNSUPPORTED, nothing stored', async (t) => {
  t.timeout(FLEET_TEST_MS)
  const manager = await startFleetManager(t)
  const { host, key } = await provisionedHost(t, manager, { rpcLine: 'v2' })
  const asked = await rotate(manager, host.hostId)
  t.is(asked.status, 409)
  t.is(asked.json.code, 'ROTATION_UNSUPPORTED')
  t.regex(asked.json.message ?? '', /rpc v2 takes the new AMT password only on its command line.*docs\/credentials\.md/)
  t.is((await manager.running.secretStore.getAmtPasswordHistory(key)).length, 1, 'no password staged')
  t.is((await manager.running.inventory.getHost(key)).rotation, null)
})

test('a manager restart between storing the new password and the confirmation: the rotation resumes and settles', async (t) => {
  t.timeout(FLEET_TEST_MS)
  const manager = await startFleetManager(t)
  const { host, key, fleet, entry } = await provisionedHost(t, manager, { rpcLine: 'v3' })
  await fleet.stop() // the agent is away: the rotation stays pending
  const asked = await rotate(manager, host.hostId)
  t.is(asked.status, 202)
  await manager.restart()
  t.like((await manager.running.inventory.getHost(key)).rotation, { id: asked.json.rotationId, state: 'pending' })

  const { fleet: back } = startFleet(t, manager, [entry])
  await back.start()
  const stored = await settled(manager, key, asked.json.rotationId)
  t.like(stored.rotation, { state: 'confirmed' })
  const [newest] = await manager.running.secretStore.getAmtPasswordHistory(key, { limit: 1 })
  t.like(newest, { version: 2 })
})

test('an agent that never answers: the deadline fails the rotation, and the agent back follows the next desired', async (t) => {
  t.timeout(FLEET_TEST_MS)
  // The deadline's timer runs under the manager's lease (SQLite: this process); 1 s is the shortest rotationMs.
  const manager = await startFleetManager(t, { deadlines: { rotationMs: 1000, checkIntervalMs: 100 } })
  const { host, key, fleet, entry } = await provisionedHost(t, manager, { rpcLine: 'v3' })
  await fleet.stop() // as an agent older than rotation: desired with rotationId is never acted on
  const asked = await rotate(manager, host.hostId)
  t.is(asked.status, 202)
  const stored = await settled(manager, key, asked.json.rotationId)
  t.like(stored.rotation, { state: 'failed' })
  t.regex(stored.rotation?.reason ?? '', /^ROTATION_TIMED_OUT: no outcome from the agent within 1 s$/)
  await until(async () => {
    const [newest] = await manager.running.secretStore.getAmtPasswordHistory(key, { limit: 1 })
    return newest?.secret.password === V1.password || `newest version ${newest?.version ?? 0}`
  }, 'the old password written back')

  const { fleet: back } = startFleet(t, manager, [entry])
  await back.start()
  await until(async () => {
    const { observedGeneration, desiredGeneration } = await manager.running.inventory.getHost(key)
    return observedGeneration === desiredGeneration || `generation ${observedGeneration} of ${desiredGeneration}`
  }, 'the agent follows the desired published after the deadline')
  t.is((await manager.running.inventory.getHost(key)).desiredGeneration, stored.desiredGeneration)
  const failed = (await auditOf(manager, host.hostId)).filter((event) => event.kind === 'password.rotation-failed')
  t.is(failed.length, 1)
})
