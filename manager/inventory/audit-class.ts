import type { AuditClass } from './port.ts'

/**
 * Security-relevant audit kinds (issue #12): kept apart from device chatter and never evicted by it (retention
 * prunes `activity` by age and per-host count; `security` only by its own age limit, when one is set). A kind is
 * security when listed here or when it starts with one of the prefixes. Device-controlled kinds (`agent.*`, `state`)
 * never are: a device must not be able to grow the security class with its own messages (secret/req, the one device
 * message audited as security, has its own rate budget).
 */
const SECURITY_KINDS: readonly string[] = [
  'password.read', // the AMT password read through the API
  'password.requested', // a device's secret/req answered from the secret store
  'password.refused', // a device's secret/req refused: no operation needed it
  'password.restored', // a password candidate AMT accepted made current again (docs/credentials.md)
  'password.rotation-requested', // an AMT password rotation asked for (docs/credentials.md "Rotation")
  'password.rotated', // the agent confirmed it: the new password is current
  'password.rotation-failed', // the agent reported a failure: the previous password is made current again
  'password.rotation-reverted',
  'password.mps-copied', // a rotated (or restored) password written into MPS's copy (RPS's Vault device secret)
  'host.registered', // a device credential issued
  'host.deletion-requested',
  'host.deletion-failed',
  'host.deleted',
  'desired.set', // a user's desired-state change
  'power.action', // a user's power action through MPS
  'host.labels', // labels decide which group's AMT policy a host follows
  'host.policy-override',
]

const SECURITY_KIND_PREFIXES: readonly string[] = ['credential.', 'token.', 'role.', 'tenant.', 'amt.domain.', 'group.']

const exact = new Set(SECURITY_KINDS)

export function auditClassOf(kind: string): AuditClass {
  if (exact.has(kind) || SECURITY_KIND_PREFIXES.some((prefix) => kind.startsWith(prefix))) return 'security'
  return 'activity'
}
