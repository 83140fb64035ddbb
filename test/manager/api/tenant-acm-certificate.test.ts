import test from 'ava'
import { createTestPki } from '../../helpers/certs.ts'
import { startApi } from './api-harness.ts'

const PATH = '/api/v1/tenants/acme/acm/provisioning-certificate'

test('PUT …/acm/provisioning-certificate stores the public facts without a restart; a private key is refused', async (t) => {
  const api = await startApi(t)
  await api.inventory.createTenant({ tenantId: 'acme' })
  const pki = await createTestPki()
  t.teardown(() => pki.remove())
  const ca = await pki.createCa('acme-root')
  const leaf = await ca.issueServer()
  const chain = `${leaf.cert.toString()}\n${ca.cert.toString()}`
  const admin = await api.token('admin', 'acme', 'ada')
  const operator = await api.token('operator', 'acme', 'otto')

  const withKey = await api.request('PUT', PATH, { token: admin, body: { chain: `${chain}\n${leaf.key.toString()}` } })
  t.is(withKey.status, 400)
  t.regex(String(withKey.json['message']), /holds a private key: send the public certificates only/)
  t.false(JSON.stringify(withKey.json).includes('PRIVATE KEY'), 'the key is not echoed')
  t.is((await api.request('PUT', PATH, { token: operator, body: { chain } })).status, 403, 'admin only')
  t.is((await api.request('PUT', PATH, { token: admin, body: { chain: 'no certificate' } })).status, 400)

  const put = await api.request('PUT', PATH, { token: admin, body: { chain, domainSuffix: 'corp.example.com' } })
  t.is(put.status, 200)
  t.like(put.json, { source: 'api', domainSuffix: 'corp.example.com', actor: 'api:ada' })
  t.regex(String(put.json['rootSha256']), /^[0-9a-f]{64}$/)
  t.regex(String(put.json['expiryWarning']), /expires in 0 days/, 'a one-day certificate warns')
  t.deepEqual(
    (await api.acmCertificates('acme')).map((facts) => facts.domainSuffix),
    ['corp.example.com'],
    'ACM eligibility reads it at once',
  )

  const got = await api.request('GET', PATH, { token: operator })
  t.is(got.status, 200)
  t.like(got.json, { certificates: [{ source: 'api', domainSuffix: 'corp.example.com' }] })
  const audit = await api.inventory.listAudit('acme')
  t.deepEqual(
    audit.map((event) => event.kind),
    ['acm-certificate.set'],
  )

  t.is((await api.request('DELETE', PATH, { token: operator })).status, 403)
  t.like((await api.request('DELETE', PATH, { token: admin })).json, { removed: true })
  t.like((await api.request('DELETE', PATH, { token: admin })).json, { removed: false })
  t.deepEqual(await api.acmCertificates('acme'), [])
  t.is((await api.inventory.listAudit('acme')).filter((event) => event.kind === 'acm-certificate.removed').length, 1)
})
