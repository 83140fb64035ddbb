import { isValidId } from '../../../schemas/ids.ts'
import type { CoreContext } from '../context.ts'
import { DomainError } from '../errors.ts'
import { NotFoundError } from '../../inventory/errors.ts'
import { MAX_PAGE_SIZE, type Host, type HostKey, type HostPatch, type HostSelector } from '../../inventory/port.ts'

/** What a user asks for: the AMT state, and optionally the control mode and DNS suffix (ACM). */
export interface DesiredRequest {
  state: 'PROVISIONED' | 'UNPROVISIONED'
  controlMode?: 'ACM' | 'CCM'
  dnsSuffix?: string
  /** With UNPROVISIONED only: an operator's force to deactivate locally when RPS cannot (desired.localDeactivation). */
  localDeactivation?: boolean
}

const DNS_SUFFIX_MAX = 255

/** Hosts prepared, written and published together: the first desired goes out while later ones are prepared. */
export const DESIRED_CHUNK = 500

/**
 * setDesired as named steps: validate → select hosts (explicit keys: one Inventory read) → guard deletions, then
 * per chunk of DESIRED_CHUNK hosts: prepare provisioning (passwords, RPS profiles, MPS devices; outside the write
 * queue) → in the write queue, the write path (host-write-path.ts): write Inventory (desired generation + 1 per host,
 * one transaction; activationRequestedAt = now for PROVISIONED) with its audit and, in the same transaction, the
 * re-check of the hosts as written (a deletion requested meanwhile, here or on another replica, rolls the chunk
 * back) → publish desired (retained, QoS 1) and status. The hosts are written as selected, each guarded by the
 * version it was read at: only a host changed since (or gone) is read again in the write's transaction.
 * The profile names `desired` carries are known without a step here (activation-profile.ts).
 * Chunks pipeline a large bulk request: agents of the first chunk activate while the next is prepared (a
 * 10 000-host wave would otherwise wait seconds for 10 000 password writes before the first desired), and chunk
 * k + 1 is prepared while chunk k waits for the write queue and is written.
 * A preparation failure stops at that chunk: nothing of it or later chunks is written (the chunk before it is);
 * the error says how many hosts got their desired before it (a repeat of the request converges; a repeat is only
 * a new generation). A write that fails leaves the next chunk prepared, never written.
 *
 * The status text is NOT changed here: it stays what the agent last reported until the agent reports on the
 * new generation ("AMT Activation In Progress" comes from its ACTIVATING), so the status never claims progress
 * nobody makes. The activation deadline starts now: no report within it → ERROR.
 */
export async function setDesired(
  ctx: CoreContext,
  selector: HostSelector,
  request: DesiredRequest,
  actor: string,
): Promise<Host[]> {
  validate(request)
  const selected = await selectHosts(ctx, selector)
  if (selected.length === 0) return []
  guardDeletions(selected, request)
  const chunks: Host[][] = []
  for (let start = 0; start < selected.length; start += DESIRED_CHUNK)
    chunks.push(selected.slice(start, start + DESIRED_CHUNK))
  // Outside the serial queue: preparation may call RPS and the secret store, and must not stall the ingest. The
  // next chunk is prepared while this one waits for the queue and is written.
  const prepared = (chunk: Host[] | undefined): Promise<unknown> =>
    request.state !== 'PROVISIONED' || chunk === undefined ? Promise.resolve(null) : prepareSettled(ctx, chunk)
  const stored: Host[] = []
  let preparing = prepared(chunks[0])
  for (const [index, chunk] of chunks.entries()) {
    const failure = await preparing
    if (failure !== null) throw preparationFailed(failure, { done: stored.length, total: selected.length })
    preparing = prepared(chunks[index + 1])
    stored.push(...(await writeChunk(ctx, chunk, request, actor)))
  }
  ctx.log.info({ state: request.state, hosts: stored.length, actor }, 'desired state set')
  return stored
}

/**
 * In the write queue, the write path: one transaction, audit, every desired and status published. The re-check is
 * part of the transaction: the chunk's hosts are written as selected, guarded by their versions (a host changed
 * since is read again there), the deletion guard runs on the hosts as written (a throw there rolls the chunk back),
 * and a host gone is the Inventory's NotFound — no separate read of the chunk first.
 */
