import test, { type ExecutionContext } from 'ava'
import { DomainError } from '../../../manager/core/errors.ts'
import { noPreparation } from '../../../manager/ports/provisioning.ts'
import { composePreparers, DMT_NOT_CONFIGURED_MESSAGE, dmtNotConfigured } from '../../../manager/dmt/preparer.ts'
import { capturingLogger, TENANT_PASSWORD } from './dmt-harness.ts'
import { provisioningSetup, type ProvisioningSetup } from './provisioning-setup.ts'

/** The activation was refused with PREPARATION_FAILED naming the cause, and nothing was written or published. */
async function refused(t: ExecutionContext, s: ProvisioningSetup, reason: RegExp): Promise<void> {
  const error = await t.throwsAsync(s.activate(), { instanceOf: DomainError })
  t.is(error.code, 'PREPARATION_FAILED')
  t.regex(error.message, reason)
  for (const key of s.keys) {
    t.like(await s.inventory.getHost(key), { desiredState: 'UNSPECIFIED', desiredGeneration: 0 })
    t.is(s.outbound.last(key, 'desired'), undefined)
  }
  t.like(s.dmt.preparer.statusOf('acme'), { ok: false })
  t.regex(s.dmt.preparer.statusOf('acme')?.message ?? '', reason)
}

test('RPS down: activation refused with a clear reason; the retry converges once RPS is back', async (t) => {
  const s = await provisioningSetup(t)
  await s.rps.server.down()
  await refused(t, s, /RPS unavailable: GET \/api\/v1\/admin\/ciraconfigs\/acme: connection refused/)
  await s.rps.server.up()
  const [host] = await s.activate()
  t.is(host?.desiredState, 'PROVISIONED')
  t.deepEqual(s.rps.profileNames(), ['acme_ccm'])
  t.like(s.dmt.preparer.statusOf('acme'), { ok: true, message: 'ready' })
})

test('RPS 5xx: retried within the request (converges); persistent 5xx refuses, and the next request converges', async (t) => {
  const s = await provisioningSetup(t)
  s.rps.server.failNext(2, 503)
  await s.activate()
  t.deepEqual(s.rps.profileNames(), ['acme_ccm'])
  s.rps.profiles.clear()
  s.rps.server.failNext(3, 500)
  const error = await t.throwsAsync(s.activate(), {
    instanceOf: DomainError,
    message: /RPS unavailable: .* answered 500/,
  })
  t.is(error.code, 'PREPARATION_FAILED')
  await s.activate()
  t.deepEqual(s.rps.profileNames(), ['acme_ccm'])
})

test('slow RPS: each attempt times out and the activation is refused; fast again, it converges', async (t) => {
  // RPS only (MPS answers within the generous default): per attempt long enough for a loaded machine's round trip
  // once RPS is fast again, short enough that three timed-out attempts cost three seconds.
  const s = await provisioningSetup(t, { rpsTimeoutMs: 1_000 })
  s.rps.server.slowMs = 60_000
  await refused(t, s, /RPS unavailable: .*no answer within 1000 ms/)
  s.rps.server.slowMs = 0
  await s.activate()
  t.deepEqual(s.rps.profileNames(), ['acme_ccm'])
})

test('MPS down: the CIRA certificate and the device registration cannot be done; refused naming MPS', async (t) => {
  const s = await provisioningSetup(t)
  await s.mps.server.down()
  await refused(t, s, /MPS unavailable: GET \/api\/v1\/ciracert: connection refused/)
  await s.mps.server.up()
  await s.activate()
  t.is(s.mps.devices.size, 1)
})

