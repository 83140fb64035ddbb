import type { Logger } from '../../lib/log.ts'
import { deviceUsername } from '../../schemas/principals.ts'
import type { Inventory } from '../inventory/port.ts'
import type { BrokerAccounts } from './broker-accounts.ts'

export interface SweepResult {
  /** Accounts whose host is not in Inventory any more, removed now. */
  removed: number
  /** Hosts in Inventory without an account (they cannot connect; register them again). */
  missing: number
}

/**
 * Brings the broker's device accounts in line with Inventory as far as possible without passwords (run at start):
 * an account whose host is gone (a forced deletion while the broker was down, a crash between two steps) is
 * removed; a host without an account (registered before dynamic security was turned on) cannot get one without its
 * password, which only registration has: it is logged (warn) with the count, to be registered again.
 */
export async function sweepAccounts(deps: {
  accounts: BrokerAccounts
  inventory: Pick<Inventory, 'listHosts'>
  log: Logger
}): Promise<SweepResult> {
  const log = deps.log.child({ module: 'broker-accounts' })
  const onBroker = await deps.accounts.listDevices()
  const inInventory = new Set<string>()
  let cursor: string | null | undefined
  do {
    const page = await deps.inventory.listHosts({ limit: 1000, ...(cursor ? { cursor } : {}) })
    for (const host of page.hosts) inInventory.add(deviceUsername(host))
    cursor = page.nextCursor
  } while (cursor !== null)
  const accounts = new Set(onBroker.map((key) => deviceUsername(key)))
  let removed = 0
  for (const key of onBroker) {
    if (inInventory.has(deviceUsername(key))) continue
    await deps.accounts.removeDevice(key)
    removed++
  }
  const missing = [...inInventory].filter((username) => !accounts.has(username))
  if (missing.length > 0) {
    log.warn(
      { missing: missing.length, first: missing.slice(0, 10) },
      'hosts without a broker account cannot connect: register them again',
    )
  }
  log.info({ accounts: onBroker.length - removed, removed, missing: missing.length }, 'broker accounts swept')
  return { removed, missing: missing.length }
}
