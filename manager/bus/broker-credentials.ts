import type { PeerCertificate } from 'node:tls'
import { MemoryCredentialStore, type CredentialEntry, type CredentialStore } from '../../broker/auth/credentials.ts'
import { DecoyHashes, usernameKind } from '../../broker/auth/decoy-hashes.ts'
import { readCredentialFile } from '../../broker/auth/file-credential-store.ts'
import { KdfLanes } from '../../broker/auth/kdf-lanes.ts'
import { decodeHash, hashPassword, type PasswordVerifier, type ScryptParams } from '../../broker/auth/password-hash.ts'
import { principalOf, type Principal } from '../../broker/auth/principal.ts'
import type { Inventory } from '../inventory/port.ts'

/**
 * Who may connect to the embedded broker:
 * - devices: the credentials in Inventory (`putCredential`, made when a host is registered; username
 *   `<hostId>@<tenantId>`), so a registered host can connect at once and a deleted one no more;
 * - the manager itself, only when it connects over MQTT (the manager process attaches to it in process and needs
 *   none): one principal with a random password that exists only in this process's memory;
 * - integrators (read-only): from an optional broker credentials file (broker/README.md format, role integrator).
 * Device certificates (mTLS) map as in the standalone broker (urn:amt:{tenantId}:{hostId}).
 */
export const MANAGER_USERNAME = 'amt-manager'

/** The manager's own password is 192 random bits: a cheap hash is enough (it never leaves the process). */
const IN_PROCESS_SCRYPT: ScryptParams = { logN: 10, r: 8, p: 1 }

/**
 * Cost of device password hashes (registration, rotation, and the decoy check of unknown usernames). Device
 * passwords are 192 random bits made by the manager, never chosen by a person: key stretching adds nothing
 * against guessing them (as for API tokens, api-token.ts), while the broker pays the hash on EVERY connect. At
 * scrypt's OWASP default (2^15, ~40 ms of CPU here) 10 000 devices reconnecting after a restart cost ~6 min of
 * CPU; at 2^10 (the lowest the hash format accepts) ~1 ms each (docs/benchmarks.md, connection storm).
 * Hashes stored with other parameters keep working: each hash carries its own.
 */
export const DEVICE_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ logN: 10, r: 8, p: 1 })

export interface BrokerCredentialsOptions {
  inventory: Pick<Inventory, 'getCredentialByUsername'>
  /** Absent: no MQTT principal for the manager (its name stays reserved). */
  manager?: { username: string; password: string }
  /** Read-only principals (role integrator). */
  integrators?: readonly CredentialEntry[]
  /** How hashes are checked; default: one KdfLanes for every principal (broker/auth/kdf-lanes.ts). */
  verify?: PasswordVerifier
}

/**
 * The credential store, and who a username is without its password: a broker that authenticated the connection
 * itself asks only for the principal when it authorizes (the manager's HTTP endpoint for external brokers,
 * manager/api/broker-auth/). Null for a name that is neither a registered device nor a local principal.
 */
export interface BrokerPrincipals extends CredentialStore {
  principalByUsername(username: string): Promise<Principal | null>
}

/** Builds the embedded broker's credential store. Throws a TypeError for an invalid integrator entry. */
export async function createBrokerCredentials(options: BrokerCredentialsOptions): Promise<BrokerPrincipals> {
  const verify = options.verify ?? new KdfLanes().verify
  const local = new MemoryCredentialStore({ scryptParams: IN_PROCESS_SCRYPT, verify })
  const localNames = new Set<string>()
  if (options.manager) {
    await local.add({
      username: options.manager.username,
      passwordHash: await hashPassword(options.manager.password, IN_PROCESS_SCRYPT),
      role: 'manager',
    })
    localNames.add(options.manager.username)
  }
  for (const entry of options.integrators ?? []) {
    const problem = integratorProblem(entry, options.manager?.username ?? MANAGER_USERNAME)
    if (problem) throw new TypeError(problem)
    await local.add(entry)
    localNames.add(entry.username)
  }
  return new InventoryCredentialStore({ inventory: options.inventory, local, localNames, verify })
}

interface InventoryCredentialStoreParts {
  inventory: BrokerCredentialsOptions['inventory']
  local: MemoryCredentialStore
  localNames: ReadonlySet<string>
  verify: PasswordVerifier
}

class InventoryCredentialStore implements BrokerPrincipals {
  readonly #parts: InventoryCredentialStoreParts
  /** Only device-shaped unknown names use it; other unknown names get the local store's decoy (integrator cost). */
  readonly #deviceDecoys = new DecoyHashes({ device: DEVICE_SCRYPT_PARAMS, other: DEVICE_SCRYPT_PARAMS })

  constructor(parts: InventoryCredentialStoreParts) {
    this.#parts = parts
  }

  async verifyPassword(username: string, password: Buffer | string): Promise<Principal | null> {
    const { inventory, local, localNames, verify } = this.#parts
    if (localNames.has(username)) return local.verifyPassword(username, password)
    const stored = await inventory.getCredentialByUsername(username)
    const hash = stored === null ? null : decodeHash(stored.passwordHash)
    // An unknown user (or an unreadable hash) costs the same scrypt work as a known one of the kind its name looks
    // like: a device (`<hostId>@<tenantId>`, cheap hashes) or an integrator (the local store's decoy, its cost).
    if (hash === null && usernameKind(username) === 'other')
      return local.verifyPassword(username, password).then(() => null)
    const matches = await verify(hash ?? (await this.#deviceDecoys.forUsername(username)), password)
    if (stored === null || hash === null || !matches) return null
    return principalOf(username, { role: 'device', tenantId: stored.tenantId, hostId: stored.hostId })
  }

  principalForCertificate(cert: PeerCertificate): Principal | null {
    return this.#parts.local.principalForCertificate(cert)
  }

  async principalByUsername(username: string): Promise<Principal | null> {
    const { inventory, local, localNames } = this.#parts
    if (localNames.has(username)) return local.principalByUsername(username)
    const stored = await inventory.getCredentialByUsername(username)
    if (stored === null) return null
    return principalOf(username, { role: 'device', tenantId: stored.tenantId, hostId: stored.hostId })
  }
}

function integratorProblem(entry: CredentialEntry, managerUsername: string): string | null {
  if (entry.role !== 'integrator')
    return `${entry.username}: only integrator principals may be configured (devices come from Inventory)`
  if (entry.username === managerUsername) return `${entry.username}: reserved for the manager`
  if (entry.username.includes('@'))
    return `${entry.username}: "@" is reserved for device usernames (<hostId>@<tenantId>)`
  return null
}

export type IntegratorsLoad = { ok: true; entries: CredentialEntry[] } | { ok: false; problems: string[] }

/** Reads an integrators file (broker credentials format); every problem is reported, nothing throws. */
export async function loadIntegratorsFile(file: string, managerUsername = MANAGER_USERNAME): Promise<IntegratorsLoad> {
  const loaded = await readCredentialFile(file)
  if (!loaded.ok) return loaded
  const problems = loaded.entries.flatMap((entry, index) => {
    const problem = integratorProblem(entry, managerUsername)
    return problem === null ? [] : [`principals.${index}: ${problem}`]
  })
  return problems.length > 0 ? { ok: false, problems } : loaded
}