function writeChunk(ctx: CoreContext, chunk: readonly Host[], request: DesiredRequest, actor: string): Promise<Host[]> {
  return ctx.book.serial(async () => {
    const audit = (stored: readonly Host[]) => {
      guardDeletions(stored, request)
      return stored.map((host) => ({
        tenantId: host.tenantId,
        hostId: host.hostId,
        kind: 'desired.set',
        actor,
        detail: {
          state: host.desiredState,
          generation: host.desiredGeneration,
          controlMode: host.controlMode,
          dnsSuffix: host.dnsSuffix,
          ...(host.localDeactivation ? { localDeactivation: true } : {}),
        },
      }))
    }
    return ctx.writes.setDesired({ hosts: chunk }, patchOf(request, ctx.now()), { audit }).catch((err: unknown) => {
      // A host gone meanwhile (another replica deleted it) leaves the cache too, as a fresh read would have.
      const index = err instanceof NotFoundError ? err.details.index : undefined
      const gone = typeof index === 'number' ? chunk[index] : undefined
      if (gone !== undefined) ctx.book.forget(gone)
      throw err
    })
  })
}

function validate({ state, controlMode, dnsSuffix, localDeactivation }: DesiredRequest): void {
  if (state !== 'PROVISIONED' && state !== 'UNPROVISIONED')
    throw new DomainError('DESIRED_INVALID', 'state must be PROVISIONED or UNPROVISIONED')
  if (localDeactivation === true && state !== 'UNPROVISIONED') {
    throw new DomainError('DESIRED_INVALID', 'localDeactivation goes with UNPROVISIONED only')
  }
  if (controlMode !== undefined && controlMode !== 'ACM' && controlMode !== 'CCM')
    throw new DomainError('DESIRED_INVALID', 'controlMode must be ACM or CCM')
  if (dnsSuffix !== undefined && (typeof dnsSuffix !== 'string' || dnsSuffix.length > DNS_SUFFIX_MAX)) {
    throw new DomainError('DESIRED_INVALID', `dnsSuffix must be at most ${DNS_SUFFIX_MAX} characters`)
  }
}

function patchOf({ state, controlMode, dnsSuffix, localDeactivation }: DesiredRequest, now: Date): HostPatch {
  return {
    desiredState: state,
    localDeactivation: localDeactivation === true,
    ...(controlMode !== undefined ? { controlMode } : {}),
    ...(dnsSuffix !== undefined ? { dnsSuffix } : {}),
    activationRequestedAt: state === 'PROVISIONED' ? now.toISOString() : null,
  }
}

/** The hosts read for these keys (one Inventory call); NotFound names the position of the first missing one. */
function existing(keys: readonly HostKey[], found: readonly (Host | null)[]): Host[] {
  return keys.map((key, index) => {
    const host = found[index] ?? null
    if (host === null) throw new NotFoundError('host', { tenantId: key.tenantId, hostId: key.hostId }).at(index)
    return host
  })
}

/** The hosts a selector names: explicit keys (every one must exist) or all matching a filter. */
async function selectHosts(ctx: CoreContext, selector: HostSelector): Promise<Host[]> {
  if ('keys' in selector) {
    // The keys before the first invalid one are looked up first: a missing host before it is the error.
    const invalid = selector.keys.findIndex((key) => !isValidId(key.tenantId) || !isValidId(key.hostId))
    const valid = invalid === -1 ? selector.keys : selector.keys.slice(0, invalid)
    const found = existing(valid, await ctx.book.freshMany(valid))
    if (invalid !== -1) throw new DomainError('DESIRED_INVALID', `host key ${invalid} is not valid`)
    return [...new Map(found.map((host) => [`${host.tenantId}/${host.hostId}`, host])).values()]
  }
  const hosts: Host[] = []
  let cursor: string | undefined
  do {
    const page = await ctx.book.inventory.listHosts({
      ...selector.filter,
      limit: MAX_PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    })
    hosts.push(...page.hosts)
    cursor = page.nextCursor ?? undefined
  } while (cursor)
  return hosts
}

function guardDeletions(hosts: readonly Host[], request: DesiredRequest): void {
  if (request.state !== 'PROVISIONED') return
  const deleting = hosts.find((host) => host.deletion === 'pending')
  if (deleting) {
    throw new DomainError(
      'DESIRED_HOST_DELETING',
      `host ${deleting.tenantId}/${deleting.hostId} is being deleted; it cannot be activated`,
    )
  }
}

/** The chunk's preparation: resolves null when done, or with what it failed with (never rejects: it runs ahead). */
function prepareSettled(ctx: CoreContext, hosts: readonly Host[]): Promise<unknown> {
  return ctx.preparer.prepare(hosts).then(
    () => null,
    (err: unknown) => err ?? new Error('preparation failed'),
  )
}

function preparationFailed(err: unknown, progress: { done: number; total: number }): DomainError {
  const reason = err instanceof Error ? err.message : String(err)
  const partly =
    progress.done === 0
      ? ''
      : `; desired was set for ${progress.done} of ${progress.total} hosts before this failure (repeat the request for the rest)`
  return new DomainError('PREPARATION_FAILED', `provisioning could not be prepared: ${reason}${partly}`, {
    cause: err,
  })
}
