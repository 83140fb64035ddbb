import { status as Status } from '@grpc/grpc-js'
import test, { type ExecutionContext } from 'ava'
import type { HostPatch } from '../../../manager/inventory/port.ts'
import { seedHost } from '../../helpers/manager-core.ts'
import { HOST, PASSWORD, startBridge, TENANT_A } from './harness.ts'

/** reference/southbound-grpc.md, RetrieveActivationDetails (writes nothing): every row, status code AND effect. */
const KEY = { tenantId: TENANT_A, hostId: HOST }

async function setup(t: ExecutionContext, patches: HostPatch[]) {
  const harness = await startBridge(t)
  const seeded = await seedHost(harness.inventory, HOST, patches, TENANT_A)
  harness.passwords.set(KEY, PASSWORD)
  const retrieve = async () => harness.client.call('RetrieveActivationDetails', { host_id: HOST }, await harness.auth())
  const unchanged = async () => t.is((await harness.inventory.getHost(KEY)).version, seeded.version, 'nothing stored')
  return { ...harness, seeded, retrieve, unchanged }
}

const ACTIVATE_ROWS: Array<[string, HostPatch[], string]> = [
  [
    'current UNPROVISIONED, CCM',
    [{ currentState: 'UNPROVISIONED' }, { desiredState: 'PROVISIONED' }],
    `${TENANT_A}_ccm`,
  ],
  ['current UNSPECIFIED, CCM', [{ desiredState: 'PROVISIONED' }], `${TENANT_A}_ccm`],
  [
    'current UNPROVISIONED, ACM',
    [{ currentState: 'UNPROVISIONED' }, { desiredState: 'PROVISIONED', controlMode: 'ACM' }],
    `${TENANT_A}_acm`,
  ],
  ['current UNSPECIFIED, ACM', [{ desiredState: 'PROVISIONED', controlMode: 'ACM' }], `${TENANT_A}_acm`],
]
for (const [name, patches, profile] of ACTIVATE_ROWS) {
  test(`desired PROVISIONED, ${name} → ACTIVATE with profile ${profile.slice(37)} and the password; nothing stored`, async (t) => {
    const { retrieve, unchanged, passwords, seeded } = await setup(t, patches)
    const result = await retrieve()
    t.is(result.code, Status.OK)
    t.deepEqual(result.response, {
      host_id: HOST,
      operation: 'ACTIVATE',
      profile_name: profile,
      action_password: PASSWORD,
    })
    t.deepEqual(passwords.requests, [{ key: KEY, purpose: 'activate', generation: seeded.desiredGeneration }])
    await unchanged()
  })
}

test('desired UNPROVISIONED, current PROVISIONED → DEACTIVATE with the password (the bridge MAY send it); nothing stored', async (t) => {
  const { retrieve, unchanged, passwords } = await setup(t, [
    { currentState: 'PROVISIONED' },
    { desiredState: 'UNPROVISIONED' },
  ])
  const result = await retrieve()
  t.is(result.code, Status.OK)
  t.deepEqual(result.response, {
    host_id: HOST,
    operation: 'DEACTIVATE',
    profile_name: `${TENANT_A}_ccm`,
    action_password: PASSWORD,
  })
  t.like(passwords.requests[0], { purpose: 'deactivate' })
  await unchanged()
})

const NOTHING_TO_DO: Array<[string, HostPatch[]]> = [
  ['desired UNSPECIFIED, current UNSPECIFIED', []],
  ['desired UNSPECIFIED, current PROVISIONED', [{ currentState: 'PROVISIONED' }]],
  ['desired PROVISIONED, current PROVISIONED', [{ currentState: 'PROVISIONED' }, { desiredState: 'PROVISIONED' }]],
  ['desired PROVISIONED, current DISCONNECTED', [{ currentState: 'DISCONNECTED' }, { desiredState: 'PROVISIONED' }]],
  [
    'desired UNPROVISIONED, current UNPROVISIONED',
    [{ currentState: 'UNPROVISIONED' }, { desiredState: 'UNPROVISIONED' }],
  ],
  ['desired UNPROVISIONED, current UNSPECIFIED', [{ desiredState: 'UNPROVISIONED' }]],
]
for (const [name, patches] of NOTHING_TO_DO) {
  test(`${name} → FAILED_PRECONDITION (nothing to do), no password read, nothing stored`, async (t) => {
    const { retrieve, unchanged, passwords } = await setup(t, patches)
    const result = await retrieve()
    t.is(result.code, Status.FAILED_PRECONDITION)
    t.regex(result.details, /nothing to do/)
    t.is(passwords.requests.length, 0)
    await unchanged()
  })
}

const NO_PASSWORD: Array<[string, (harness: Awaited<ReturnType<typeof setup>>) => void]> = [
  ['refused by the store', (h) => (h.passwords.mode = 'refuse')],
  ['the store fails', (h) => (h.passwords.mode = 'throw')],
  ['empty', (h) => h.passwords.set(KEY, '')],
]
for (const [name, arrange] of NO_PASSWORD) {
  test(`ACTIVATE but the password is unavailable (${name}) → INTERNAL without the password; nothing stored`, async (t) => {
    const harness = await setup(t, [{ currentState: 'UNPROVISIONED' }, { desiredState: 'PROVISIONED' }])
    arrange(harness)
    const result = await harness.retrieve()
    t.is(result.code, Status.INTERNAL)
    t.regex(result.details, /AMT password is (not available|empty)/)
    t.is(result.response, undefined)
    await harness.unchanged()
  })
}

test('common rules: empty host_id → INVALID_ARGUMENT, unknown host → NOT_FOUND', async (t) => {
  const { client, auth } = await setup(t, [])
  const metadata = await auth()
  t.is((await client.call('RetrieveActivationDetails', { host_id: '' }, metadata)).code, Status.INVALID_ARGUMENT)
  t.is((await client.call('RetrieveActivationDetails', {}, metadata)).code, Status.INVALID_ARGUMENT)
  t.is((await client.call('RetrieveActivationDetails', { host_id: 'someone-else' }, metadata)).code, Status.NOT_FOUND)
})

test('the answer follows setDesired of the domain at once (same cache as the MQTT path)', async (t) => {
  const { retrieve, core } = await setup(t, [{ currentState: 'UNPROVISIONED' }])
  t.is((await retrieve()).code, Status.FAILED_PRECONDITION)
  await core.setDesired({ keys: [KEY] }, { state: 'PROVISIONED', controlMode: 'ACM' }, 'api:test')
  t.like((await retrieve()).response, { operation: 'ACTIVATE', profile_name: `${TENANT_A}_acm` })
  await core.setDesired({ keys: [KEY] }, { state: 'UNPROVISIONED' }, 'api:test')
  t.is((await retrieve()).code, Status.FAILED_PRECONDITION)
})
