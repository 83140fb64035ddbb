import type { AmtControlMode } from '../../schemas/enums.ts'
import { activationMode, profileNameOf } from './profile-names.ts'
import type { HostKey, PasswordPolicy } from '../inventory/port.ts'
import { DmtError } from './errors.ts'
import type { ProfileSecret } from './ports.ts'
import type { CiraConfigInput, CiraConfigRecord, ProfileInput, ProfileRecord } from './rps-types.ts'

/**
 * What the manager keeps in RPS, as pure functions: names, the desired objects, and whether a stored record
 * matches them. RPS never returns passwords, so matching compares every other field we set.
 */

export type Mode = 'CCM' | 'ACM'
export const MODES: readonly Mode[] = ['CCM', 'ACM']

/** The tenant's CIRA config (and ACM domain) are named after the tenant, as EMF does. */
export const ciraConfigNameOf = (tenantId: string): string => tenantId
export const domainNameOf = (tenantId: string): string => tenantId

/** Static policy: `<tenant>_ccm` / `<tenant>_acm` (the names `desired` and the gRPC bridge announce). */
export const tenantProfileNameOf = (tenantId: string, mode: Mode): string => profileNameOf(tenantId, mode)

/**
 * Random policy: one profile per host carrying that host's password, `<hostId>@<tenantId>_ccm|_acm`. `@` never
 * occurs in ids (and is allowed by RPS), so the name is unique across tenants, like the device MQTT username.
 */
export const hostProfileNameOf = ({ tenantId, hostId }: HostKey, mode: Mode): string =>
  `${hostId}@${tenantId}_${mode === 'ACM' ? 'acm' : 'ccm'}`

/**
 * The profile a host activates with when RPS is managed: the tenant's (static policy) or its own (random policy).
 * `desired.profileName` and the gRPC bridge's `profile_name` must use it (docs/dmt.md).
 */
export function activationProfileNameOf(policy: PasswordPolicy, key: HostKey, controlMode: AmtControlMode): string {
  const mode = activationMode(controlMode)
  return policy === 'random' ? hostProfileNameOf(key, mode) : tenantProfileNameOf(key.tenantId, mode)
}

/** True for a per-host profile of the tenant (by name). */
export const isHostProfileOf = (name: string, tenantId: string): boolean =>
  MODES.some((mode) => name.endsWith(`@${tenantProfileNameOf(tenantId, mode)}`))

/** RPS accepts only [A-Za-z0-9_-] in CIRA config and domain names; our ids may contain dots. */
export function assertRpsTenantId(tenantId: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(tenantId)) {
    throw new DmtError(
      'DMT_INVALID',
      `tenant id ${tenantId} cannot name an RPS CIRA config (RPS allows letters, digits, _ and - only)`,
    )
  }
}

export interface CiraSettings {
  /** FQDN or IPv4 the devices connect to. */
  publicAddress: string
  port: number
  username: string
  /** Absent: RPS generates an MPS password per device. */
  ciraPassword?: string
}

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/

export function ciraConfigFor(tenantId: string, settings: CiraSettings, mpsRootCertificate: string): CiraConfigInput {
  return {
    configName: ciraConfigNameOf(tenantId),
    mpsServerAddress: settings.publicAddress,
    commonName: settings.publicAddress,
    mpsPort: settings.port,
    serverAddressFormat: IPV4.test(settings.publicAddress) ? 3 : 201,
    authMethod: 2,
    username: settings.username,
    ...(settings.ciraPassword === undefined ? {} : { password: settings.ciraPassword }),
    mpsRootCertificate,
    proxyDetails: '',
  }
}

/** CCM: userConsent All (RPS requires it); ACM: None. MEBx gets its own password when one is stored, else AMT's. */
export function profileFor(
  profileName: string,
  mode: Mode,
  ciraConfigName: string,
  secret: ProfileSecret,
): ProfileInput {
  return {
    profileName,
    activation: mode === 'ACM' ? 'acmactivate' : 'ccmactivate',
    ciraConfigName,
    dhcpEnabled: true,
    ipSyncEnabled: false,
    kvmEnabled: true,
    solEnabled: true,
    tlsSigningAuthority: 'SelfSigned',
    userConsent: mode === 'ACM' ? 'None' : 'All',
    generateRandomPassword: false,
    generateRandomMEBxPassword: false,
    amtPassword: secret.password,
    mebxPassword: secret.mebxPassword ?? secret.password,
  }
}

export function ciraConfigMatches(record: CiraConfigRecord, wanted: CiraConfigInput): boolean {
  return (
    record.mpsServerAddress === wanted.mpsServerAddress &&
    (record.commonName ?? '') === wanted.commonName &&
    record.mpsPort === wanted.mpsPort &&
    record.serverAddressFormat === wanted.serverAddressFormat &&
    record.authMethod === wanted.authMethod &&
    record.username === wanted.username &&
    (record.mpsRootCertificate ?? '') === wanted.mpsRootCertificate &&
    (record.proxyDetails ?? '') === wanted.proxyDetails
  )
}

/** The profile fields RPS keeps, normalised: absent = null = the default; no `tlsMode` keeps no TLS authority. */
type ProfileFields = Pick<
  ProfileRecord,
  | 'activation'
  | 'ciraConfigName'
  | 'dhcpEnabled'
  | 'ipSyncEnabled'
  | 'kvmEnabled'
  | 'solEnabled'
  | 'tlsMode'
  | 'tlsSigningAuthority'
  | 'userConsent'
  | 'generateRandomPassword'
  | 'generateRandomMEBxPassword'
>

function profileView(profile: ProfileFields): Record<string, unknown> {
  const tlsMode = profile.tlsMode ?? null
  return {
    activation: profile.activation,
    ciraConfigName: (profile.ciraConfigName ?? '').toLowerCase(),
    dhcpEnabled: profile.dhcpEnabled ?? false,
    ipSyncEnabled: profile.ipSyncEnabled ?? false,
    kvmEnabled: profile.kvmEnabled ?? false,
    solEnabled: profile.solEnabled ?? false,
    tlsMode,
    tlsSigningAuthority: tlsMode === null ? null : (profile.tlsSigningAuthority ?? null),
    userConsent: profile.userConsent ?? null,
    generateRandomPassword: profile.generateRandomPassword ?? false,
    generateRandomMEBxPassword: profile.generateRandomMEBxPassword ?? false,
  }
}

export function profileMatches(record: ProfileRecord, wanted: ProfileInput): boolean {
  const stored = profileView(record)
  return Object.entries(profileView(wanted)).every(([field, value]) => stored[field] === value)
}
