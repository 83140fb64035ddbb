import test from 'ava'
import { parseManagerConfig } from '../../../manager/config/config.ts'
import { pfxCertificates } from '../../../manager/dmt/provisioning-certificate.ts'
import { createPfxKit } from '../../helpers/pfx.ts'

// Config `acm`: each tenant's provisioning certificate chain (PEM) read at start into facts; a file that cannot be
// read or holds no certificate is a problem with its key path.

test('acm.provisioningCertificates: chains read into facts per tenant; unreadable or empty files reported', async (t) => {
  const pfx = await (await createPfxKit(t)).make('corp.example.com')
  const pem = (pfxCertificates(pfx.provisioningCert, pfx.provisioningCertPassword) ?? []).map((c) => c.toString())
  const files: Record<string, string> = { '/etc/amt/acme.pem': pem.join(''), '/etc/amt/empty.pem': 'no PEM here' }
  const readFile = (file: string): string => {
    const text = files[file]
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' })
    return text
  }
  const parse = (acm: unknown) => parseManagerConfig({ acm }, { env: {}, baseDir: '/etc/amt', readFile })

  const defaults = parseManagerConfig({}, { env: {}, baseDir: '/etc/amt', readFile })
  t.deepEqual(defaults.ok && defaults.config.acm, { certificates: {} })

  const good = parse({
    provisioningCertificates: [
      { tenantId: 'acme', chainFile: 'acme.pem' },
      { tenantId: 'beta', chainFile: 'acme.pem', domainSuffix: 'Site.Corp.Example.com' },
    ],
  })
  if (!good.ok) return t.fail(good.problems.join('\n'))
  t.like(good.config.acm.certificates.acme?.[0], {
    domainSuffix: 'corp.example.com',
    commonName: 'host.corp.example.com',
    root: { commonName: 'Test Provisioning Root' },
  })
  t.is(good.config.acm.certificates.beta?.[0]?.domainSuffix, 'site.corp.example.com')

  const bad = parse({
    provisioningCertificates: [
      { tenantId: 'acme', chainFile: 'missing.pem' },
      { tenantId: 'acme', chainFile: 'empty.pem' },
    ],
  })
  t.deepEqual(bad.ok ? [] : bad.problems, [
    'acm.provisioningCertificates.0.chainFile: cannot be read (ENOENT)',
    'acm.provisioningCertificates.1.chainFile: holds no PEM certificate',
  ])
})
