import type { ExecutionContext } from 'ava'
import { InventoryError, type InventoryErrorCode } from '../../manager/inventory/errors.ts'
import type { CreateHostInput, Host, Inventory } from '../../manager/inventory/port.ts'

/** Makes a fresh, empty Inventory for one test. */
export type InventoryFactory = () => Promise<Inventory>

export interface SuiteContext {
  label: string
  /** A fresh Inventory, closed in the test's teardown. */
  open: (t: ExecutionContext) => Promise<Inventory>
}

export function suiteContext(label: string, create: InventoryFactory): SuiteContext {
  return {
    label,
    open: async (t) => {
      const inventory = await create()
      t.teardown(() => inventory.close())
      return inventory
    },
  }
}

/** Asserts that the promise rejects with an InventoryError of this code; returns the error. */
export async function rejectsWith(
  t: ExecutionContext,
  promise: Promise<unknown>,
  code: InventoryErrorCode,
): Promise<InventoryError> {
  const err = await t.throwsAsync(promise, { instanceOf: InventoryError })
  t.is(err?.code, code)
  if (err === undefined || !(err instanceof InventoryError))
    throw new Error('unreachable: throwsAsync failed the test already')
  return err
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000)

/** Asserts `seconds` lies within [from, now], i.e. was written during the test step that started at `from`. */
export function assertWrittenSince(t: ExecutionContext, seconds: number, from: number): void {
  t.true(seconds >= from && seconds <= nowSeconds(), `timestamp ${seconds} not within [${from}, ${nowSeconds()}]`)
}

/** Creates the tenants and, in each, the hosts h-0 .. h-(count-1) in one batch. */
export async function seed(
  inventory: Inventory,
  tenants: readonly string[],
  count: number,
  extra: Partial<CreateHostInput> = {},
): Promise<Host[]> {
  for (const tenantId of tenants) await inventory.createTenant({ tenantId })
  const inputs = tenants.flatMap((tenantId) =>
    Array.from({ length: count }, (_, i) => ({ ...extra, tenantId, hostId: hostName(i) })),
  )
  return inventory.createHosts(inputs)
}

/** Zero-padded, so text order is numeric order. */
export const hostName = (i: number): string => `h-${String(i).padStart(4, '0')}`

export const keyOf = ({ tenantId, hostId }: { tenantId: string; hostId: string }) => ({ tenantId, hostId })
