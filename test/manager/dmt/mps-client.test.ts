import test from 'ava'
import { DmtError } from '../../../manager/dmt/errors.ts'
import { pemBody } from '../../../manager/dmt/mps-client.ts'
import { mpsConformance } from '../../conformance/mps.ts'
import { mpsClientOf, startFakeMps } from './dmt-harness.ts'

mpsConformance('MPS client over the fake MPS', async (t) => {
  const fake = await startFakeMps(t)
  return {
    mps: mpsClientOf(fake.url),
    connect: (guid, powerstate) => fake.connect(guid, powerstate),
    storeUnderOtherTenant: (device, tenantId) => {
      fake.devices.set(device.guid, { ...device, tenantId, connectionStatus: false, powerstate: 2 })
      return Promise.resolve()
    },
  }
})

const GUID = '4c4c4544-005a-3510-8047-b4c04f564433'

test('the CIRA certificate is the PEM body the fake serves', async (t) => {
  const fake = await startFakeMps(t)
  t.is(await mpsClientOf(fake.url).getCiraCertificate(), fake.certificateBody)
  t.is(pemBody('no certificate here'), '')
})

test('a power action is never resent after a 5xx or a timeout (a reset must not run twice)', async (t) => {
  const fake = await startFakeMps(t)
  const mps = mpsClientOf(fake.url)
  await mps.registerDevice({
    guid: GUID,
    hostname: 'h',
    friendlyName: 'h',
    tags: [],
    mpsusername: 'admin',
    tenantId: '',
    dnsSuffix: '',
  })
  fake.connect(GUID)
  fake.server.failNext(1, 502)
  const mark = fake.server.requests.length
  await t.throwsAsync(mps.powerAction(GUID, 10), {
    instanceOf: DmtError,
    message: /MPS unavailable: POST .* answered 502/,
  })
  t.is(fake.server.since(mark, 'POST').length, 1)
  t.deepEqual(fake.powerActions, [])
})

test('a refused power action is retried (it never arrived) and fails as MPS_UNAVAILABLE while MPS is down', async (t) => {
  const fake = await startFakeMps(t)
  const mps = mpsClientOf(fake.url)
  await fake.server.down()
  const error = await t.throwsAsync(mps.powerAction(GUID, 10), { instanceOf: DmtError })
  t.is(error.code, 'MPS_UNAVAILABLE')
  t.regex(error.message, /connection refused \(retries exhausted\)/)
})
