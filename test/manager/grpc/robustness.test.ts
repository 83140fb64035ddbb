import { status as Status } from '@grpc/grpc-js'
import test from 'ava'
import { Counter } from 'prom-client'
import { createLogger } from '../../../lib/log.ts'
import { metricValue, seedHost } from '../../helpers/manager-core.ts'
import { agentRole, HOST, newSigningKey, PASSWORD, signToken, startBridge, TENANT_A } from './harness.ts'

/** Upstream defects not copied: Inventory failures → INTERNAL (never an empty record), concurrent calls serialised; no secrets in logs. */
const KEY = { tenantId: TENANT_A, hostId: HOST }
const ACTIVATION_ASKED = [
  { sku: 'AMT' as const, currentState: 'UNPROVISIONED' as const },
  { desiredState: 'PROVISIONED' as const },
]

test('an Inventory read failure (not NOT_FOUND) → INTERNAL on every RPC, no password read, no details leaked; then serving again', async (t) => {
  const { inventory, client, auth, faults, passwords } = await startBridge(t)
  await seedHost(inventory, HOST, ACTIVATION_ASKED, TENANT_A)
  passwords.set(KEY, PASSWORD)
  const metadata = await auth()
  faults.failing.add('findHost')
  const results = [
    await client.call('RetrieveActivationDetails', { host_id: HOST }, metadata),
    await client.call('ReportAMTStatus', { host_id: HOST, status: 'ENABLED', feature: 'ISM' }, metadata),
    await client.call('ReportAMTStatus', { host_id: HOST, status: 'ENABLED', feature: 'bad' }, metadata),
    await client.call(
      'ReportActivationResults',
      { host_id: HOST, activation_status: 'ACTIVATING', message: '' },
      metadata,
    ),
  ]
  for (const result of results) {
    t.is(result.code, Status.INTERNAL)
    t.notRegex(result.details, /malformed|injected|database/)
  }
  t.is(passwords.requests.length, 0)
  faults.failing.clear()
  t.is((await client.call('RetrieveActivationDetails', { host_id: HOST }, metadata)).code, Status.OK)
})

test('an Inventory write failure → INTERNAL and nothing stored; the next report succeeds', async (t) => {
  const { inventory, client, auth, faults } = await startBridge(t)
  const seeded = await seedHost(inventory, HOST, ACTIVATION_ASKED, TENANT_A)
  const metadata = await auth()
  faults.failing.add('updateHosts')
  const failed = await client.call(
    'ReportActivationResults',
    { host_id: HOST, activation_status: 'ACTIVATING', message: '' },
    metadata,
  )
  t.is(failed.code, Status.INTERNAL)
  t.is((await inventory.getHost(KEY)).version, seeded.version)
  faults.failing.clear()
  t.is(
    (
      await client.call(
        'ReportActivationResults',
        { host_id: HOST, activation_status: 'ACTIVATING', message: '' },
        metadata,
      )
    ).code,
    Status.OK,
  )
  t.is((await inventory.getHost(KEY)).status, 'AMT Activation In Progress')
})

test('concurrent identical reports for one host are serialised: exactly one passes the guard, the others FAILED_PRECONDITION', async (t) => {
  const { inventory, client, auth } = await startBridge(t)
  await seedHost(inventory, HOST, [{ currentState: 'UNPROVISIONED' }, { desiredState: 'PROVISIONED' }], TENANT_A)
  const metadata = await auth()
  const codes = async (rpc: 'ReportAMTStatus' | 'ReportActivationResults', request: object, count = 25) =>
    (
      await Promise.all(Array.from({ length: count }, () => client.call(rpc, { host_id: HOST, ...request }, metadata)))
    ).map((result) => result.code)
  const count = (list: Status[], code: Status) => list.filter((value) => value === code).length

  const enabled = await codes('ReportAMTStatus', { status: 'ENABLED', feature: 'AMT' })
  t.deepEqual([count(enabled, Status.OK), count(enabled, Status.FAILED_PRECONDITION)], [1, 24])
  const activating = await codes('ReportActivationResults', { activation_status: 'ACTIVATING', message: '' })
  t.deepEqual([count(activating, Status.OK), count(activating, Status.FAILED_PRECONDITION)], [1, 24])
  const activated = await codes('ReportActivationResults', { activation_status: 'ACTIVATED', message: '' })
  t.deepEqual([count(activated, Status.OK), count(activated, Status.FAILED_PRECONDITION)], [1, 24])

  const host = await inventory.getHost(KEY)
  t.like(host, { sku: 'AMT', currentState: 'PROVISIONED', status: 'AMT Activation Done' })
  const states = (await inventory.listAudit(TENANT_A, { hostId: HOST })).filter((event) => event.kind === 'state')
  t.is(states.length, 2, 'one state event per accepted report (ACTIVATING, PROVISIONED)')
})

test('logs: structured, one line per refusal with code and reason; never the JWT nor the password', async (t) => {
  const lines: string[] = []
  const log = createLogger({
    name: 'test',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(line) },
  })
  const { inventory, client, auth, passwords, metrics } = await startBridge(t, { log })
  await seedHost(inventory, HOST, ACTIVATION_ASKED, TENANT_A)
  passwords.set(KEY, PASSWORD)
  const metadata = await auth()
  const forged = `Bearer ${await signToken(newSigningKey(), { roles: [agentRole(TENANT_A)] })}`

  t.is((await client.call('RetrieveActivationDetails', { host_id: HOST }, metadata)).code, Status.OK)
  t.is(
    (await client.call('RetrieveActivationDetails', { host_id: HOST }, { authorization: forged })).code,
    Status.UNAUTHENTICATED,
  )
  passwords.mode = 'throw'
  t.is((await client.call('RetrieveActivationDetails', { host_id: HOST }, metadata)).code, Status.INTERNAL)
  t.is(
    (
      await client.call(
        'ReportActivationResults',
        { host_id: HOST, activation_status: 7, message: PASSWORD.slice(0, 4) },
        metadata,
      )
    ).code,
    Status.INVALID_ARGUMENT,
  )

  const text = lines.join('')
  for (const secret of [metadata.authorization?.slice(7) ?? 'missing', forged.slice(7), PASSWORD])
    t.false(text.includes(secret))
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  t.true(
    records.some(
      (record) =>
        record.code === 'UNAUTHENTICATED' &&
        record.reason === 'invalid token: ERR_JWS_SIGNATURE_VERIFICATION_FAILED' &&
        record.module === 'grpc',
    ),
  )
  t.true(
    records.some(
      (record) =>
        record.code === 'INTERNAL' && record.level === 50 && record.tenantId === TENANT_A && record.hostId === HOST,
    ),
  )
  const requests = metrics.registry.getSingleMetric('amt_manager_grpc_requests_total')
  if (!(requests instanceof Counter)) throw new Error('amt_manager_grpc_requests_total is not registered')
  t.is(await metricValue(requests, { rpc: 'RetrieveActivationDetails', code: 'OK' }), 1)
  t.is(await metricValue(requests, { rpc: 'RetrieveActivationDetails', code: 'UNAUTHENTICATED' }), 1)
  t.is(await metricValue(requests, { rpc: 'RetrieveActivationDetails', code: 'INTERNAL' }), 1)
})
