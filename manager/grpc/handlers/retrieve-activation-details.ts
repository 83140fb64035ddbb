import type { PasswordAnswer } from '../../ports/provisioning.ts'
import type { Host, HostKey } from '../../inventory/port.ts'
import type { Caller } from '../auth.ts'
import { failedPrecondition, internal } from '../errors.ts'
import type { ActivationDetailsResponse, ActivationRequest, OperationType } from '../requests.ts'
import { hostOf, type BridgeContext } from './context.ts'

/**
 * RetrieveActivationDetails (writes nothing) → the host's desired state as an operation for the agent:
 *
 *   desired         current                    answer
 *   PROVISIONED     UNPROVISIONED/UNSPECIFIED  ACTIVATE, profile from ActivationProfiles (as `desired`: <tenant>_acm
 *                                              for control mode ACM else <tenant>_ccm; RPS managed + random policy:
 *                                              the host's own <hostId>@<tenant>_ccm|_acm),
 *                                              action_password = the host's AMT password
 *   UNPROVISIONED   PROVISIONED                DEACTIVATE with the password (old agents log and ignore it)
 *   anything else                              FAILED_PRECONDITION (nothing to do)
 *
 * The password comes from the AmtPasswordSource (the same port that answers MQTT secret/req); unavailable or
 * empty → INTERNAL. It is never logged.
 */
function operationOf(host: Pick<Host, 'desiredState' | 'currentState'>): OperationType | null {
  if (
    host.desiredState === 'PROVISIONED' &&
    (host.currentState === 'UNPROVISIONED' || host.currentState === 'UNSPECIFIED')
  )
    return 'ACTIVATE'
  if (host.desiredState === 'UNPROVISIONED' && host.currentState === 'PROVISIONED') return 'DEACTIVATE'
  return null
}

export async function retrieveActivationDetails(
  ctx: BridgeContext,
  caller: Caller,
  request: ActivationRequest,
): Promise<ActivationDetailsResponse> {
  const key: HostKey = { tenantId: caller.tenantId, hostId: request.host_id }
  const host = await hostOf(ctx, key)
  const operation = operationOf(host)
  if (operation === null)
    throw failedPrecondition(`nothing to do: desired ${host.desiredState}, current ${host.currentState}`)
  const password = await passwordOf(ctx, host, operation)
  ctx.log.debug(
    { tenantId: key.tenantId, hostId: key.hostId, operation, generation: host.desiredGeneration },
    'activation details sent',
  )
  const profileName = await ctx.profiles.resolve(host)
  return { host_id: request.host_id, operation, profile_name: profileName, action_password: password }
}

async function passwordOf(ctx: BridgeContext, host: Host, operation: OperationType): Promise<string> {
  const key = { tenantId: host.tenantId, hostId: host.hostId }
  const purpose = operation === 'ACTIVATE' ? 'activate' : 'deactivate'
  let answer: PasswordAnswer
  try {
    answer = await ctx.secrets.getAmtPassword(key, { purpose, generation: host.desiredGeneration })
  } catch (err) {
    ctx.log.error({ ...key, errName: err instanceof Error ? err.name : typeof err }, 'secret store failed')
    throw internal('the AMT password is not available')
  }
  if (!answer.ok) {
    ctx.log.error({ ...key, refused: answer.error }, 'AMT password refused by the secret store')
    throw internal('the AMT password is not available')
  }
  if (answer.password === '') throw internal('the AMT password is empty')
  return answer.password
}
