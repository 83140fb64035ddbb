import { status as Status } from '@grpc/grpc-js'
import test, { type ExecutionContext } from 'ava'
import { deviceManagementService, loadDmManagerDefinition } from '../../../manager/grpc/definition.ts'
import { seedHost } from '../../helpers/manager-core.ts'
import { agentRole, HOST, PASSWORD, signToken, startBridge, TENANT_A, TENANT_B } from './harness.ts'
import { callWithHeaderList } from './header-list-call.ts'

/**
 * docs/grpc-bridge.md: identity metadata sent twice → UNAUTHENTICATED. `authorization` twice goes through a
 * hand-written HEADERS frame (grpc-js and node:http2 cannot send it); `activeprojectid` twice through the grpc-js
 * client, as a Go agent could send it.
 */
const KEY = { tenantId: TENANT_A, hostId: HOST }
const RETRIEVE = deviceManagementService(loadDmManagerDefinition()).RetrieveActivationDetails
if (RETRIEVE === undefined) throw new Error('RetrieveActivationDetails missing')
const REQUEST = RETRIEVE.requestSerialize({ host_id: HOST })
const ACTIVATION_ASKED = [{ currentState: 'UNPROVISIONED' as const }, { desiredState: 'PROVISIONED' as const }]

async function setup(t: ExecutionContext) {
  const harness = await startBridge(t)
  await seedHost(harness.inventory, HOST, ACTIVATION_ASKED, TENANT_A)
  harness.passwords.set(KEY, PASSWORD)
  const token = (roles = [agentRole(TENANT_A)]) => signToken(harness.key, { roles })
  const withHeaders = (headers: Array<[string, string]>) =>
    callWithHeaderList(harness.port, RETRIEVE?.path ?? '', headers, REQUEST)
  return { ...harness, token, withHeaders }
}

test('control: the header-list call with one authorization → OK (the hand-written frame is valid)', async (t) => {
  const { token, withHeaders } = await setup(t)
  t.like(await withHeaders([['authorization', `Bearer ${await token()}`]]), { grpcStatus: Status.OK })
})

test('authorization sent twice (two valid tokens of the tenant) → UNAUTHENTICATED, no password read', async (t) => {
  const { token, withHeaders, passwords } = await setup(t)
  const answer = await withHeaders([
    ['authorization', `Bearer ${await token()}`],
    ['authorization', `Bearer ${await token([agentRole(TENANT_A), `${TENANT_A}_en-ob`])}`],
  ])
  t.is(answer.grpcStatus, Status.UNAUTHENTICATED, answer.grpcMessage)
  t.regex(answer.grpcMessage ?? '', /more than one authorization/)
  t.is(passwords.requests.length, 0)
})

test('authorization sent twice with the same token → UNAUTHENTICATED', async (t) => {
  const { token, withHeaders } = await setup(t)
  const bearer = `Bearer ${await token()}`
  const answer = await withHeaders([
    ['authorization', bearer],
    ['authorization', bearer],
  ])
  t.is(answer.grpcStatus, Status.UNAUTHENTICATED, answer.grpcMessage)
})

test('activeprojectid sent twice (the same tenant, or another) → UNAUTHENTICATED, no password read', async (t) => {
  const { client, token, passwords } = await setup(t)
  const authorization = `Bearer ${await token()}`
  const retrieve = (headers: Record<string, string | string[]>) =>
    client.call('RetrieveActivationDetails', { host_id: HOST }, headers)
  for (const projects of [
    [TENANT_A, TENANT_A],
    [TENANT_A, TENANT_B],
  ]) {
    const result = await retrieve({ authorization, activeprojectid: projects })
    t.is(result.code, Status.UNAUTHENTICATED, `${projects.join(', ')}: ${result.details}`)
    t.regex(result.details, /more than one activeprojectid/)
  }
  t.is(passwords.requests.length, 0)
  t.is((await retrieve({ authorization, activeprojectid: TENANT_A })).code, Status.OK, 'once is fine')
})

test('activeprojectid sent twice in a hand-written frame → UNAUTHENTICATED', async (t) => {
  const { token, withHeaders } = await setup(t)
  const answer = await withHeaders([
    ['authorization', `Bearer ${await token()}`],
    ['activeprojectid', TENANT_A],
    ['activeprojectid', TENANT_A],
  ])
  t.is(answer.grpcStatus, Status.UNAUTHENTICATED, answer.grpcMessage)
})