for (const policy of ['static', 'random'] as const) {
  test(`${policy} policy: MPS failing after RPS objects were created leaves them; the next attempt reuses them, writes nothing to RPS`, async (t) => {
    const s = await provisioningSetup(t, { policy, hosts: 2 })
    for (const [index, key] of s.keys.entries()) s.passwords.setHost(key, { password: `Host-Pw-${index}!` })
    // MPS answers the CIRA certificate, then fails every attempt of both device registrations (3 attempts each).
    s.mps.server.beforeRoute = ({ path }) => {
      if (path.endsWith('/ciracert')) s.mps.server.failNext(2 * 3, 500)
    }
    await refused(t, s, /MPS unavailable: GET \/api\/v1\/devices\/.* answered 500/)
    s.mps.server.beforeRoute = undefined
    const profiles = policy === 'static' ? ['acme_ccm'] : s.keys.map(({ hostId }) => `${hostId}@acme_ccm`).sort()
    t.deepEqual(s.rps.profileNames(), profiles, 'left in RPS: what the next attempt wants')
    t.deepEqual([...s.rps.ciraConfigs.keys()], ['acme'])
    t.is(s.mps.devices.size, 0)

    const mark = s.rps.server.requests.length
    const hosts = await s.activate()
    t.deepEqual(
      hosts.map((host) => host.desiredState),
      ['PROVISIONED', 'PROVISIONED'],
    )
    t.deepEqual(s.rps.server.writesSince(mark), [], 'no create (no duplicate), no replace, no delete in RPS')
    const absent = s.rps.server.since(mark).filter(({ status }) => status !== 200)
    // Nothing refused: only reads of what the tenant has none of (its domain, ACM profiles, random: acme_ccm).
    t.true(absent.every(({ method, status }) => method === 'GET' && status === 404))
    t.false(
      absent.some(
        ({ path }) => profiles.some((name) => path.endsWith(`/profiles/${name}`)) || path.endsWith('/ciraconfigs/acme'),
      ),
    )
    t.deepEqual(s.rps.profileNames(), profiles)
    t.is(s.mps.devices.size, 2)
    t.like(s.dmt.preparer.statusOf('acme'), { ok: true, message: 'ready' })
  })
}

test('a missing password or a host id that is no AMT GUID refuses the activation with the reason', async (t) => {
  const s = await provisioningSetup(t, { policy: 'random' })
  await refused(t, s, /no AMT password is stored for host acme\/4c4c4544/)

  const named = await provisioningSetup(t, { tenantId: 'beta' })
  await named.inventory.createHost({ tenantId: 'beta', hostId: 'edge-node-7' })
  const error = await t.throwsAsync(named.activate([{ tenantId: 'beta', hostId: 'edge-node-7' }]), {
    instanceOf: DomainError,
  })
  t.regex(error.message, /host beta\/edge-node-7: the host id is not a UUID/)
})

test('no password reaches a log line, also when RPS rejects or fails', async (t) => {
  const lines: string[] = []
  const s = await provisioningSetup(t, { log: capturingLogger(lines) })
  s.passwords.tenants.set('acme', { password: 'weakpassw0rd' })
  await t.throwsAsync(s.activate(), { message: /RPS rejected POST \/api\/v1\/admin\/profiles \(400\): amtPassword/ })
  s.passwords.tenants.set('acme', { password: TENANT_PASSWORD })
  s.rps.server.failNext(3, 503)
  await t.throwsAsync(s.activate())
  await s.activate()
  t.true(lines.length > 3)
  t.false(lines.some((line) => line.includes(TENANT_PASSWORD) || line.includes('weakpassw0rd')))
})

test('without RPS/MPS: a no-op preparer and one log line', async (t) => {
  const lines: string[] = []
  const preparer = dmtNotConfigured(capturingLogger(lines))
  t.is(preparer, noPreparation)
  await preparer.prepare([])
  t.is(lines.length, 1)
  t.like(JSON.parse(lines[0] ?? '{}'), { msg: DMT_NOT_CONFIGURED_MESSAGE, module: 'dmt', level: 30 })
})

test('composePreparers runs in order and stops at the first failure', async (t) => {
  const calls: string[] = []
  const step = (name: string, fail = false) => ({
    prepare: () => {
      calls.push(name)
      return fail ? Promise.reject(new Error(`${name} failed`)) : Promise.resolve()
    },
  })
  await composePreparers(step('passwords'), step('rps')).prepare([])
  t.deepEqual(calls, ['passwords', 'rps'])
  calls.length = 0
  await t.throwsAsync(composePreparers(step('passwords', true), step('rps')).prepare([]), {
    message: 'passwords failed',
  })
  t.deepEqual(calls, ['passwords'])
})
