import type { Host, HostKey, PasswordRotation } from '../../inventory/port.ts'
import type { CoreContext } from '../context.ts'
import { formatDuration } from '../publish/status-texts.ts'
import { afterWorkOf, ROTATION_TIMED_OUT, rotationSettlement, unfinishedRotation } from '../rotation-settlement.ts'
import type { RotationFinisher } from '../rotation-settle.ts'
import type { DeadlineKind } from './deadlines.ts'

/** The core's parts the rotation deadlines use, read when a deadline applies (they are built after the watch). */
export type RotationCore = () => { ctx: CoreContext; finisher: RotationFinisher }

/**
 * The rotation deadline (config deadlines.rotationMs, docs/credentials.md "Rotation"): a rotation still pending that
 * long after `requestedAt` (an agent older than rotation rejects a desired carrying `rotationId`; an agent offline
 * for days) fails with the reason `ROTATION_TIMED_OUT: no outcome from the agent within 15 min`, through the write
 * path (a new desired generation without `rotationId`, audit `password.rotation-failed`), then the previous
 * password is written back (rotation-settle.ts). An outcome stored meanwhile wins (same rotation id, still pending).
 */
export function rotationDeadline(core: RotationCore, rotationMs: number): DeadlineKind {
  return {
    name: 'rotation',
    dueOf: ({ rotation }) =>
      rotation?.state === 'pending'
        ? { token: rotation.id, dueMs: Date.parse(rotation.requestedAt) + rotationMs }
        : null,
    expire: async (key, rotationId) => {
      const { ctx, finisher } = core()
      const stored = await expireRotation(ctx, key, rotationId, rotationMs)
      // A failed revert is resumed by rotationResume (the write just tracked the host unfinished).
      if (stored !== null) await finisher.finish(key, stored)
    },
  }
}

async function expireRotation(
  ctx: CoreContext,
  key: HostKey,
  rotationId: string,
  rotationMs: number,
): Promise<PasswordRotation | null> {
  const reason = `${ROTATION_TIMED_OUT}: no outcome from the agent within ${formatDuration(rotationMs)}`
  let settlement: ReturnType<typeof rotationSettlement> | null = null
  const expire = (host: Host) => {
    const { rotation } = host
    if (rotation?.id !== rotationId || rotation.state !== 'pending') return null
    settlement = rotationSettlement({ ...host, rotation }, { confirmed: false, reason }, ctx.now())
    return settlement.patch
  }
  const audit = (hosts: readonly Host[]) => {
    const draft = settlement?.audit
    return draft === undefined
      ? []
      : hosts.map(({ tenantId, hostId }) => ({ tenantId, hostId, actor: 'manager', ...draft }))
  }
  const stored = await ctx.book.serial(() => ctx.writes.update(key, expire, { audit }))
  if (stored?.rotation?.id !== rotationId || stored.rotation.state !== 'failed') return null
  ctx.log.warn({ ...key, rotationId, rotationMs, generation: stored.desiredGeneration }, 'password rotation timed out')
  return stored.rotation
}

/**
 * Work after a settled rotation cut short by a restart (or a failed revert): a rotation that is failed and not
 * reverted, or confirmed (or failed, its new password restored since) with MPS's copy not recorded, is finished by
 * the lease holder (fed like every deadline: by the host writes and the start/reconnect sweep), once `graceMs` after
 * it settled (the process that settled it is on it meanwhile). A revert that fails again is retried at the next
 * check; the MPS copy retries on its own.
 */
export function rotationResume(core: RotationCore, graceMs: number): DeadlineKind {
  const tokenOf = (rotation: PasswordRotation) => `${rotation.id}:${rotation.state}:${afterWorkOf(rotation)}`
  return {
    name: 'rotation-finish',
    dueOf: ({ rotation }) =>
      unfinishedRotation(rotation)
        ? { token: tokenOf(rotation), dueMs: Date.parse(rotation.settledAt ?? '') + graceMs }
        : null,
    expire: async (key, token) => {
      const { ctx, finisher } = core()
      const rotation = (await ctx.book.fresh(key))?.rotation ?? null
      if (!unfinishedRotation(rotation) || tokenOf(rotation) !== token) return
      ctx.log.info({ ...key, rotationId: rotation.id, state: rotation.state }, 'finishing a settled password rotation')
      const work = finisher.finish(key, rotation)
      if (afterWorkOf(rotation) !== 'revert') {
        work.catch((err: unknown) => ctx.log.error({ err, ...key }, 'password rotation not finished'))
        return
      }
      if (!(await work)) throw new Error('the previous AMT password could not be written back')
    },
  }
}
