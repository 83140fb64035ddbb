import type { PeerCertificate } from 'node:tls'
import { deviceIdentityFromCertificate, deviceUri } from './certificate-identity.ts'
import { CredentialTable } from './credential-table.ts'
import { DecoyHashes } from './decoy-hashes.ts'
import { KdfLanes } from './kdf-lanes.ts'
import { DEFAULT_SCRYPT_PARAMS, hashPassword, type PasswordVerifier, type ScryptParams } from './password-hash.ts'
import { PrincipalScope, type Principal } from './principal.ts'

export type { Principal } from './principal.ts'

/**
 * The credential port: the broker asks it who a username/password or a client certificate is.
 * Implementations: MemoryCredentialStore (tests, embedding), FileCredentialStore (YAML file); the manager's
 * Inventory later.
 */
export interface CredentialStore {
  /**
   * Null for an unknown user or a wrong password; both cost the same scrypt work (decoy-hashes.ts). May reject
   * with KdfBusyError (kdf-lanes.ts) when too many expensive checks are in progress.
   */
  verifyPassword(username: string, password: Buffer | string): Promise<Principal | null>
  /** Called only for certificates the TLS layer verified against the configured CA. */
  principalForCertificate(cert: PeerCertificate): Principal | null
}

export type CredentialEntry = { username: string; password?: string; passwordHash?: string } & PrincipalScope

export interface MemoryCredentialStoreOptions {
  /**
   * Cost of hashes made by `add({ password })`, and of the decoy check of unknown usernames of a kind (device-shaped
   * or not) while the store holds no hash of that kind; otherwise the decoy costs as much as the costliest one.
   */
  scryptParams?: ScryptParams
  /** How hashes are checked; default: a KdfLanes of its own (cheap and expensive lanes). */
  verify?: PasswordVerifier
}

export class MemoryCredentialStore implements CredentialStore {
  readonly #table = new CredentialTable()
  readonly #params: ScryptParams
  readonly #decoys: DecoyHashes
  readonly #verify: PasswordVerifier

  constructor(options: MemoryCredentialStoreOptions = {}) {
    this.#params = options.scryptParams ?? DEFAULT_SCRYPT_PARAMS
    const scheme = { scheme: 'scrypt', params: this.#params } as const
    this.#decoys = new DecoyHashes({ device: scheme, other: scheme })
    this.#verify = options.verify ?? new KdfLanes().verify
  }

  /** Adds or replaces a principal. Throws on an invalid entry (a programming or file error, not input). */
  async add(entry: CredentialEntry): Promise<void> {
    const { username, password, passwordHash, ...scope } = entry
    if (username.length === 0) throw new TypeError('username must not be empty')
    const parsedScope = PrincipalScope.parse(scope)
    const encoded = passwordHash ?? (password === undefined ? undefined : await hashPassword(password, this.#params))
    if (encoded === undefined) throw new TypeError(`credential ${username} needs password or passwordHash`)
    if (!this.addHash(username, parsedScope, encoded))
      throw new TypeError(`credential ${username}: passwordHash is not a hash from amt-broker hash-password`)
  }

  /**
   * Adds or replaces a principal whose username and scope are already validated (a credentials file); false, and
   * nothing stored, when `passwordHash` is not a hash from `amt-broker hash-password`.
   */
  addHash(username: string, scope: PrincipalScope, passwordHash: string): boolean {
    const scheme = this.#table.set(username, scope, passwordHash)
    if (scheme === null) return false
    this.#decoys.cover(username, scheme)
    return true
  }

  has(username: string): boolean {
    return this.#table.slotOf(username) !== undefined
  }

  remove(username: string): boolean {
    return this.#table.delete(username)
  }

  get size(): number {
    return this.#table.size
  }

  /** Gives back memory reserved for more principals (after a bulk load). */
  trim(): void {
    this.#table.trim()
  }

  /** The principal of a stored username, without a password check (for brokers that authorize a known name). */
  principalByUsername(username: string): Principal | null {
    const slot = this.#table.slotOf(username)
    return slot === undefined ? null : this.#table.principalAt(slot, username)
  }

  async verifyPassword(username: string, password: Buffer | string): Promise<Principal | null> {
    const slot = this.#table.slotOf(username)
    const hash = slot === undefined ? await this.#decoys.forUsername(username) : this.#table.hashAt(slot)
    const matches = await this.#verify(hash, password)
    return slot !== undefined && matches ? this.#table.principalAt(slot, username) : null
  }

  principalForCertificate(cert: PeerCertificate): Principal | null {
    const identity = deviceIdentityFromCertificate(cert)
    return identity && { id: deviceUri(identity), role: 'device', ...identity }
  }
}
