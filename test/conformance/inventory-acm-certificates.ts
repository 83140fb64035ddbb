import test from 'ava'
import type { PutAcmCertificateInput } from '../../manager/inventory/acm-certificate.ts'
import { rejectsWith, type SuiteContext } from './inventory-support.ts'
import type { SharedInventories } from './inventory-sharing.ts'

const FACTS = {
  domainSuffix: 'corp.example.com',
  commonName: 'provisioning.corp.example.com',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2027-01-01T00:00:00.000Z',
  root: { commonName: 'Test Root', sha256: 'a'.repeat(64), sha384: 'b'.repeat(96) },
}

const put = (extra: Partial<PutAcmCertificateInput> = {}): PutAcmCertificateInput => ({
  tenantId: 't',
  source: 'api',
  actor: 'api:ada',
  facts: FACTS,
  ...extra,
})

/** Tenants' ACM provisioning certificate facts (manager/inventory/acm-certificate.ts): public facts, by source. */
export function acmCertificateConformance({ label, open }: SuiteContext, openShared?: SharedInventories): void {
  test(`${label}: ACM certificate facts are stored per tenant and source, replaced, listed and deleted`, async (t) => {
    const inventory = await open(t)
    await inventory.createTenant({ tenantId: 't' })
    await inventory.createTenant({ tenantId: 'other' })
    t.deepEqual(await inventory.listAcmCertificates('t'), [])
    const stored = await inventory.putAcmCertificate(put())
    t.like(stored, { tenantId: 't', source: 'api', actor: 'api:ada', ...FACTS })
    await inventory.putAcmCertificate(put({ source: 'rps-domain', facts: { ...FACTS, root: null } }))
    const replaced = await inventory.putAcmCertificate(put({ actor: 'api:bob', facts: { ...FACTS, commonName: 'x' } }))
    const listed = await inventory.listAcmCertificates('t')
    t.deepEqual(listed[0], replaced, 'replaced, by source')
    t.like(listed[1], { source: 'rps-domain', root: null, domainSuffix: 'corp.example.com' })
    t.is(listed.length, 2)
    t.is((await inventory.listAcmCertificates('t'))[0]!.commonName, 'x')
    t.deepEqual(await inventory.listAcmCertificates('other'), [], 'per tenant')
    t.true(await inventory.deleteAcmCertificate('t', 'api'))
    t.false(await inventory.deleteAcmCertificate('t', 'api'), 'nothing left to delete')
    t.deepEqual(
      (await inventory.listAcmCertificates('t')).map((cert) => cert.source),
      ['rps-domain'],
    )
  })

  test(`${label}: an ACM certificate write is refused for an unknown tenant or source; audit goes with it`, async (t) => {
    const inventory = await open(t)
    await rejectsWith(t, inventory.putAcmCertificate(put({ tenantId: 'ghost' })), 'INVENTORY_NOT_FOUND')
    await inventory.createTenant({ tenantId: 't' })
    await rejectsWith(
      t,
      inventory.putAcmCertificate(put({ source: 'file' as unknown as 'api' })),
      'INVENTORY_INVALID_INPUT',
    )
    const audit = [{ tenantId: 't', hostId: null, kind: 'acm-certificate.set', actor: 'api:ada', detail: {} }]
    await inventory.putAcmCertificate(put(), { audit })
    await inventory.deleteAcmCertificate('t', 'api', {
      audit: [{ ...audit[0]!, kind: 'acm-certificate.removed' }],
    })
    t.deepEqual((await inventory.listAudit('t')).map((event) => event.kind).sort(), [
      'acm-certificate.removed',
      'acm-certificate.set',
    ])
    await inventory.putAcmCertificate(put())
    await inventory.deleteTenant('t')
    await inventory.createTenant({ tenantId: 't' })
    t.deepEqual(await inventory.listAcmCertificates('t'), [], "deleting a tenant deletes its certificates' facts")
  })

  if (openShared) {
    test(`${label}: an ACM certificate put through one store is read by another on the same database`, async (t) => {
      const [one, two] = await openShared()
      t.teardown(async () => {
        await one.close()
        await two.close()
      })
      await one.createTenant({ tenantId: 't' })
      t.deepEqual(await two.listAcmCertificates('t'), [])
      const stored = await one.putAcmCertificate(put())
      t.deepEqual(await two.listAcmCertificates('t'), [stored])
    })
  }
}
