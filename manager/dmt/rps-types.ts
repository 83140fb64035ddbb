import { z } from 'zod'

/**
 * RPS admin objects, with the JSON field names of RPS's REST API (../shared/reference/inventory-and-dmt.md).
 * Inputs carry secrets (passwords, the provisioning certificate); RPS never returns them, so records
 * (what a GET answers) do not have them. Records are parsed loosely: RPS adds fields (tenantId, tags...).
 */

/**
 * RPS's optimistic-concurrency token on every record (PostgreSQL's `xmin`: changes on every write). A replacement
 * (PATCH) must send the record's current one; a missing or stale one is answered 409 with the current record.
 */
export const RpsVersion = z.union([z.string(), z.number()])
export type RpsVersion = z.infer<typeof RpsVersion>
const version = RpsVersion.nullish()

/** 201 = FQDN, 3 = IPv4, 4 = IPv6. */
type ServerAddressFormat = 3 | 4 | 201

export interface CiraConfigInput {
  configName: string
  mpsServerAddress: string
  commonName: string
  mpsPort: number
  serverAddressFormat: ServerAddressFormat
  /** 2 = username/password. */
  authMethod: 1 | 2
  username: string
  /** The device's MPS password; absent: RPS generates one per device. */
  password?: string
  /** MPS root CA: the PEM body without header, footer and newlines. */
  mpsRootCertificate: string
  proxyDetails: string
}

export const CiraConfigRecord = z.looseObject({
  configName: z.string(),
  mpsServerAddress: z.string(),
  commonName: z.string().nullish(),
  mpsPort: z.number(),
  serverAddressFormat: z.number(),
  authMethod: z.number(),
  username: z.string(),
  mpsRootCertificate: z.string().nullish(),
  proxyDetails: z.string().nullish(),
  version,
})
export type CiraConfigRecord = z.infer<typeof CiraConfigRecord>

type Activation = 'ccmactivate' | 'acmactivate'
type UserConsent = 'None' | 'KVM' | 'All'

export interface ProfileInput {
  profileName: string
  activation: Activation
  ciraConfigName: string
  dhcpEnabled: boolean
  ipSyncEnabled: boolean
  kvmEnabled: boolean
  solEnabled: boolean
  /** Sent as EMF does; without `tlsMode` (we send none: TLS off) RPS stores null instead. */
  tlsSigningAuthority: 'SelfSigned'
  userConsent: UserConsent
  generateRandomPassword: boolean
  generateRandomMEBxPassword: boolean
  /** Set with the static policy (and with per-host profiles); omitted when generateRandomPassword. */
  amtPassword?: string
  mebxPassword?: string
}

export const ProfileRecord = z.looseObject({
  profileName: z.string(),
  activation: z.string(),
  ciraConfigName: z.string().nullish(),
  dhcpEnabled: z.boolean().nullish(),
  ipSyncEnabled: z.boolean().nullish(),
  kvmEnabled: z.boolean().nullish(),
  solEnabled: z.boolean().nullish(),
  tlsSigningAuthority: z.string().nullish(),
  userConsent: z.string().nullish(),
  generateRandomPassword: z.boolean().nullish(),
  generateRandomMEBxPassword: z.boolean().nullish(),
  /** Absent or null: TLS off, and RPS then stores `tlsSigningAuthority` null whatever was sent. */
  tlsMode: z.number().nullish(),
  version,
})
export type ProfileRecord = z.infer<typeof ProfileRecord>

/** An ACM domain: the provisioning certificate (.pfx, base64) for a DNS suffix. */
export interface DomainInput {
  profileName: string
  domainSuffix: string
  provisioningCert: string
  provisioningCertStorageFormat: 'string' | 'raw'
  provisioningCertPassword: string
}

export const DomainRecord = z.looseObject({
  profileName: z.string(),
  domainSuffix: z.string(),
  provisioningCertStorageFormat: z.string().nullish(),
  expirationDate: z.string().nullish(),
  version,
})
export type DomainRecord = z.infer<typeof DomainRecord>
