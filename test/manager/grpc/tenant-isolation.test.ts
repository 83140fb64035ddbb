import { status as Status } from '@grpc/grpc-js'
import test from 'ava'
import { seedHost } from '../../helpers/manager-core.ts'
import { HOST, startBridge, TENANT_A, TENANT_B } from './harness.ts'

/** A token for tenant A never touches tenant B's hosts: the host key is (tenant of the token, host_id). */
const A = { tenantId: TENANT_A, hostId: HOST }
const B = { tenantId: TENANT_B, hostId: HOST }
const ACTIVATION_ASKED = [{ currentState: 'UNPROVISIONED' as const }, { desiredState: 'PROVISIONED' as const }]

test("the same host_id in two tenants: each token reads and writes only its own tenant's host", async (t) => {
  const { inventory, client, auth, passwords } = await startBridge(t)
  await seedHost(inventory, HOST, ACTIVATION_ASKED, TENANT_A)
  await seedHost(
    inventory,
    HOST,
    [{ currentState: 'UNPROVISIONED' }, { desiredState: 'PROVISIONED', controlMode: 'ACM' }],
    TENANT_B,
  )
  passwords.set(A, 'password-of-tenant-a')
  passwords.set(B, 'password-of-tenant-b')

  const asA = await auth(TENANT_A)
  const asB = await auth(TENANT_B)
  t.like((await client.call('RetrieveActivationDetails', { host_id: HOST }, asA)).response, {
    profile_name: `${TENANT_A}_ccm`,
    action_password: 'password-of-tenant-a',
  })
  t.like((await client.call('RetrieveActivationDetails', { host_id: HOST }, asB)).response, {
    profile_name: `${TENANT_B}_acm`,
    action_password: 'password-of-tenant-b',
  })

  const bBefore = await inventory.getHost(B)
  t.is(
    (await client.call('ReportAMTStatus', { host_id: HOST, status: 'ENABLED', feature: 'AMT' }, asA)).code,
    Status.OK,
  )
  t.is(
    (await client.call('ReportActivationResults', { host_id: HOST, activation_status: 'ACTIVATING', message: '' }, asA))
      .code,
    Status.OK,
  )
  t.like(await inventory.getHost(A), { sku: 'AMT', status: 'AMT Activation In Progress', agentKind: 'grpc' })
  t.deepEqual(await inventory.getHost(B), bBefore, 'tenant B untouched')
})

test('a host that exists only in tenant B is NOT_FOUND for tenant A on every RPC; nothing read or written', async (t) => {
  const { inventory, client, auth, passwords } = await startBridge(t)
  await seedHost(inventory, 'only-in-b', ACTIVATION_ASKED, TENANT_B)
  await seedHost(inventory, 'a-host', [], TENANT_A)
  passwords.set({ tenantId: TENANT_B, hostId: 'only-in-b' }, 'password-of-tenant-b')
  const before = await inventory.getHost({ tenantId: TENANT_B, hostId: 'only-in-b' })
  const asA = await auth(TENANT_A)
  const calls = [
    client.call('ReportAMTStatus', { host_id: 'only-in-b', status: 'ENABLED', feature: 'AMT' }, asA),
    client.call('RetrieveActivationDetails', { host_id: 'only-in-b' }, asA),
    client.call('ReportActivationResults', { host_id: 'only-in-b', activation_status: 'ACTIVATED', message: '' }, asA),
  ]
  for (const result of await Promise.all(calls)) t.is(result.code, Status.NOT_FOUND)
  t.deepEqual(await inventory.getHost({ tenantId: TENANT_B, hostId: 'only-in-b' }), before)
  t.is(passwords.requests.length, 0)
})
