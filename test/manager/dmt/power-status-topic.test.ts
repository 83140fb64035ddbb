import test from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { powerDepsOf } from '../../../manager/dmt/dmt-api.ts'
import { createPowerSweep } from '../../../manager/dmt/power-sweep.ts'
import { startPowerApi } from './power-api-setup.ts'

// The retained `status` topic carries the power fields of the host view (same names), published when they change.

const POWER = '/api/v1/tenants/acme/hosts'

test('a reading from MPS is published on status; a re-reading of the same state alone publishes nothing', async (t) => {
  const api = await startPowerApi(t)
  const token = await api.token('viewer', 'acme')
  t.like(api.outbound.last(api.key, 'status'), { powerState: 'unknown', powerStateReadAt: null, powerAction: null })
  const before = api.outbound.payloads(api.key, 'status').length
  t.is((await api.request('GET', `${POWER}/${api.key.hostId}/power`, { token })).status, 200)
  const published = api.outbound.payloads(api.key, 'status')
  t.is(published.length, before + 1)
  const stored = await api.inventory.getHost(api.key)
  t.like(published.at(-1), { powerState: 'off', powerStateReadAt: stored.powerStateReadAt, powerAction: null })

  t.is((await api.request('GET', `${POWER}/${api.key.hostId}/power`, { token })).status, 200)
  t.is(api.outbound.payloads(api.key, 'status').length, before + 1, 'same state: not republished')
})

test('a power action is published as pending, then done with the state read back; never as a state', async (t) => {
  const api = await startPowerApi(t)
  const token = await api.token('operator', 'acme')
  const before = api.outbound.payloads(api.key, 'status').length
  t.is((await api.request('POST', `${POWER}/${api.key.hostId}/power`, { token, body: { action: 'on' } })).status, 200)
  const published = api.outbound.payloads(api.key, 'status').slice(before)
  t.like(published[0], {
    powerState: 'unknown',
    powerAction: { requested: 'ON', outcome: 'pending', message: 'Power action on in progress' },
  })
  t.like(published.at(-1), {
    powerState: 'on',
    powerAction: { requested: 'ON', outcome: 'done', message: 'Power action on done' },
  })
  t.truthy(published.at(-1)?.powerStateReadAt)
})

test('the power sweep publishes a changed power state on status', async (t) => {
  const api = await startPowerApi(t)
  const power = powerDepsOf({ dmt: api.dmt, inventory: api.inventory, core: api.core, log: silentLogger() })
  const sweep = createPowerSweep({ power, inventory: api.inventory, options: { intervalSeconds: 0, concurrency: 1 } })
  await sweep.runOnce()
  t.like(api.outbound.last(api.key, 'status'), { powerState: 'off' })
  const device = api.mps.devices.get(api.guid)
  if (device) device.powerstate = 7
  await sweep.runOnce()
  t.like(api.outbound.last(api.key, 'status'), { powerState: 'hibernate' })
})
