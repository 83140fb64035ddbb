import { randomUUID } from 'node:crypto'
import { ROTATION_UNSUPPORTED_TEXT } from '../../../schemas/wire-rules.ts'
import { NotFoundError } from '../../inventory/errors.ts'
import type { Host, HostKey, PasswordRotation } from '../../inventory/port.ts'
import type { MpsPasswordCopy, PasswordRotator, StagedRotation } from '../../ports/provisioning.ts'
import type { CoreContext } from '../context.ts'
import { DomainError } from '../errors.ts'
import { pendingRotation } from '../publish/desired-payload.ts'

export interface RotationDeps {
  rotator: PasswordRotator
  mpsCopy: MpsPasswordCopy
}

const DOC = 'docs/credentials.md "Rotation"'

/**
 * An AMT password rotation of one host (docs/credentials.md "Rotation"), as named steps:
 *   check (the host provisioned, its agent on rpc v3, MPS's copy configured, none pending) → stage (the new password
 *   stored as the host's newest version, durably, outside the write queue) → in the write queue: record the
 *   rotation as pending with a new desired generation carrying its id (desired is published by the write path) →
 *   the agent asks secret/req purpose rotate, changes the password, and reports the outcome (settled by the events
 *   reducer). A failure to record it writes the previous password back (nothing was asked of the agent).
 */
export async function rotatePassword(
  ctx: CoreContext,
  deps: RotationDeps,
  key: HostKey,
  actor: string,
): Promise<{ host: Host; rotation: PasswordRotation }> {
  const found = await ctx.book.fresh(key)
  if (found === null) throw new NotFoundError('host', key)
  check(found, deps.mpsCopy)
  const staged = await deps.rotator.stage(key)
  if (staged === null)
    throw new DomainError('ROTATION_NOT_POSSIBLE', 'no AMT password is stored for this host: nothing to rotate')
  const id = randomUUID()
  try {
    const stored = await ctx.book.serial(() =>
      ctx.writes.update(
        key,
        (host) => {
          check(host, deps.mpsCopy)
          return { desiredState: host.desiredState, rotation: record(ctx, id, host, staged, actor) }
        },
        { audit: (hosts) => hosts.map((host) => requestedAudit(host, actor)) },
      ),
    )
    if (stored?.rotation?.id !== id) throw new NotFoundError('host', key)
    ctx.log.info({ ...key, rotationId: id, generation: stored.desiredGeneration, actor }, 'password rotation asked')
    return { host: stored, rotation: stored.rotation }
  } catch (err) {
    await deps.rotator.revert(key, staged.previous).catch((revertErr: unknown) => {
      ctx.log.error({ ...key, err: revertErr }, 'the staged rotation password could not be reverted')
    })
    throw err
  }
}

function check(host: Host, mpsCopy: MpsPasswordCopy): void {
  const which = `host ${host.tenantId}/${host.hostId}`
  if (host.deletion === 'pending') throw new DomainError('DESIRED_HOST_DELETING', `${which} is being deleted`)
  if (host.desiredState !== 'PROVISIONED' || host.currentState !== 'PROVISIONED')
    throw new DomainError('ROTATION_NOT_POSSIBLE', `${which} is not PROVISIONED: only an activated AMT has a password`)
  if (pendingRotation(host))
    throw new DomainError('ROTATION_NOT_POSSIBLE', `${which} has a rotation pending (${host.rotation.id})`)
  const line = host.capability?.rpc?.line
  if (line !== 'v3') {
    const seen = line === undefined ? 'its agent reports no rpc line' : 'its agent reports rpc v2'
    throw new DomainError('ROTATION_UNSUPPORTED', `${ROTATION_UNSUPPORTED_TEXT} (${which}: ${seen}; see ${DOC})`)
  }
  assertMpsCopyConfigured(mpsCopy)
}

/** ROTATION_MPS_COPY_UNCONFIGURED when an MPS is configured and rotation.mpsPasswordCopy is not (any rotation). */
export function assertMpsCopyConfigured(mpsCopy: Pick<MpsPasswordCopy, 'mode'>): void {
  if (mpsCopy.mode !== 'unconfigured') return
  throw new DomainError(
    'ROTATION_MPS_COPY_UNCONFIGURED',
    'an MPS is configured: set rotation.mpsPasswordCopy to vault (the manager writes the new password into ' +
      "RPS's Vault device secret, which MPS reads) or none (MPS does not use these devices) before rotating",
  )
}

function record(ctx: CoreContext, id: string, host: Host, staged: StagedRotation, actor: string): PasswordRotation {
  return {
    id,
    state: 'pending',
    generation: host.desiredGeneration + 1,
    previous: staged.previous,
    newVersion: staged.newVersion,
    actor,
    requestedAt: ctx.now().toISOString(),
    settledAt: null,
    reason: null,
    mpsCopy: null,
  }
}

function requestedAudit(host: Host, actor: string) {
  const rotation = host.rotation
  return {
    tenantId: host.tenantId,
    hostId: host.hostId,
    kind: 'password.rotation-requested',
    actor,
    detail: {
      rotationId: rotation?.id ?? null,
      generation: host.desiredGeneration,
      newVersion: rotation?.newVersion ?? null,
    },
  }
}
