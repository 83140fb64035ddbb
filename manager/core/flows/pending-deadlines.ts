import type { HostFilter } from '../../inventory/port.ts'
import type { CoreContext } from '../context.ts'

const PAGE_SIZE = 1000

/**
 * With replicas (a shared lease), activations and password rotations are requested through every replica, so the
 * lease holder's memory alone does not know them all: before each deadline check it follows every host Inventory
 * shows ACTIVATING (the condition of a pending activation) and every host whose rotation is pending (the Inventory
 * filter `rotationPending`, along a partial index); deadlines.track keeps those with an open deadline. A rotation
 * asked on another replica is thus timed out at the holder's first check after its deadline. Returns how many hosts
 * were read.
 */
export async function followPendingDeadlines(ctx: CoreContext): Promise<number> {
  const activations = await followHosts(ctx, { condition: 'ACTIVATING' })
  return activations + (await followHosts(ctx, { rotationPending: true }))
}

async function followHosts(ctx: CoreContext, filter: HostFilter): Promise<number> {
  let read = 0
  let cursor: string | undefined
  do {
    const page = await ctx.book.inventory.listHosts({ ...filter, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) })
    for (const host of page.hosts) {
      // The cache takes the newer version (another replica wrote it): the expiry decides on the stored host, and a
      // stale cached one (this replica's own earlier write) would show no open deadline, so nothing would expire.
      ctx.book.offer(host)
      ctx.deadlines.track(host)
    }
    read += page.hosts.length
    cursor = page.nextCursor ?? undefined
  } while (cursor)
  return read
}
