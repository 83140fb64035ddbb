import test from 'ava'
import { powerStateOf } from '../../../manager/dmt/power-state.ts'
import { startPowerApi } from './power-api-setup.ts'

const POWER = '/api/v1/tenants/acme/hosts'

test('reset of a PROVISIONED host: MPS gets action 10, the power status is stored and audited; the state is read back, never the action', async (t) => {
  const api = await startPowerApi(t)
  const token = await api.token('operator', 'acme')
  const answer = await api.request('POST', `${POWER}/${api.key.hostId}/power`, { token, body: { action: 'reset' } })
  t.is(answer.status, 200)
  t.like(answer.json, {
    action: 'reset',
    mpsAction: 10,
    returnValue: 0,
    returnValueStr: 'SUCCESS',
    power: {
      desiredPowerState: 'RESET',
      currentPowerState: 'ON',
      powerStatus: 'Power action reset done',
      powerStatusIndicator: 'IDLE',
      powerState: 'on',
      powerAction: { requested: 'RESET', outcome: 'done', message: 'Power action reset done' },
    },
  })
  t.truthy((answer.json.power as { powerStateReadAt: string | null }).powerStateReadAt)
  t.deepEqual(api.mps.powerActions, [{ guid: api.guid, action: 10 }])
  const stored = await api.inventory.getHost(api.key)
  t.like(stored, {
    desiredPowerState: 'RESET',
    currentPowerState: 'ON',
    powerStatus: 'Power action reset done',
    powerStatusIndicator: 'IDLE',
  })
  t.deepEqual(
    api.mps.server.since(0, 'GET').map(({ path }) => path),
    [`/api/v1/amt/power/state/${api.guid}`],
  )
  t.true(stored.powerStatusTimestamp > 0)
  const [event] = await api.inventory.listAudit('acme', { hostId: api.key.hostId, limit: 1 })
  t.like(event, {
    kind: 'power.action',
    actor: 'api:operator-1',
    detail: { action: 'reset', code: 10, result: 'done' },
  })
})

test('every action maps to its MPS code', async (t) => {
  const api = await startPowerApi(t)
  const token = await api.token('admin', 'acme')
  for (const action of ['on', 'off', 'cycle', 'sleep', 'hibernate', 'soft-off', 'soft-reset']) {
    t.is(
      (await api.request('POST', `${POWER}/${api.key.hostId}/power`, { token, body: { action } })).status,
      200,
      action,
    )
  }
  t.deepEqual(
    api.mps.powerActions.map(({ action }) => action),
    [2, 8, 5, 4, 7, 12, 14],
  )
  const invalid = await api.request('POST', `${POWER}/${api.key.hostId}/power`, { token, body: { action: 'explode' } })
  t.deepEqual([invalid.status, invalid.json.code], [400, 'VALIDATION_FAILED'])
})

test('GET power reads the state from MPS and stores it with the time it was read', async (t) => {
  const api = await startPowerApi(t)
  const token = await api.token('viewer', 'acme')
  const before = new Date().toISOString()
  const answer = await api.request('GET', `${POWER}/${api.key.hostId}/power`, { token })
  t.is(answer.status, 200)
  t.like(answer.json, {
    powerState: 'OFF',
    mpsPowerState: 8,
    power: { currentPowerState: 'OFF', powerState: 'off', powerAction: null },
  })
  const stored = await api.inventory.getHost(api.key)
  t.is(stored.currentPowerState, 'OFF')
  t.true((stored.powerStateReadAt ?? '') >= before, 'powerStateReadAt is the time of this reading')
  t.deepEqual([2, 3, 4, 6, 7, 8, 9, 12, 13, 14, 99].map(powerStateOf), [
    'ON',
    'SLEEP',
    'SLEEP',
    'OFF',
    'HIBERNATE',
    'OFF',
    'POWER_CYCLE',
    'OFF',
    'OFF',
    'RESET',
    'UNSPECIFIED',
  ])
})

