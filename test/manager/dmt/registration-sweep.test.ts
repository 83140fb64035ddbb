import { counted } from '../../helpers/counted.ts'
import test, { type ExecutionContext } from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { createRegistrationSweep, type RegistrationSweepResult } from '../../../manager/dmt/registration-sweep.ts'
import type { HostKey, HostPatch } from '../../../manager/inventory/port.ts'
import { EXAMPLES } from '../../../schemas/contract/examples.ts'
import { startTestCore } from '../../helpers/manager-core.ts'
import { capturingLogger, hostUuid, startDmt } from './dmt-harness.ts'

const WAIT_MS = 30_000

/**
 * Seed flow 3 through the real MPS client over the fake MPS. Tenant acme: host 1 PROVISIONED without an MPS device
 * (activated before MPS was configured), 2 PROVISIONED and registered, 3 UNPROVISIONED, 4 PROVISIONED but being
 * deleted, `edge-5` PROVISIONED with a host id that is no UUID (and no AMT UUID reported).
 */
async function fleet(t: ExecutionContext, { lines }: { lines?: string[] } = {}) {
  const { core, inventory } = await startTestCore(t)
  const rig = await startDmt(t, inventory)
  await inventory.createTenant({ tenantId: 'acme' })
  const keyOf = (n: number): HostKey => ({ tenantId: 'acme', hostId: n === 5 ? 'edge-5' : hostUuid(n) })
  const patches: Record<number, HostPatch> = {
    3: { currentState: 'UNPROVISIONED' },
    4: { currentState: 'PROVISIONED', deletion: 'pending' },
  }
  for (const n of [1, 2, 3, 4, 5]) {
    await inventory.createHost({ ...keyOf(n), name: `edge-${n}` })
    await inventory.updateHost(keyOf(n), patches[n] ?? { currentState: 'PROVISIONED' })
    await core.refreshHost(keyOf(n))
  }
  await rig.dmt.mps.registerDevice({
    guid: hostUuid(2),
    hostname: 'edge-2',
    friendlyName: 'edge-2',
    tags: [],
    mpsusername: 'admin',
    tenantId: '',
    dnsSuffix: '',
  })
  const log = lines ? capturingLogger(lines) : silentLogger()
  const options = { intervalSeconds: 0, concurrency: 2 }
  const sweep = createRegistrationSweep({ registration: rig.dmt.registration, inventory, options, log })
  return { core, inventory, rig, keyOf, sweep }
}

const counts = ({ failures: _failures, ...rest }: RegistrationSweepResult) => rest
const none = { registered: 0, present: 0, otherTenant: 0, skipped: 0, failed: 0, deferred: 0, mpsUnavailable: false }

test('a PROVISIONED host MPS does not know is registered; a second round writes nothing', async (t) => {
  const { rig, sweep } = await fleet(t)
  const mark = rig.mps.server.requests.length
  t.deepEqual(counts(await sweep.runOnce()), { ...none, registered: 1, present: 1, skipped: 1 })
  t.like(rig.mps.devices.get(hostUuid(1)), {
    hostname: 'edge-1',
    friendlyName: 'edge-1',
    tags: ['tenant:acme', `host:${hostUuid(1)}`],
    mpsusername: 'admin',
    tenantId: '',
  })
  t.deepEqual(
    rig.mps.server.writesSince(mark).map(({ method, path }) => `${method} ${path}`),
    ['POST /api/v1/devices'],
    'one write: the missing device',
  )
  t.true(rig.mps.connect(hostUuid(1)), 'MPS now accepts its CIRA connection')
  for (const n of [3, 4]) {
    t.false(
      rig.mps.server.since(mark).some(({ path }) => path.includes(hostUuid(n))),
      `host ${n} is not asked about`,
    )
    t.false(rig.mps.devices.has(hostUuid(n)))
  }

  const again = rig.mps.server.requests.length
  t.deepEqual(counts(await sweep.runOnce()), { ...none, present: 2, skipped: 1 })
  t.deepEqual(rig.mps.server.writesSince(again), [], 'idempotent: nothing written')
})

