import test from 'ava'
import { rejectsWith, seed, type SuiteContext } from './inventory-support.ts'

export function tenantConformance({ label, open }: SuiteContext): void {
  test(`${label}: createTenant applies defaults and getTenant returns the stored tenant`, async (t) => {
    const inventory = await open(t)
    const created = await inventory.createTenant({ tenantId: 'acme' })
    t.like(created, { tenantId: 'acme', name: 'acme', passwordPolicy: 'random' })
    t.is(new Date(created.createdAt).toISOString(), created.createdAt)
    t.deepEqual(await inventory.getTenant('acme'), created)
  })

  test(`${label}: createTenant keeps a name and the static password policy`, async (t) => {
    const inventory = await open(t)
    await inventory.createTenant({ tenantId: 'acme', name: 'Acme Corp', passwordPolicy: 'static' })
    t.like(await inventory.getTenant('acme'), { name: 'Acme Corp', passwordPolicy: 'static' })
  })

  test(`${label}: createTenant rejects a duplicate id with ALREADY_EXISTS and keeps the first`, async (t) => {
    const inventory = await open(t)
    await inventory.createTenant({ tenantId: 'acme', name: 'first' })
    const err = await rejectsWith(
      t,
      inventory.createTenant({ tenantId: 'acme', name: 'second' }),
      'INVENTORY_ALREADY_EXISTS',
    )
    t.like(err.details, { entity: 'tenant', tenantId: 'acme' })
    t.is((await inventory.getTenant('acme')).name, 'first')
  })

  test(`${label}: tenant ids must follow the schemas' id rule`, async (t) => {
    const inventory = await open(t)
    for (const tenantId of ['', 'a/b', '+', '#', '-leading-dash', 'x'.repeat(65)]) {
      await rejectsWith(t, inventory.createTenant({ tenantId }), 'INVENTORY_INVALID_INPUT')
    }
    t.deepEqual(await inventory.listTenants(), [])
  })

  test(`${label}: getTenant of an unknown tenant is NOT_FOUND`, async (t) => {
    const inventory = await open(t)
    const err = await rejectsWith(t, inventory.getTenant('nobody'), 'INVENTORY_NOT_FOUND')
    t.like(err.details, { entity: 'tenant', tenantId: 'nobody' })
  })

  test(`${label}: listTenants is ordered by tenantId`, async (t) => {
    const inventory = await open(t)
    for (const tenantId of ['b', 'c', 'a']) await inventory.createTenant({ tenantId })
    t.deepEqual(
      (await inventory.listTenants()).map((tenant) => tenant.tenantId),
      ['a', 'b', 'c'],
    )
  })

  test(`${label}: updateTenant changes name and policy only`, async (t) => {
    const inventory = await open(t)
    const created = await inventory.createTenant({ tenantId: 'acme' })
    const updated = await inventory.updateTenant('acme', { passwordPolicy: 'static', name: 'Acme' })
    t.deepEqual(updated, { ...created, passwordPolicy: 'static', name: 'Acme' })
    t.deepEqual(await inventory.getTenant('acme'), updated)
    await rejectsWith(t, inventory.updateTenant('nobody', { name: 'x' }), 'INVENTORY_NOT_FOUND')
    // @ts-expect-error: an unknown policy from an untyped caller
    await rejectsWith(t, inventory.updateTenant('acme', { passwordPolicy: 'dynamic' }), 'INVENTORY_INVALID_INPUT')
    t.deepEqual(await inventory.getTenant('acme'), updated)
  })

  test(`${label}: deleteTenant removes an empty tenant; unknown is NOT_FOUND`, async (t) => {
    const inventory = await open(t)
    await inventory.createTenant({ tenantId: 'acme' })
    await inventory.deleteTenant('acme')
    await rejectsWith(t, inventory.getTenant('acme'), 'INVENTORY_NOT_FOUND')
    await rejectsWith(t, inventory.deleteTenant('acme'), 'INVENTORY_NOT_FOUND')
  })

  test(`${label}: deleteTenant refuses a tenant with hosts (TENANT_NOT_EMPTY) and changes nothing`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['acme'], 2)
    await rejectsWith(t, inventory.deleteTenant('acme'), 'INVENTORY_TENANT_NOT_EMPTY')
    t.is((await inventory.listHosts({ tenantId: 'acme' })).hosts.length, 2)
    for (const { hostId } of (await inventory.listHosts()).hosts)
      await inventory.deleteHost({ tenantId: 'acme', hostId })
    await inventory.deleteTenant('acme')
    t.deepEqual(await inventory.listTenants(), [])
  })

  test(`${label}: a closed inventory rejects calls with INVENTORY_CLOSED; close is idempotent`, async (t) => {
    const inventory = await open(t)
    await inventory.close()
    await inventory.close()
    await rejectsWith(t, inventory.listTenants(), 'INVENTORY_CLOSED')
    await rejectsWith(t, inventory.createTenant({ tenantId: 'acme' }), 'INVENTORY_CLOSED')
  })
}
