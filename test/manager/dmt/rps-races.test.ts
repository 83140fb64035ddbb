import test from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { createDmt } from '../../../manager/dmt/create-dmt.ts'
import { MAX_REPLACE_ATTEMPTS } from '../../../manager/dmt/ensure-object.ts'
import { DmtError } from '../../../manager/dmt/errors.ts'
import { setTenantDomain } from '../../../manager/dmt/tenant-domain.ts'
import { dmtConfigOf } from './dmt-harness.ts'
import { createPfxKit, domainRequestOf, validDomainRequest } from '../../helpers/pfx.ts'
import { provisioningSetup, type ProvisioningSetup } from './provisioning-setup.ts'

const writes = (s: ProvisioningSetup, mark: number) =>
  s.rps.server.writesSince(mark).map(({ method, path, status }) => `${method} ${path} ${status}`)

/** A second manager process on the same RPS/MPS and inventory: its own clients, its own single-flight state. */
function secondManager(s: ProvisioningSetup) {
  return createDmt(dmtConfigOf(s.rps, s.mps), {
    getTenant: (tenantId) => s.inventory.getTenant(tenantId),
    findHost: (key) => s.inventory.findHost(key),
    passwords: s.passwords,
    log: silentLogger(),
  })
}

test('two manager processes preparing one tenant at once converge: no error, no deletion, one set of objects', async (t) => {
  const s = await provisioningSetup(t, { hosts: 2 })
  await setTenantDomain(s.dmt.rps, 'acme', await validDomainRequest(t))
  const other = secondManager(s)
  const mark = s.rps.server.requests.length
  await Promise.all([s.activate(), other.preparer.prepare(s.hosts), other.preparer.prepare(s.hosts)])
  t.deepEqual(s.rps.server.since(mark, 'DELETE'), [], "nobody deletes the other one's work")
  t.deepEqual(s.rps.profileNames(), ['acme_acm', 'acme_ccm'])
  t.deepEqual(
    s.rps.server.since(mark, 'POST').filter(({ status }) => status === 201).length,
    3,
    'each object created once',
  )
  t.like(s.dmt.preparer.statusOf('acme'), { ok: true })
  t.like(other.preparer.statusOf('acme'), { ok: true })
  const again = s.rps.server.requests.length
  await Promise.all([s.activate(), other.preparer.prepare(s.hosts)])
  t.deepEqual(writes(s, again), [], 'prepared: zero writes from either')
})

test('concurrent preparations of one tenant in one process run one at a time: the second only reads', async (t) => {
  const s = await provisioningSetup(t, { policy: 'random', hosts: 2 })
  for (const [i, key] of s.keys.entries()) s.passwords.setHost(key, { password: `Host-${i}-Pw1!` })
  const mark = s.rps.server.requests.length
  await Promise.all([s.dmt.preparer.prepare(s.hosts), s.dmt.preparer.prepare(s.hosts), s.activate()])
  const created = [
    'POST /api/v1/admin/ciraconfigs 201',
    'POST /api/v1/admin/profiles 201',
    'POST /api/v1/admin/profiles 201',
  ]
  t.deepEqual(writes(s, mark), created, 'no refused duplicate: nothing ran twice at once')
  t.is(s.mps.server.since(0, 'POST').length, 2, 'each device registered once')
})

test('a renewed provisioning certificate replaces the domain with its version; a 409 is retried with the fresh record', async (t) => {
  const s = await provisioningSetup(t)
  const kit = await createPfxKit(t)
  await setTenantDomain(s.dmt.rps, 'acme', domainRequestOf(await kit.make('acme.example.com')))
  const renewed = domainRequestOf(await kit.make('corp.example.com'))
  const before = s.rps.domains.get('acme')?.version
  let interleaved = false
  s.rps.server.beforeRoute = ({ method }) => {
    if (method !== 'PATCH' || interleaved) return
    interleaved = true
    s.rps.domains.touch('acme') // another writer commits between our GET and our PATCH
  }
  const mark = s.rps.server.requests.length
  const { record, created } = await setTenantDomain(s.dmt.rps, 'acme', renewed)
  t.false(created)
  t.deepEqual(writes(s, mark), ['PATCH /api/v1/admin/domains 409', 'PATCH /api/v1/admin/domains 200'])
  const patches = s.rps.server.since(mark, 'PATCH').map(({ body }) => (body as { version?: unknown }).version)
  t.is(patches[0], before, 'the first PATCH sends the version read')
  t.not(patches[1], before, "the retry sends the fresh record's version")
  t.like(s.rps.domains.get('acme'), { domainSuffix: 'corp.example.com', provisioningCert: renewed.provisioningCert })
  t.is(record.domainSuffix, 'corp.example.com')
})

test('a changed profile is replaced in place with its version, retried after a 409; a record that keeps changing is RPS_REJECTED', async (t) => {
  const s = await provisioningSetup(t)
  await s.activate()
  const stored = s.rps.profiles.get('acme_ccm')
  if (stored) stored.kvmEnabled = false
  let touches = 1
  s.rps.server.beforeRoute = ({ method }) => {
    if (method === 'PATCH' && touches-- > 0) s.rps.profiles.touch('acme_ccm')
  }
  let mark = s.rps.server.requests.length
  await s.activate()
  t.deepEqual(writes(s, mark), ['PATCH /api/v1/admin/profiles 409', 'PATCH /api/v1/admin/profiles 200'])
  t.like(s.rps.profiles.get('acme_ccm'), { kvmEnabled: true })

  const again = s.rps.profiles.get('acme_ccm')
  if (again) again.kvmEnabled = false
  s.rps.server.beforeRoute = ({ method }) => {
    if (method === 'PATCH') s.rps.profiles.touch('acme_ccm')
  }
  mark = s.rps.server.requests.length
  const error = await t.throwsAsync(s.dmt.preparer.prepare(s.hosts), { instanceOf: DmtError })
  t.is(error.code, 'RPS_REJECTED')
  t.regex(error.message, /profile acme_ccm: changed by another writer/)
  t.is(s.rps.server.since(mark, 'PATCH').length, MAX_REPLACE_ATTEMPTS, 'bounded')
})