test('MPS down: the round is reported with the reason, the rest deferred, and the next round registers', async (t) => {
  const lines: string[] = []
  const { rig, sweep } = await fleet(t, { lines })
  await rig.mps.server.down()
  const failed = await sweep.runOnce()
  t.true(failed.mpsUnavailable)
  t.true(failed.failed >= 1)
  t.is(
    failed.failed + failed.deferred + failed.skipped,
    3,
    'hosts 1, 2 and edge-5: none registered, none counted twice',
  )
  t.regex(failed.failures[0]?.reason ?? '', /MPS unavailable/)
  const warning = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.level === 40)
  t.like(warning, {
    msg: 'MPS registration sweep: some hosts are not registered with MPS (retried next round)',
    mpsUnavailable: true,
  })
  t.regex(JSON.stringify(warning?.failures), /MPS unavailable/)
  t.false(rig.mps.devices.has(hostUuid(1)))

  await rig.mps.server.up()
  t.like(await sweep.runOnce(), { registered: 1, present: 1, failed: 0, mpsUnavailable: false })
  t.true(rig.mps.devices.has(hostUuid(1)))
})

test('a device MPS holds under another MPS tenant is counted with the reason and left as it is', async (t) => {
  const { rig, sweep } = await fleet(t)
  rig.mps.callerTenant = 'someone-else'
  const theirs = {
    guid: hostUuid(1),
    hostname: 'theirs',
    friendlyName: 'theirs',
    tags: [],
    mpsusername: 'admin',
    tenantId: 'someone-else',
    dnsSuffix: '',
  }
  await rig.dmt.mps.registerDevice(theirs)
  rig.mps.callerTenant = ''
  const mark = rig.mps.server.requests.length
  const result = await sweep.runOnce()
  t.deepEqual(counts(result), { ...none, otherTenant: 1, present: 1, skipped: 1 })
  t.regex(result.failures[0]?.reason ?? '', /MPS holds device .* under another MPS tenant/)
  t.deepEqual(rig.mps.server.writesSince(mark), [])
  t.like(rig.mps.devices.get(hostUuid(1)), { hostname: 'theirs', tenantId: 'someone-else' })
})

test('MPS refusing one host does not stop the round', async (t) => {
  const { rig, sweep } = await fleet(t)
  rig.mps.server.failNext(1, 400)
  const result = await sweep.runOnce()
  t.is(result.failed, 1)
  t.is(result.registered + result.present, 1, 'the other host got its answer')
  t.regex(result.failures[0]?.reason ?? '', /MPS rejected/)
  t.like(await sweep.runOnce(), { failed: 0, registered: result.registered === 1 ? 0 : 1 })
  t.true(rig.mps.devices.has(hostUuid(1)))
})

test('a host whose agent reported an AMT UUID is registered under it (the GUID its CIRA connection comes with)', async (t) => {
  const { inventory, core, rig, keyOf, sweep } = await fleet(t)
  const amtUuid = '8a3c0f7e-1b2d-4e5f-9a6b-7c8d9e0f1a2b'
  await inventory.updateHost(keyOf(1), {
    capability: { ...EXAMPLES.capability, hostId: keyOf(1).hostId, amtUuid: amtUuid.toUpperCase() },
  })
  await core.refreshHost(keyOf(1))
  await sweep.runOnce()
  t.like(rig.mps.devices.get(amtUuid), { tags: ['tenant:acme', `host:${hostUuid(1)}`] })
  t.false(rig.mps.devices.has(hostUuid(1)), 'not under the host id')
})

/** Starts a sweep with the interval; resolves `rounds(n)` once n rounds have ended. */
function started(t: ExecutionContext, { inventory, rig }: Awaited<ReturnType<typeof fleet>>, intervalSeconds: number) {
  const seen = counted<RegistrationSweepResult>('rounds', WAIT_MS)
  const sweep = createRegistrationSweep({
    registration: rig.dmt.registration,
    inventory,
    options: { intervalSeconds, concurrency: 2 },
    log: silentLogger(),
    onSweep: seen.push,
  })
  t.teardown(() => sweep.stop())
  sweep.start()
  return { sweep, results: seen.results, rounds: seen.until }
}

test('started, the first round runs at once, not an interval later', async (t) => {
  const setup = await fleet(t)
  const { results, rounds } = started(t, setup, 3600)
  await rounds(1)
  t.like(results[0], { registered: 1 })
  t.true(setup.rig.mps.devices.has(hostUuid(1)))
})

test('started, later rounds on the interval register a device MPS lost; stop ends them', async (t) => {
  const setup = await fleet(t)
  const { sweep, results, rounds } = started(t, setup, 0.001)
  await rounds(1)
  setup.rig.mps.devices.delete(hostUuid(1)) // lost (e.g. MPS restored from an older backup)
  await rounds(results.length + 2)
  t.true(setup.rig.mps.devices.has(hostUuid(1)), 'registered again by a later round')
  t.true(results.slice(1).some((result) => result.registered === 1))
  await sweep.stop()
})
