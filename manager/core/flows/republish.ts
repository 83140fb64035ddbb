import type { CoreContext } from '../context.ts'
import { keyOf } from '../host-book.ts'
import type { Host, HostKey } from '../../inventory/port.ts'
import { amtKnownOff, completeDeletion } from './deletion.ts'

const DEFAULT_SWEEP_PAGE_SIZE = 1000

export interface SweepResult {
  hosts: number
  desired: number
  /** False when a newer sweep started before this one finished (it stopped; the newer one covers everything). */
  completed: boolean
}

/**
 * The (re)connect sweep: Inventory is the truth and the broker's retained store only a cache, so after every
 * (re)connect the manager republishes `desired` (retained) and `status` of EVERY host, page by page, yielding
 * to the event loop between pages so the ingest keeps flowing. It also feeds the host cache and the activation
 * deadlines (after a restart they are known only from Inventory), and first reads every tenant's password policy
 * (tenants are few): the profile names of this and later desired are then known from memory (activation-profile.ts),
 * and a policy changed by another process is followed.
 *
 * A page may be older than a write made while the sweep runs: the cached host wins when it is newer, and the
 * desired publisher never sends an older generation after a newer one.
 *
 * A host pending deletion whose AMT is known off (its earlier removal failed, or the manager stopped in between)
 * is removed after the sweep: a restart or reconnect retries what a DELETE would.
 */
export interface SweepOptions {
  pageSize?: number
  /** Polled between pages: true stops this sweep (a newer one started). */
  superseded?: () => boolean
}

export async function republishAll(
  ctx: CoreContext,
  { pageSize = DEFAULT_SWEEP_PAGE_SIZE, superseded = () => false }: SweepOptions = {},
): Promise<SweepResult> {
  let hosts = 0
  let desired = 0
  let cursor: string | undefined
  const deletable: HostKey[] = []
  await followTenants(ctx)
  do {
    if (superseded()) return { hosts, desired, completed: false }
    const page = await ctx.book.inventory.listHosts({ limit: pageSize, ...(cursor ? { cursor } : {}) })
    for (const read of page.hosts) {
      const host = freshest(ctx, read)
      if (host.deletion === 'pending' && amtKnownOff(host)) deletable.push(keyOf(host))
      if (ctx.desired.publish(host)) desired++
      ctx.status.publish(host, { force: true })
      ctx.deadlines.track(host)
      hosts++
    }
    cursor = page.nextCursor ?? undefined
    if (cursor) await new Promise<void>((resolve) => setImmediate(resolve))
  } while (cursor)
  ctx.log.info({ hosts, desired }, 'desired and status republished from Inventory')
  for (const key of deletable)
    completeDeletion(ctx, key).catch((err: unknown) =>
      ctx.log.error({ err, ...key }, 'deletion could not be completed'),
    )
  return { hosts, desired, completed: true }
}

/** Every tenant's password policy read again; a failure is logged (a tenant not seen yet is then read on a miss). */
async function followTenants(ctx: CoreContext): Promise<void> {
  try {
    await ctx.profiles.refresh()
  } catch (err) {
    ctx.log.error({ err }, 'tenant password policies could not be read: a tenant not seen yet is read per host')
  }
}

function freshest(ctx: CoreContext, read: Host): Host {
  const cached = ctx.book.peek(read)
  if (cached === undefined) {
    ctx.book.offer(read)
    return read
  }
  // Same incarnation (a re-created host starts again at version 1) and at least as new: the cache wins.
  if (cached.createdAt === read.createdAt && cached.version >= read.version) return cached
  ctx.book.remember(read)
  return read
}
