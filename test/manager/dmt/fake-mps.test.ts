import test from 'ava'
import { startFakeMps } from './dmt-harness.ts'

/** The fake MPS answers on the wire as MPS v2.34.1 does (issue #13 facts 4-6), checked with raw HTTP. */

const GUID = '4c4c4544-005a-3510-8047-b4c04f564433'
const DEVICE = {
  guid: GUID,
  hostname: 'edge-1',
  friendlyName: 'edge-1',
  tags: ['tenant:acme'],
  mpsusername: 'admin',
  tenantId: '',
  dnsSuffix: '',
}

async function call(url: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  })
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') }
}

test('GET /devices/{guid}: unknown → 404 with an empty body; stored under another MPS tenant → 204 with no body', async (t) => {
  const fake = await startFakeMps(t)
  t.deepEqual(await call(fake.url, 'GET', `/devices/${GUID}`), { status: 404, text: '', type: null })
  fake.devices.set(GUID, { ...DEVICE, tenantId: 'other', connectionStatus: false, powerstate: 2 })
  t.deepEqual(await call(fake.url, 'GET', `/devices/${GUID}`), { status: 204, text: '', type: null })
  fake.callerTenant = 'other'
  t.is((await call(fake.url, 'GET', `/devices/${GUID}`)).status, 200)
})

test("GET /devices?$count=true → { data, totalCount }; without it an array; only the caller tenant's devices", async (t) => {
  const fake = await startFakeMps(t)
  t.is((await call(fake.url, 'POST', '/devices', DEVICE)).status, 201)
  fake.devices.set('4c4c4544-0000-0000-0000-000000000002', {
    ...DEVICE,
    guid: '4c4c4544-0000-0000-0000-000000000002',
    tenantId: 'other',
    connectionStatus: false,
    powerstate: 2,
  })
  const counted = JSON.parse((await call(fake.url, 'GET', '/devices?$count=true')).text) as {
    data: Array<{ guid: string }>
    totalCount: number
  }
  t.deepEqual([counted.totalCount, counted.data.map((device) => device.guid)], [1, [GUID]])
  const listed = JSON.parse((await call(fake.url, 'GET', '/devices')).text) as Array<{ guid: string }>
  t.deepEqual(
    listed.map((device) => device.guid),
    [GUID],
  )
})

test('POST /devices is validated: 400 with express-validator errors (dnsSuffix, hostname ≤ 255, tags strings)', async (t) => {
  const fake = await startFakeMps(t)
  const answer = await call(fake.url, 'POST', '/devices', {
    ...DEVICE,
    dnsSuffix: 'corp_lab.example',
    hostname: 'h'.repeat(256),
    tags: ['ok', 7],
  })
  t.is(answer.status, 400)
  const { errors } = JSON.parse(answer.text) as { errors: Array<Record<string, unknown>> }
  t.deepEqual(
    errors.map(({ path, msg, location }) => [path, location, msg]),
    [
      ['hostname', 'body', 'hostname must be at most 255 characters'],
      ['tags', 'body', 'tags must be an array of strings'],
      ['dnsSuffix', 'body', 'dnsSuffix must be a valid DNS suffix'],
    ],
  )
  t.deepEqual([...fake.devices.keys()], [])
})

test('power and deactivation of a device not connected: 404 { error, errorDescription: "guid : <guid>" }', async (t) => {
  const fake = await startFakeMps(t)
  const expected = {
    error: 'Device not found/connected. Please connect again using CIRA.',
    errorDescription: `guid : ${GUID}`,
  }
  for (const [method, path, body] of [
    ['GET', `/amt/power/state/${GUID}`],
    ['POST', `/amt/power/action/${GUID}`, { action: 10, useSOL: false }],
    ['DELETE', `/amt/deactivate/${GUID}`],
  ] as const) {
    const answer = await call(fake.url, method, path, body)
    t.deepEqual([answer.status, JSON.parse(answer.text)], [404, expected], `${method} ${path}`)
  }
})

test('GET /ciracert: the PEM with CRLF line ends, as text/html', async (t) => {
  const fake = await startFakeMps(t)
  const { status, text, type } = await call(fake.url, 'GET', '/ciracert')
  t.is(status, 200)
  t.is(type, 'text/html; charset=utf-8')
  t.true(text.startsWith('-----BEGIN CERTIFICATE-----\r\n'))
  t.true(text.endsWith('-----END CERTIFICATE-----\r\n'))
  t.false(/[^\r]\n/.test(text), 'every line ends with CRLF')
})

test("DELETE /devices/{guid} keeps the device's Vault secrets unless ?isSecretToBeDeleted=true (issue #13 fact 8)", async (t) => {
  const fake = await startFakeMps(t)
  const secrets = { AMT_PASSWORD: 'Amt-Pw-1!', MEBX_PASSWORD: 'Mebx-Pw-1!', MPS_PASSWORD: 'Mps-Pw-1!' }
  await call(fake.url, 'POST', '/devices', DEVICE)
  fake.storeSecrets(GUID, secrets)
  t.is((await call(fake.url, 'DELETE', `/devices/${GUID}`)).status, 204)
  t.false(fake.devices.has(GUID))
  t.deepEqual(fake.secrets.get(GUID), secrets, 'without the flag the secrets stay')
  t.is((await call(fake.url, 'DELETE', `/devices/${GUID}`)).status, 404)
  t.is(
    (await call(fake.url, 'DELETE', `/devices/${GUID}?isSecretToBeDeleted=true`)).status,
    204,
    'unknown device: its secrets go, 204',
  )
  t.false(fake.secrets.has(GUID))
  await call(fake.url, 'POST', '/devices', DEVICE)
  fake.storeSecrets(GUID, secrets)
  t.is((await call(fake.url, 'DELETE', `/devices/${GUID}?isSecretToBeDeleted=true`)).status, 204)
  t.deepEqual([fake.devices.has(GUID), fake.secrets.has(GUID)], [false, false])
})

test("DELETE with the flag: another MPS tenant's device stays but its secrets go; Vault refusing → 404", async (t) => {
  const fake = await startFakeMps(t)
  fake.devices.set(GUID, { ...DEVICE, tenantId: 'other', connectionStatus: false, powerstate: 2 })
  fake.storeSecrets(GUID, { AMT_PASSWORD: 'Amt-Pw-1!' })
  t.is((await call(fake.url, 'DELETE', `/devices/${GUID}?isSecretToBeDeleted=true`)).status, 204)
  t.deepEqual([fake.devices.has(GUID), fake.secrets.has(GUID)], [true, false])
  fake.callerTenant = 'other'
  fake.storeSecrets(GUID, { AMT_PASSWORD: 'Amt-Pw-1!' })
  fake.vaultFails = true
  t.is((await call(fake.url, 'DELETE', `/devices/${GUID}?isSecretToBeDeleted=true`)).status, 404)
  t.deepEqual(
    [fake.devices.has(GUID), fake.secrets.has(GUID)],
    [false, true],
    'the device is gone, its secrets are not',
  )
})
