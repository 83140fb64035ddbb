import test from 'ava'
import { TenantPolicies, type TenantPolicy } from '../../../../manager/core/publish/tenant-policies.ts'
import type { PasswordPolicy } from '../../../../manager/inventory/port.ts'

const tenantOf = (tenantId: string, passwordPolicy: PasswordPolicy): TenantPolicy => ({ tenantId, passwordPolicy })

/** Reads that answer what the store holds at the moment the test lets them through. */
function slowStore(initial: Record<string, PasswordPolicy>) {
  const store = { ...initial }
  const waiting: Array<() => void> = []
  const later = <T>(answer: () => T): Promise<T> => new Promise((resolve) => waiting.push(() => resolve(answer())))
  return {
    store,
    deps: {
      getTenant: (tenantId: string) => later(() => ({ passwordPolicy: store[tenantId] ?? 'random' })),
      listTenants: () => later(() => Object.entries(store).map(([tenantId, policy]) => tenantOf(tenantId, policy))),
    },
    /** Answers every read asked so far. */
    release: () => waiting.splice(0).forEach((answer) => answer()),
  }
}

test('a read that started before a tenant was written through this process never overwrites the write', async (t) => {
  const slow = slowStore({ acme: 'static', beta: 'static' })
  const policies = new TenantPolicies(slow.deps)
  const missing = policies.readMissing(['acme'])
  const refresh = policies.refresh()
  policies.written({ tenantId: 'acme', passwordPolicy: 'random' })
  slow.release()
  await Promise.all([missing, refresh])
  t.is(policies.policyOf('acme'), 'random', 'the write wins over the older reads')
  t.is(policies.policyOf('beta'), 'static')
})

test('refresh follows policies changed and tenants deleted elsewhere; only a miss is read', async (t) => {
  const slow = slowStore({ acme: 'static' })
  const policies = new TenantPolicies(slow.deps)
  const first = policies.refresh()
  slow.release()
  await first
  slow.store.acme = 'random'
  slow.store.beta = 'static'
  await policies.readMissing(['acme']) // known: nothing to read (no release needed)
  t.is(policies.policyOf('acme'), 'static')
  const miss = policies.readMissing(['beta'])
  slow.release()
  await miss
  t.is(policies.policyOf('beta'), 'static')
  delete slow.store.beta
  const again = policies.refresh()
  slow.release()
  await again
  t.is(policies.policyOf('acme'), 'random')
  t.is(policies.policyOf('beta'), undefined)
})
