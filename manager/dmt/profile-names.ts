import type { AmtControlMode } from '../../schemas/enums.ts'

/**
 * The RPS profile EMF creates per tenant and control mode: `<tenant>_ccm` / `<tenant>_acm`. Which profile a host
 * really activates with (it depends on whether RPS is managed and on the tenant's password policy) is decided by
 * `ActivationProfiles` (core/publish/activation-profile.ts), for MQTT and gRPC alike.
 */
export function profileNameOf(tenantId: string, controlMode: AmtControlMode): string {
  return `${tenantId}_${activationMode(controlMode) === 'ACM' ? 'acm' : 'ccm'}`
}

/** The control mode to activate in: ACM when asked, else CCM (the EMF default). */
export function activationMode(controlMode: AmtControlMode): 'ACM' | 'CCM' {
  return controlMode === 'ACM' ? 'ACM' : 'CCM'
}
