import { randomBytes } from 'node:crypto'
import type { PeerCertificate } from 'node:tls'
import { deviceIdentityFromCertificate, deviceUri } from './certificate-identity.ts'
import { DEFAULT_SCRYPT_PARAMS, decodeHash, hashPassword, verifyPasswordHash, type DecodedHash, type ScryptParams } from './password-hash.ts'
import { PrincipalScope, principalOf, type Principal } from './principal.ts'

export type { Principal, Role } from './principal.ts'
export { hashPassword } from './password-hash.ts'

/**
 * The credential port: the broker asks it who a username/password or a client certificate is.
 * Implementations: MemoryCredentialStore (tests, embedding), FileCredentialStore (YAML file); the manager's
 * Inventory later.
 */
export interface CredentialStore {
  /** Null for an unknown user or a wrong password; both cost the same scrypt work. */
  verifyPassword(username: string, password: Buffer | string): Promise<Principal | null>
  /** Called only for certificates the TLS layer verified against the configured CA. */
  principalForCertificate(cert: PeerCertificate): Principal | null
}

export type CredentialEntry = { username: string; password?: string; passwordHash?: string } & PrincipalScope

interface StoredCredential {
  hash: DecodedHash
  principal: Principal
}

export interface MemoryCredentialStoreOptions {
  /** Cost of hashes made by `add({ password })` and of the decoy check for unknown users. */
  scryptParams?: ScryptParams
}

export class MemoryCredentialStore implements CredentialStore {
  readonly #entries = new Map<string, StoredCredential>()
  readonly #params: ScryptParams
  #decoy: Promise<DecodedHash> | undefined

  constructor(options: MemoryCredentialStoreOptions = {}) {
    this.#params = options.scryptParams ?? DEFAULT_SCRYPT_PARAMS
  }

  /** Adds or replaces a principal. Throws on an invalid entry (a programming or file error, not input). */
  async add(entry: CredentialEntry): Promise<void> {
    const { username, password, passwordHash, ...scope } = entry
    if (username.length === 0) throw new TypeError('username must not be empty')
    const parsedScope = PrincipalScope.parse(scope)
    const encoded = passwordHash ?? (password === undefined ? undefined : await hashPassword(password, this.#params))
    if (encoded === undefined) throw new TypeError(`credential ${username} needs password or passwordHash`)
    const hash = decodeHash(encoded)
    if (hash === null) throw new TypeError(`credential ${username}: passwordHash is not an scrypt hash from amt-broker hash-password`)
    this.#entries.set(username, { hash, principal: principalOf(username, parsedScope) })
  }

  remove(username: string): boolean {
    return this.#entries.delete(username)
  }

  get size(): number {
    return this.#entries.size
  }

  async verifyPassword(username: string, password: Buffer | string): Promise<Principal | null> {
    const stored = this.#entries.get(username)
    const hash = stored?.hash ?? (await this.#decoyHash())
    const matches = await verifyPasswordHash(hash, password)
    return stored !== undefined && matches ? { ...stored.principal } : null
  }

  principalForCertificate(cert: PeerCertificate): Principal | null {
    const identity = deviceIdentityFromCertificate(cert)
    return identity && { id: deviceUri(identity), role: 'device', ...identity }
  }

  /** A hash nobody knows the password of, with the store's cost, so unknown users cost the same work. */
  #decoyHash(): Promise<DecodedHash> {
    this.#decoy ??= hashPassword(randomBytes(32), this.#params).then(decodeOwnHash)
    return this.#decoy
  }
}

function decodeOwnHash(encoded: string): DecodedHash {
  const hash = decodeHash(encoded)
  if (hash === null) throw new Error('hashPassword produced an undecodable hash')
  return hash
}
