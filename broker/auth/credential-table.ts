import { decodeHashInto, type DecodedHash, type HashScheme, type PackedHash } from './password-hash.ts'
import { principalOf, type Principal, type PrincipalScope } from './principal.ts'

/** A principal's scope without its hostId: what many principals share (a device's role and tenant). */
type SharedScope = { role: 'device'; tenantId: string } | Exclude<PrincipalScope, { role: 'device' }>

/**
 * The credentials of a store, packed: ~100 bytes a principal besides its username, where an object per principal
 * with two Buffers took ~400 (a broker holds a fleet's worth: docs/benchmarks.md, "100,000 nodes"). A username maps
 * to a slot number; per slot, numbers in arrays (its scope, its hash's shape and where its bytes are) and its hostId
 * (none for a device named `<hostId>@<tenantId>`, as the manager names them: the username holds it).
 * Scopes (role and tenant) and hash shapes (scheme, parameters, lengths) repeat across a fleet and are stored once;
 * salts and keys — distinct for every principal — are packed side by side in one buffer.
 * Slots are never reused: a slot read before an await still names the credentials it named (a replaced or removed
 * principal's bytes stay until the table goes; stores that change often are small ones).
 */
export class CredentialTable {
  readonly #slots = new Map<string, number>()
  readonly #scopes = new Interned<SharedScope>()
  readonly #shapes = new Interned<PackedHash>()
  readonly #scopeOf: number[] = []
  readonly #hostIdOf: (string | undefined)[] = []
  readonly #shapeOf: number[] = []
  readonly #bytesAt: number[] = []
  #bytes = Buffer.allocUnsafeSlow(1024)
  #used = 0

  get size(): number {
    return this.#slots.size
  }

  /** The slot of a username's current credentials. */
  slotOf(username: string): number | undefined {
    return this.#slots.get(username)
  }

  /**
   * Adds or replaces a principal; null (nothing changed) when `passwordHash` is not a hash of password-hash.ts,
   * otherwise the hash's scheme.
   */
  set(username: string, scope: PrincipalScope, passwordHash: string): HashScheme | null {
    this.#reserve(passwordHash.length)
    const packed = decodeHashInto(passwordHash, this.#bytes, this.#used)
    if (packed === null) return null
    const slot = this.#scopeOf.length
    this.#bytesAt.push(this.#used)
    this.#used += packed.saltLength + packed.keyLength
    this.#shapeOf.push(this.#shapes.idOf(shapeKey(packed), packed))
    const shared: SharedScope = scope.role === 'device' ? { role: 'device', tenantId: scope.tenantId } : scope
    const tenantId = 'tenantId' in shared ? shared.tenantId : undefined
    this.#scopeOf.push(this.#scopes.idOf(`${shared.role}:${tenantId ?? ''}`, shared))
    // A device's usual username, `<hostId>@<tenantId>` (schemas/principals.ts), holds its hostId already.
    this.#hostIdOf.push(scope.role === 'device' && !isDeviceUsername(username, scope) ? scope.hostId : undefined)
    this.#slots.set(username, slot)
    return packed.scheme
  }

  delete(username: string): boolean {
    return this.#slots.delete(username)
  }

  /** The hash of a slot: views into the packed bytes, no copy. */
  hashAt(slot: number): DecodedHash {
    const { scheme, saltLength, keyLength } = this.#shapes.at(this.#shapeOf[slot] ?? -1)
    const at = this.#bytesAt[slot] ?? 0
    const salt = this.#bytes.subarray(at, at + saltLength)
    const key = this.#bytes.subarray(at + saltLength, at + saltLength + keyLength)
    return scheme.scheme === 'scrypt'
      ? { scheme: 'scrypt', params: scheme.params, salt, key }
      : { scheme: 'hmac-sha256', salt, key }
  }

  /** A new Principal object for the slot's username (callers may change it). */
  principalAt(slot: number, username: string): Principal {
    const shared = this.#scopes.at(this.#scopeOf[slot] ?? -1)
    if (shared.role !== 'device') return principalOf(username, shared)
    const hostId = this.#hostIdOf[slot] ?? username.slice(0, username.length - shared.tenantId.length - 1)
    return principalOf(username, { ...shared, hostId })
  }

  /** Gives back the room reserved beyond the packed bytes (after a bulk load). */
  trim(): void {
    this.#bytes = Buffer.from(this.#bytes.subarray(0, this.#used))
  }

  #reserve(bytes: number): void {
    if (this.#used + bytes <= this.#bytes.length) return
    const grown = Buffer.allocUnsafeSlow(Math.max(this.#bytes.length * 2, this.#used + bytes))
    this.#bytes.copy(grown, 0, 0, this.#used)
    this.#bytes = grown
  }
}

/** Whether `username` is deviceUsername(scope), tested without building it. */
function isDeviceUsername(username: string, { tenantId, hostId }: { tenantId: string; hostId: string }): boolean {
  return (
    username.length === hostId.length + 1 + tenantId.length &&
    username.startsWith(hostId) &&
    username[hostId.length] === '@' &&
    username.endsWith(tenantId)
  )
}

function shapeKey({ scheme, saltLength, keyLength }: PackedHash): string {
  const params = scheme.scheme === 'scrypt' ? `${scheme.params.logN}$${scheme.params.r}$${scheme.params.p}` : ''
  return `${scheme.scheme}$${params}$${saltLength}$${keyLength}`
}

/** Values that repeat, stored once and named by a small number. */
class Interned<T> {
  readonly #ids = new Map<string, number>()
  readonly #values: T[] = []

  idOf(key: string, value: T): number {
    let id = this.#ids.get(key)
    if (id === undefined) {
      id = this.#values.push(value) - 1
      this.#ids.set(key, id)
    }
    return id
  }

  at(id: number): T {
    const value = this.#values[id]
    if (value === undefined) throw new RangeError(`no interned value ${id}`)
    return value
  }
}
