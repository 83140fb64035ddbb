import test from 'ava'
import { createPfxKit, domainRequestOf, type PfxVariant } from '../../helpers/pfx.ts'
import { capturingLogger } from './dmt-harness.ts'
import { startPowerApi } from './power-api-setup.ts'

const PUT = '/api/v1/tenants/acme/amt/domain'
const VIEW = '/api/v1/tenants/acme/amt/provisioning'
const REFUSED: PfxVariant[] = ['wrong-password', 'wrong-suffix', 'expired', 'missing-eku', 'short-key', 'key-mismatch']

test('each provisioning certificate RPS would refuse is 400 VALIDATION_FAILED with its problem, before anything reaches RPS', async (t) => {
  const api = await startPowerApi(t)
  const admin = await api.token('admin', 'acme')
  const kit = await createPfxKit(t)
  const mark = api.rps.server.requests.length
  for (const variant of REFUSED) {
    const upload = domainRequestOf(await kit.make('acme.example.com', variant))
    const answer = await api.request('PUT', PUT, { token: admin, body: upload })
    t.deepEqual([answer.status, answer.json.code], [400, 'VALIDATION_FAILED'], variant)
    const { problems } = answer.json.details as { problems: string[] }
    t.is(problems.length, 1, variant)
    t.true(answer.json.message?.endsWith(problems[0] ?? '-'), variant)
    t.false(
      JSON.stringify(answer.json).includes(upload.provisioningCertPassword),
      `${variant}: no password in the answer`,
    )
  }
  t.deepEqual(api.rps.server.requests.slice(mark), [], 'nothing was sent to RPS')
  t.is(api.rps.domains.get('acme'), undefined)
})

test('a valid certificate is stored; its expiry is in the answer and the ACM view, without a warning', async (t) => {
  const api = await startPowerApi(t)
  const admin = await api.token('admin', 'acme')
  const pfx = await (await createPfxKit(t)).make('acme.example.com')
  const answer = await api.request('PUT', PUT, { token: admin, body: domainRequestOf(pfx) })
  const expiresAt = pfx.notAfter.toISOString()
  t.deepEqual(answer.json, {
    name: 'acme',
    domainSuffix: 'acme.example.com',
    created: true,
    expiresAt,
    expiryWarning: null,
  })
  const view = await api.request('GET', VIEW, { token: await api.token('viewer', 'acme') })
  t.deepEqual(view.json.domain, { name: 'acme', domainSuffix: 'acme.example.com', expiresAt, expiryWarning: null })
})

test('a certificate expiring within 30 days is accepted with a warning in the answer, the view and the log', async (t) => {
  const lines: string[] = []
  const api = await startPowerApi(t, { log: capturingLogger(lines) })
  const admin = await api.token('admin', 'acme')
  const pfx = await (await createPfxKit(t)).make('acme.example.com', 'expiring-soon')
  const answer = await api.request('PUT', PUT, { token: admin, body: domainRequestOf(pfx) })
  t.is(answer.status, 200)
  t.regex(
    String(answer.json.expiryWarning),
    /^the provisioning certificate expires in (9|10) days \(.+\): upload a renewed one$/,
  )
  const view = await api.request('GET', VIEW, { token: admin })
  t.like(view.json.domain, { expiresAt: pfx.notAfter.toISOString(), expiryWarning: answer.json.expiryWarning })
  const warnings = lines
    .map((line) => JSON.parse(line) as { level: number; msg: string; tenantId?: string })
    .filter(({ level }) => level === 40)
  t.true(
    warnings.length >= 2 &&
      warnings.every(({ msg, tenantId }) => msg === answer.json.expiryWarning && tenantId === 'acme'),
    'logged at upload and at the view',
  )
  t.false(
    lines.some(
      (line) => line.includes(pfx.provisioningCertPassword) || line.includes(pfx.provisioningCert.slice(0, 40)),
    ),
    'no secret in the log',
  )
})
