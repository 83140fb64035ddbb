import type { PeerCertificate } from 'node:tls'
import { MemoryCredentialStore, type CredentialEntry, type CredentialStore } from '../../broker/auth/credentials.ts'
import { DecoyHashes, usernameKind } from '../../broker/auth/decoy-hashes.ts'
import { readCredentialFile } from '../../broker/auth/file-credential-store.ts'
import { KdfLanes } from '../../broker/auth/kdf-lanes.ts'
import {
  decodeHash,
  hashPassword,
  hashRandomSecret,
  RANDOM_SECRET_SCHEME,
  type HashScheme,
  type PasswordVerifier,
  type ScryptParams,
} from '../../broker/auth/password-hash.ts'
import { principalOf, type Principal } from '../../broker/auth/principal.ts'
import type { Logger } from '../../lib/log.ts'
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
 * How device password hashes are made (registration, and the decoy check of unknown device usernames): the keyed
 * digest (HMAC-SHA-256, password-hash.ts). Device passwords are 192 random bits made by the manager, never chosen by
 * a person: key stretching adds nothing against guessing them (as for API tokens, api-token.ts), while the broker
 * pays the hash on EVERY connect — scrypt 2^10 cost ~1 ms of CPU on libuv's pool per login, ~10 s of CPU when 10 000
 * devices reconnect after a restart, on the cores the broker needs (docs/benchmarks.md, connection storm).
 * Hashes stored before (scrypt 2^10 or any other parameters) keep working: each hash carries its scheme; a device
 * whose scrypt hash matched is upgraded to the digest at once (compare-and-set, so a credential rewritten meanwhile
 * is left alone).
 */
export const DEVICE_HASH_SCHEME: HashScheme = RANDOM_SECRET_SCHEME

export interface BrokerCredentialsOptions {
  inventory: Pick<Inventory, 'getCredentialByUsername' | 'replaceCredentialHash'>
  /** Absent: no MQTT principal for the manager (its name stays reserved). */
  manager?: { username: string; password: string }
  /** Read-only principals (role integrator). */
  integrators?: readonly CredentialEntry[]
  /** How hashes are checked; default: one KdfLanes for every principal (broker/auth/kdf-lanes.ts). */
  verify?: PasswordVerifier
  /** Where a failed hash upgrade is reported (the login itself succeeded). */
  log?: Pick<Logger, 'warn'>
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
  return new InventoryCredentialStore({ inventory: options.inventory, local, localNames, verify, log: options.log })
}

interface InventoryCredentialStoreParts {
  inventory: BrokerCredentialsOptions['inventory']
  local: MemoryCredentialStore
  localNames: ReadonlySet<string>
  verify: PasswordVerifier
  log: Pick<Logger, 'warn'> | undefined
}

class InventoryCredentialStore implements BrokerPrincipals {
  readonly #parts: InventoryCredentialStoreParts
  /** Only device-shaped unknown names use it; other unknown names get the local store's decoy (integrator cost). */
  readonly #deviceDecoys = new DecoyHashes({ device: DEVICE_HASH_SCHEME, other: DEVICE_HASH_SCHEME })

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
    if (hash.scheme !== DEVICE_HASH_SCHEME.scheme) this.#upgrade(username, stored.passwordHash, password)
    return principalOf(username, { role: 'device', tenantId: stored.tenantId, hostId: stored.hostId })
  }

  /** Rewrites a matched older hash as the digest (in the background: the login does not wait for the write). */
  #upgrade(username: string, storedHash: string, password: Buffer | string): void {
    const { inventory, log } = this.#parts
    inventory.replaceCredentialHash(username, storedHash, hashRandomSecret(password)).catch((err: unknown) => {
      log?.warn({ err, username }, 'device password hash not upgraded (the next login tries again)')
    })
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