test('a host whose AMT is not PROVISIONED: 409 HOST_NOT_PROVISIONED, MPS not called', async (t) => {
  const api = await startPowerApi(t)
  await api.inventory.updateHost(api.key, { currentState: 'UNPROVISIONED' })
  await api.core.refreshHost(api.key)
  const token = await api.token('operator', 'acme')
  const answer = await api.request('POST', `${POWER}/${api.key.hostId}/power`, { token, body: { action: 'reset' } })
  t.deepEqual([answer.status, answer.json.code], [409, 'HOST_NOT_PROVISIONED'])
  t.is((await api.request('GET', `${POWER}/${api.key.hostId}/power`, { token })).json.code, 'HOST_NOT_PROVISIONED')
  t.deepEqual(
    api.mps.server.since(0).filter(({ path }) => path.includes('/amt/')),
    [],
  )
})

test('access: a viewer may read but not act (403); another tenant sees 404; an unknown host 404', async (t) => {
  const api = await startPowerApi(t)
  const viewer = await api.token('viewer', 'acme')
  const forbidden = await api.request('POST', `${POWER}/${api.key.hostId}/power`, {
    token: viewer,
    body: { action: 'reset' },
  })
  t.deepEqual([forbidden.status, forbidden.json.code], [403, 'FORBIDDEN'])
  const outsider = await api.token('admin', 'other')
  const hidden = await api.request('POST', `${POWER}/${api.key.hostId}/power`, {
    token: outsider,
    body: { action: 'reset' },
  })
  t.deepEqual([hidden.status, hidden.json.code], [404, 'TENANT_NOT_FOUND'])
  const operator = await api.token('operator', 'acme')
  const missing = await api.request('POST', `${POWER}/4c4c4544-0000-4000-8000-00000000ffff/power`, {
    token: operator,
    body: { action: 'reset' },
  })
  t.deepEqual([missing.status, missing.json.code], [404, 'HOST_NOT_FOUND'])
  t.deepEqual(api.mps.powerActions, [])
})

test('MPS down: 503 MPS_UNAVAILABLE and the host shows why; after recovery the action works', async (t) => {
  const api = await startPowerApi(t)
  const token = await api.token('operator', 'acme')
  await api.mps.server.down()
  const answer = await api.request('POST', `${POWER}/${api.key.hostId}/power`, { token, body: { action: 'cycle' } })
  t.deepEqual([answer.status, answer.json.code], [503, 'MPS_UNAVAILABLE'])
  t.regex(answer.json.message ?? '', /connection refused/)
  t.like(await api.inventory.getHost(api.key), { desiredPowerState: 'POWER_CYCLE', powerStatusIndicator: 'ERROR' })
  t.regex(
    (await api.inventory.getHost(api.key)).powerStatus,
    /^Power action cycle failed: MPS unavailable: .*connection refused/,
  )
  await api.mps.server.up()
  t.is(
    (await api.request('POST', `${POWER}/${api.key.hostId}/power`, { token, body: { action: 'cycle' } })).status,
    200,
  )
  t.like(await api.inventory.getHost(api.key), { powerStatus: 'Power action cycle done', powerStatusIndicator: 'IDLE' })
})

test('a device not connected to MPS is MPS_REJECTED; an AMT refusal is POWER_ACTION_FAILED', async (t) => {
  const api = await startPowerApi(t)
  const token = await api.token('operator', 'acme')
  api.mps.powerAnswer = { ReturnValue: 2, ReturnValueStr: 'NOT_READY' }
  const refused = await api.request('POST', `${POWER}/${api.key.hostId}/power`, { token, body: { action: 'on' } })
  t.deepEqual([refused.status, refused.json.code], [502, 'POWER_ACTION_FAILED'])
  t.regex(refused.json.message ?? '', /NOT_READY \(2\)/)
  const device = api.mps.devices.get(api.guid)
  if (device) device.connectionStatus = false
  const offline = await api.request('POST', `${POWER}/${api.key.hostId}/power`, { token, body: { action: 'on' } })
  t.deepEqual([offline.status, offline.json.code], [502, 'MPS_REJECTED'])
  t.regex(offline.json.message ?? '', /Device not found\/connected/)
})

test('a manager without RPS/MPS answers 501 DMT_NOT_CONFIGURED', async (t) => {
  const api = await startPowerApi(t, { dmt: false })
  const token = await api.token('admin', 'acme')
  const answer = await api.request('POST', `${POWER}/${api.key.hostId}/power`, { token, body: { action: 'reset' } })
  t.deepEqual([answer.status, answer.json.code], [501, 'DMT_NOT_CONFIGURED'])
  t.is((await api.request('GET', '/api/v1/tenants/acme/amt/provisioning', { token })).json.code, 'DMT_NOT_CONFIGURED')
})
