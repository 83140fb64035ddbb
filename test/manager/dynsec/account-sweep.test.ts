import test from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { sweepAccounts } from '../../../manager/dynsec/account-sweep.ts'
import { createDynsecAccounts } from '../../../manager/dynsec/broker-accounts.ts'
import type { Host, HostPage, HostPageRequest } from '../../../manager/inventory/port.ts'
import { FakeDynsec } from './fake-dynsec.ts'

/** Inventory's paging, one host per page (so the sweep must follow the cursor). */
const inventoryOf = (keys: Array<{ tenantId: string; hostId: string }>) => ({
  listHosts: (request?: HostPageRequest): Promise<HostPage> => {
    const index = request?.cursor === undefined ? 0 : Number(request.cursor)
    const host = keys[index]
    return Promise.resolve({
      hosts: host ? [host as Host] : [],
      nextCursor: index + 1 < keys.length ? String(index + 1) : null,
    })
  },
})

test('the sweep removes accounts of hosts not in Inventory, keeps the others and the manager, counts hosts without one', async (t) => {
  const dynsec = new FakeDynsec()
  const accounts = createDynsecAccounts(dynsec, { log: silentLogger() })
  dynsec.clients.set('amt-manager', { password: 'x', clientid: undefined, roles: [{ rolename: 'admin' }] })
  await accounts.putDevice({ tenantId: 'acme', hostId: 'kept' }, 'p1')
  await accounts.putDevice({ tenantId: 'acme', hostId: 'gone' }, 'p2')
  const inventory = inventoryOf([
    { tenantId: 'acme', hostId: 'kept' },
    { tenantId: 'acme', hostId: 'no-account' },
    { tenantId: 'beta', hostId: 'no-account' },
  ])
  t.deepEqual(await sweepAccounts({ accounts, inventory, log: silentLogger() }), { removed: 1, missing: 2 })
  t.deepEqual([...dynsec.clients.keys()].sort(), ['amt-manager', 'kept@acme'])
  t.false(dynsec.roles.has('amt-device:acme:gone'))
})
