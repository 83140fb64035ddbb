import type { HostKey } from '../inventory/port.ts'
import type {
  CiraConfigInput,
  CiraConfigRecord,
  DomainInput,
  DomainRecord,
  ProfileInput,
  ProfileRecord,
  RpsVersion,
} from './rps-types.ts'

/**
 * The manager's view of the Device Management Toolkit servers. One real adapter each (rps-client.ts,
 * mps-client.ts, REST over fetch); tests run them against the fake servers in test/fakes/, and both pass the one
 * conformance suite of their port (test/conformance/rps.ts, mps.ts). Failures are DmtErrors (errors.ts).
 *
 * Semantics: get → null when absent (404); delete → false when absent (404), true when deleted (204);
 * create → the stored record (201; an existing name is RPS_REJECTED, status 400 "Unique key violation");
 * update → PATCH with the record's `version`: `{ updated }` (200), or `{ conflict }` with the current record when
 * the version was stale (409); an absent record is RPS_REJECTED (404).
 */
export interface RpsPort {
  getCiraConfig(name: string): Promise<CiraConfigRecord | null>
  listCiraConfigs(): Promise<CiraConfigRecord[]>
  createCiraConfig(config: CiraConfigInput): Promise<CiraConfigRecord>
  updateCiraConfig(config: CiraConfigInput, version: RpsVersion | null | undefined): Promise<Replaced<CiraConfigRecord>>
  deleteCiraConfig(name: string): Promise<boolean>

  getProfile(name: string): Promise<ProfileRecord | null>
  listProfiles(): Promise<ProfileRecord[]>
  createProfile(profile: ProfileInput): Promise<ProfileRecord>
  updateProfile(profile: ProfileInput, version: RpsVersion | null | undefined): Promise<Replaced<ProfileRecord>>
  deleteProfile(name: string): Promise<boolean>

  getDomain(name: string): Promise<DomainRecord | null>
  listDomains(): Promise<DomainRecord[]>
  createDomain(domain: DomainInput): Promise<DomainRecord>
  updateDomain(domain: DomainInput, version: RpsVersion | null | undefined): Promise<Replaced<DomainRecord>>
  deleteDomain(name: string): Promise<boolean>
}

/** A replacement's outcome: the stored record, or (409: another writer came first) the current one. */
export type Replaced<R> = { updated: R } | { conflict: R }

/** A device as MPS knows it (the fields we send and read back). */
export interface MpsDevice {
  /** The AMT GUID (lower case UUID). */
  guid: string
  hostname: string
  friendlyName: string
  tags: string[]
  mpsusername: string
  tenantId: string
  dnsSuffix: string
  /** True while the device holds a CIRA connection to MPS. */
  connectionStatus: boolean
}

export type MpsDeviceInput = Omit<MpsDevice, 'connectionStatus'>

/**
 * MPS stores every device under an MPS tenant and shows it only to callers of that tenant: for a device of another
 * tenant `GET /api/v1/devices/{guid}` answers 204 with no body (MPS v2.34.1), neither the device nor 404.
 */
export const OTHER_TENANT = 'other-tenant'

export interface PowerActionAnswer {
  /** AMT's return value: 0 = SUCCESS. */
  returnValue: number
  /** e.g. "SUCCESS", "NOT_READY". */
  returnValueStr: string
}

/**
 * Power actions and state reads need the device connected to MPS over CIRA; otherwise MPS answers 404
 * (MPS_REJECTED "Device not found/connected").
 */
export interface MpsPort {
  /** MPS's root CA for CIRA, as RPS's CIRA config wants it: the PEM body without header, footer, newlines. */
  getCiraCertificate(): Promise<string>
  /** null: MPS does not know the device (404); OTHER_TENANT: it is stored under another MPS tenant (204). */
  getDevice(guid: string): Promise<MpsDevice | null | typeof OTHER_TENANT>
  /** Creates, or updates an existing device (MPS answers 201 / 200). */
  registerDevice(device: MpsDeviceInput): Promise<MpsDevice>
  /**
   * Removes the device and the secrets MPS keeps for it in Vault (`devices/<guid>`: the AMT, MEBx and MPS passwords
   * RPS wrote at activation); done also when MPS did not hold the device. MPS deletes the GUID's secrets even when
   * the device is stored under another MPS tenant (which keeps its device): check getDevice first.
   */
  deleteDevice(guid: string): Promise<void>
  /** The raw MPS power-state code (power.ts maps it). */
  getPowerState(guid: string): Promise<number>
  /** Never retried once sent (a reset must not run twice). */
  powerAction(guid: string, action: number): Promise<PowerActionAnswer>
  /** Deactivates AMT through MPS (200 = done). */
  deactivate(guid: string): Promise<void>
}

/** An AMT password and the MEBx password set with it (absent: the AMT password is used for MEBx too). */
export interface ProfileSecret {
  password: string
  mebxPassword?: string
}

/**
 * Where the profiles' passwords come from: the secret store (manager/secrets' SecretStore fits as it is). The
 * tenant's for the static policy, the host's own for the random policy — both stored by the secrets preparer,
 * which runs first (composePreparers). null: none stored (preparation fails with a clear reason).
 */
export interface ProfilePasswords {
  getTenantPassword(tenantId: string): Promise<ProfileSecret | null>
  getAmtPassword(key: HostKey): Promise<ProfileSecret | null>
}
