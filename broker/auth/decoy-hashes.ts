import { randomBytes } from 'node:crypto'
import { parseDeviceUsername } from '../../schemas/principals.ts'
import { costlier, decodeHash, hashWith, type DecodedHash, type HashScheme } from './password-hash.ts'

/**
 * Decoy hashes: an unknown username is checked against a hash nobody knows the password of, as costly as the
 * hashes of existing principals of the kind the name looks like, so that "unknown user" and "wrong password" cost
 * the same work and get the same answer. Two kinds, because their costs differ on purpose: device usernames
 * (`<hostId>@<tenantId>`, schemas/principals.ts) have cheap hashes (their passwords are 192 random bits: the keyed
 * digest, or scrypt 2^10 when stored before it), every other name (integrators, the manager, file-configured devices
 * with other names) has the store's own cost.
 */
export type UsernameKind = 'device' | 'other'

export function usernameKind(username: string): UsernameKind {
  return parseDeviceUsername(username) === null ? 'other' : 'device'
}

export class DecoyHashes {
  /** Cost per kind when the store holds no hash of that kind. */
  readonly #fallback: Readonly<Record<UsernameKind, HashScheme>>
  /** The costliest stored hash of each kind: the decoy matches it. */
  readonly #covered: Partial<Record<UsernameKind, HashScheme>> = {}
  readonly #hashes = new Map<UsernameKind, Promise<DecodedHash>>()

  constructor(fallback: Readonly<Record<UsernameKind, HashScheme>>) {
    this.#fallback = fallback
  }

  /** A stored principal's hash: the decoy of its username's kind costs at least as much from now on. */
  cover(username: string, scheme: HashScheme): void {
    const kind = usernameKind(username)
    const current = this.#covered[kind]
    const next = current === undefined ? scheme : costlier(current, scheme)
    if (next === current) return
    this.#covered[kind] = next
    this.#hashes.delete(kind)
  }

  /** The scheme an unknown username of this kind is checked with. */
  schemeFor(kind: UsernameKind): HashScheme {
    return this.#covered[kind] ?? this.#fallback[kind]
  }

  forUsername(username: string): Promise<DecodedHash> {
    const kind = usernameKind(username)
    let hash = this.#hashes.get(kind)
    if (hash === undefined) {
      hash = hashWith(randomBytes(32), this.schemeFor(kind)).then(decodeOwnHash)
      this.#hashes.set(kind, hash)
    }
    return hash
  }
}

function decodeOwnHash(encoded: string): DecodedHash {
  const hash = decodeHash(encoded)
  if (hash === null) throw new Error('hashPassword produced an undecodable hash')
  return hash
}
