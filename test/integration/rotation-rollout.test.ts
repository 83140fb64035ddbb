import test from 'ava'
import { FLEET_TEST_MS, registerFleet, startFleet, startFleetManager, TENANT, until } from './fleet-harness.ts'

// Rotation of many hosts as a rollout (docs/rollouts.md "Rotating passwords"), end to end: the real manager (local
// secret store, embedded broker, HTTP API, rollout engine) and simulated hosts (real agent code, the device model the
// rpc emulator shares) activated with their stored passwords; three agents on rpc v3, one on v2.

const V1 = { password: 'Version1!aaaa', mebxPassword: 'Mebx1!aaaaaa' }
const WAIT_MS = 60_000

test('a rotation rollout rotates every v3 host (new password current, old one history); v2 is not supported', async (t) => {
  t.timeout(FLEET_TEST_MS)
  const manager = await startFleetManager(t)
  const registered = await registerFleet(manager, 4)
  const store = manager.running.secretStore
  const entries = registered.map((host, index) => ({
    ...host,
    kind: 'amt' as const,
    firmware: { rpcLine: index === 3 ? ('v2' as const) : ('v3' as const) },
    activated: { controlMode: 'ccm' as const, password: V1.password },
  }))
  for (const host of entries) await store.putAmtPassword(host, V1)
  const { fleet } = startFleet(t, manager, entries)
  await fleet.start()
  const hostIds = entries.map(({ hostId }) => hostId)
  const desired = await manager.api('POST', `/api/v1/tenants/${TENANT}/amt/bulk`, {
    hostIds,
    desiredAmtState: 'PROVISIONED',
  })
  t.is(desired.status, 200)
  await until(
    async () => {
      const hosts = await manager.running.inventory.findHosts(hostIds.map((hostId) => ({ tenantId: TENANT, hostId })))
      const waiting = hosts.filter(
        (host) =>
          host === null || host.currentState !== 'PROVISIONED' || host.observedGeneration < host.desiredGeneration,
      )
      return waiting.length === 0 || `${waiting.length} hosts not PROVISIONED on their generation yet`
    },
    'every host PROVISIONED in Inventory',
    WAIT_MS,
  )

  const created = await manager.api<{ rolloutId: string; action: string }>(
    'POST',
    `/api/v1/tenants/${TENANT}/amt/rotate-password`,
    { hostIds, controls: { maxConcurrent: 2, maxStartsPerMinute: 600 } },
  )
  t.is(created.status, 202, JSON.stringify(created.json))
  t.is(created.json.action, 'rotate-password')
  const path = `/api/v1/tenants/${TENANT}/rollouts/${created.json.rolloutId}`
  let view: { state: string; progress: Record<string, unknown> } | undefined
  await until(
    async () => {
      view = (await manager.api<typeof view & object>('GET', path)).json
      return view.state === 'completed' || `rollout ${view.state}: ${JSON.stringify(view.progress)}`
    },
    'the rollout completed',
    WAIT_MS,
  )
  t.like(view?.progress, { targeted: 4, succeeded: 3, notSupported: 1, failed: 0 })
  for (const hostId of hostIds.slice(0, 3)) {
    const key = { tenantId: TENANT, hostId }
    const host = await manager.running.inventory.getHost(key)
    t.like(host.rotation, { state: 'confirmed', actor: `rollout:${created.json.rolloutId}` })
    const history = await store.getAmtPasswordHistory(key)
    t.is(history.length, 2, hostId)
    t.not(history[0]?.secret.password, V1.password, `${hostId}: a new password is current`)
  }
  const v2 = await manager.running.inventory.getHost({ tenantId: TENANT, hostId: hostIds[3] ?? '' })
  t.is(v2.rotation, null, 'nothing asked of the rpc v2 host')
  t.is((await store.getAmtPasswordHistory({ tenantId: TENANT, hostId: hostIds[3] ?? '' })).length, 1)
})
