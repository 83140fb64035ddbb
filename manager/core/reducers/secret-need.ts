import type { SecretRequestFacts } from '../facts.ts'
import type { Host } from '../../inventory/port.ts'
import { pendingRotation } from '../publish/desired-payload.ts'

/** The non-retryable code of a secret/res refusal: no operation of the host needs its AMT password now. */
export const SECRET_NOT_NEEDED = 'SECRET_NOT_NEEDED'

/**
 * Whether an operation of the host needs its AMT password now (issue #12): a device gets it only then, never at
 * any time it asks. Allowed, as the agent asks (agent/reconcile/act.ts):
 * - `deactivate` while desired is UNPROVISIONED (a deactivation or a deletion) and not yet done at the desired
 *   generation; a request of an earlier generation is still a deactivation the user wants;
 * - `deactivate` while desired is PROVISIONED: the agent's recovery of AMT stuck connecting, which reports
 *   DEACTIVATING for exactly the desired generation before it asks;
 * - `activate` while desired is PROVISIONED at that generation and not yet provisioned at it;
 * - `rotate` while a password rotation is pending at exactly that generation (docs/credentials.md "Rotation").
 * Returns null when allowed, else why not (sent to the device after the code; no secret in it).
 */
export function secretRefusal(host: Host, request: Pick<SecretRequestFacts, 'purpose' | 'generation'>): string | null {
  const { purpose, generation } = request
  const desired = `desired ${host.desiredState} at generation ${host.desiredGeneration}`
  if (generation > host.desiredGeneration) return `generation ${generation} was never asked for (${desired})`
  if (purpose === 'rotate') {
    const pending = pendingRotation(host) && host.rotation.generation === generation
    return pending ? null : `no password rotation is pending at generation ${generation} (${desired})`
  }
  const doneAt = (phase: Host['phase']) => host.phase === phase && host.observedGeneration >= host.desiredGeneration
  if (purpose === 'deactivate' && host.desiredState === 'UNPROVISIONED') {
    return doneAt('UNPROVISIONED') ? `the deactivation is done (${desired})` : null
  }
  if (host.desiredState !== 'PROVISIONED' || generation !== host.desiredGeneration)
    return `no ${purpose} is asked for (${desired})`
  if (purpose === 'activate') return doneAt('PROVISIONED') ? `the activation is done (${desired})` : null
  const recovering = host.phase === 'DEACTIVATING' && host.observedGeneration === generation
  return recovering
    ? null
    : `no deactivation is asked for and none is under way (${desired}, phase ${host.phase ?? 'unknown'})`
}
