import test from 'ava'
import type { AuditEvent } from '../../manager/inventory/port.ts'
import { FLEET_TEST_MS, registerFleet, startFleet, startFleetManager, TENANT, until } from './fleet-harness.ts'

// Password candidates end to end (docs/credentials.md): the real manager (local secret store, embedded broker) and a
// simulated host (real agent code) whose AMT still has an older version of its password. Deactivation through the
// API: AMT refuses the current password, the agent asks for the next candidates, the oldest works, and the manager
// makes it the host's current password again, audited.

const V1 = { password: 'Version1!aaaa', mebxPassword: 'Mebx1!aaaaaa' }
const V2 = { password: 'Version2!bbbb' }
const V3 = { password: 'Version3!cccc' }

test('an older password still on AMT: deactivation succeeds with the candidate that works; it is current again', async (t) => {
  t.timeout(FLEET_TEST_MS)
  const manager = await startFleetManager(t)
  const [host] = await registerFleet(manager, 1)
  if (!host) throw new Error('one host registered')
  const key = { tenantId: TENANT, hostId: host.hostId }
  const store = manager.running.secretStore
  for (const secret of [V1, V2, V3]) await store.putAmtPassword(key, secret)

  const { fleet } = startFleet(t, manager, [
    { ...host, kind: 'amt', activated: { controlMode: 'ccm', password: V1.password } },
  ])
  await fleet.start()
  await until(async () => {
    const stored = await manager.running.inventory.getHost(key)
    return stored.phase === 'PROVISIONED' || `phase ${stored.phase ?? 'none'}`
  }, 'the activated host reports PROVISIONED')

  const asked = await manager.api('PATCH', `/api/v1/tenants/${TENANT}/hosts/${host.hostId}/amt`, {
    desiredAmtState: 'UNPROVISIONED',
  })
  t.is(asked.status, 200)
  let audit: AuditEvent[] = []
  await until(async () => {
    audit = await manager.running.inventory.listAudit(TENANT, { hostId: host.hostId, limit: 500 })
    const stored = await manager.running.inventory.getHost(key)
    const restored = audit.some((event) => event.kind === 'password.restored')
    return (stored.phase === 'UNPROVISIONED' && restored) || `phase ${stored.phase ?? 'none'}, restored ${restored}`
  }, 'UNPROVISIONED and the working password restored')

  const worked = audit.find((event) => event.kind === 'agent.secret.candidate-worked')
  t.like(worked?.detail, { detail: { candidate: 2, origin: 'host', version: 1 } })
  const requested = audit.filter((event) => event.kind === 'password.requested')
  t.deepEqual(requested.map((event) => (event.detail as { candidate?: number }).candidate).sort(), [1, 2, undefined])
  t.like(
    audit.find((event) => event.kind === 'password.restored'),
    { class: 'security', detail: { candidate: 2, version: 1, newVersion: 4 } },
  )
  t.deepEqual(await store.getAmtPassword(key), V1, 'the password that worked (with its MEBx password) is current')
  t.false(JSON.stringify(audit).includes(V1.password), 'no password in the audit')
  t.false(JSON.stringify(audit).includes(V3.password))
})
