import { counted } from '../../helpers/counted.ts'
import test, { type ExecutionContext } from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { powerDepsOf } from '../../../manager/dmt/dmt-api.ts'
import type { MpsPort } from '../../../manager/dmt/ports.ts'
import { createPowerSweep, type SweepResult } from '../../../manager/dmt/power-sweep.ts'
import type { HostKey } from '../../../manager/inventory/port.ts'
import { startTestCore } from '../../helpers/manager-core.ts'
import { hostUuid, startDmt } from './dmt-harness.ts'

const WAIT_MS = 10_000

/**
 * Tenant acme, through the real MPS client over the fake MPS: host 1 registered and connected (power state 8, off),
 * 2 registered but not connected, 3 not registered, 4 held by another MPS tenant, 5 connected but UNPROVISIONED.
 * `extra` more hosts registered and connected (state 2, on). `mps` counts the calls in flight at once.
 */
async function fleet(t: ExecutionContext, extra = 0) {
  const { core, inventory } = await startTestCore(t)
  const rig = await startDmt(t, inventory)
  await inventory.createTenant({ tenantId: 'acme' })
  const keyOf = (n: number): HostKey => ({ tenantId: 'acme', hostId: hostUuid(n) })
  const register = async (n: number, tenantId = '') => {
    rig.mps.callerTenant = tenantId
    await rig.dmt.mps.registerDevice({
      guid: hostUuid(n),
      hostname: `edge-${n}`,
      friendlyName: `edge-${n}`,
      tags: [],
      mpsusername: 'admin',
      tenantId,
      dnsSuffix: '',
    })
    rig.mps.callerTenant = ''
  }
  for (const n of [1, 2, 3, 4, 5, ...Array.from({ length: extra }, (_, i) => 10 + i)]) {
    await inventory.createHost(keyOf(n))
    await inventory.updateHost(keyOf(n), { currentState: n === 5 ? 'UNPROVISIONED' : 'PROVISIONED' })
    await core.refreshHost(keyOf(n))
    if (n !== 3) await register(n, n === 4 ? 'someone-else' : '')
    if (n === 1 || n === 5) rig.mps.connect(hostUuid(n), 8)
    if (n >= 10) rig.mps.connect(hostUuid(n), 2)
  }
  const inFlight = { now: 0, most: 0 }
  const counted = async <T>(call: () => Promise<T>): Promise<T> => {
    inFlight.most = Math.max(inFlight.most, ++inFlight.now)
    try {
      return await call()
    } finally {
      inFlight.now -= 1
    }
  }
  const real = rig.dmt.mps
  const mps: MpsPort = {
    getCiraCertificate: () => real.getCiraCertificate(),
    getDevice: (guid) => counted(() => real.getDevice(guid)),
    registerDevice: (device) => real.registerDevice(device),
    deleteDevice: (guid) => real.deleteDevice(guid),
    getPowerState: (guid) => counted(() => real.getPowerState(guid)),
    powerAction: (guid, action) => real.powerAction(guid, action),
    deactivate: (guid) => real.deactivate(guid),
  }
  const power = powerDepsOf({ dmt: { ...rig.dmt, mps }, inventory, core, log: silentLogger() })
  return { core, inventory, rig, keyOf, inFlight, power }
}

test('a sweep reads only PROVISIONED hosts MPS holds for us and reports connected, and stores state and time', async (t) => {
  const { inventory, rig, keyOf, power } = await fleet(t)
  const sweep = createPowerSweep({ power, inventory, options: { intervalSeconds: 0, concurrency: 4 } })
  const mark = rig.mps.server.requests.length
  const before = new Date().toISOString()
  t.deepEqual(await sweep.runOnce(), { read: 1, notRegistered: 2, notConnected: 1, failed: 0 })
  t.like(await inventory.getHost(keyOf(1)), { currentPowerState: 'OFF' })
  t.true(((await inventory.getHost(keyOf(1))).powerStateReadAt ?? '') >= before)
  for (const n of [2, 3, 4, 5]) t.is((await inventory.getHost(keyOf(n))).powerStateReadAt, null, `host ${n} not read`)
  const stateReads = rig.mps.server.since(mark).filter(({ path }) => path.includes('/amt/power/state/'))
  t.deepEqual(
    stateReads.map(({ path }) => path),
    [`/api/v1/amt/power/state/${hostUuid(1)}`],
  )
  t.false(
    rig.mps.server.since(mark).some(({ path }) => path.includes(hostUuid(5))),
    'an UNPROVISIONED host is not asked about',
  )
  t.deepEqual(rig.mps.powerActions, [], 'a sweep never acts')
})

test('a sweep reads at most `concurrency` hosts at once, and counts MPS failures without stopping', async (t) => {
  const { inventory, keyOf, inFlight, power, rig } = await fleet(t, 8)
  const sweep = createPowerSweep({ power, inventory, options: { intervalSeconds: 0, concurrency: 2 } })
  t.deepEqual(await sweep.runOnce(), { read: 9, notRegistered: 2, notConnected: 1, failed: 0 })
  t.is(inFlight.most, 2)
  t.like(await inventory.getHost(keyOf(12)), { currentPowerState: 'ON' })
  await rig.mps.server.down()
  const failed = await sweep.runOnce()
  t.is(failed.failed, 12)
  t.like(
    await inventory.getHost(keyOf(12)),
    { currentPowerState: 'ON' },
    'a failed read keeps the last reading (and its age)',
  )
})

test('started, the sweep runs every interval and picks up a changed power state; stop ends it', async (t) => {
  const { inventory, rig, keyOf, power } = await fleet(t)
  const rounds = counted<SweepResult>('sweeps', WAIT_MS)
  const options = { intervalSeconds: 0.001, concurrency: 2 }
  const sweep = createPowerSweep({ power, inventory, options, onSweep: rounds.push })
  t.teardown(() => sweep.stop())
  const { results, until: sweeps } = rounds
  sweep.start()
  await sweeps(1)
  t.like(await inventory.getHost(keyOf(1)), { currentPowerState: 'OFF' })
  const device = rig.mps.devices.get(hostUuid(1))
  if (device) device.powerstate = 14
  const seen = results.length
  await sweeps(seen + 2)
  t.like(await inventory.getHost(keyOf(1)), { currentPowerState: 'RESET' })
  await sweep.stop()
  t.true(results.every((result) => result.read === 1))
})
