import type { CoreContext } from '../context.ts'

const PAGE_SIZE = 1000

/**
 * With replicas (a shared lease), activations are requested through every replica, so the lease holder's memory
 * alone does not know them all: before each deadline check it follows every host Inventory shows ACTIVATING (the
 * condition of a pending activation; deadlines.track keeps those whose request is open). Returns how many were read.
 */
export async function followPendingActivations(ctx: CoreContext): Promise<number> {
  let read = 0
  let cursor: string | undefined
  do {
    const page = await ctx.book.inventory.listHosts({
      condition: 'ACTIVATING',
      limit: PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    })
    for (const host of page.hosts) ctx.deadlines.track(host)
    read += page.hosts.length
    cursor = page.nextCursor ?? undefined
  } while (cursor)
  return read
}
