import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * Password hashes, encoded with their scheme (and its parameters) and salt, so a store can hold several kinds and
 * the cost can change later without breaking stored hashes (broker/README.md, "Credentials and identities"):
 * - `scrypt$<log2 N>$<r>$<p>$<salt base64>$<hash base64>`: scrypt from node:crypto, for passwords people choose
 *   (integrators, the CLI `amt-broker hash-password`);
 * - `hmac-sha256$<salt base64>$<mac base64>`: HMAC-SHA-256 keyed with a random salt, for secrets the manager makes
 *   itself (device passwords: 192 random bits). Key stretching adds nothing against guessing such a secret, and a
 *   check costs microseconds instead of a millisecond of CPU on libuv's pool at every CONNECT.
 */
export interface ScryptParams {
  /** CPU/memory cost as a power of two (N = 2^logN). */
  logN: number
  r: number
  p: number
}

/** ~16 MiB and a few tens of ms per check: the OWASP minimum for scrypt. */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ logN: 15, r: 8, p: 1 })

/** How new hashes are made: scrypt (chosen passwords) or the keyed digest (random secrets of ≥ 128 bits only). */
export type HashScheme = { scheme: 'scrypt'; params: ScryptParams } | { scheme: 'hmac-sha256' }

/** For secrets the manager generates (device passwords); never for a password a person chose. */
export const RANDOM_SECRET_SCHEME: HashScheme = Object.freeze({ scheme: 'hmac-sha256' })

export type DecodedHash =
  | { scheme: 'scrypt'; params: ScryptParams; salt: Buffer; key: Buffer }
  | { scheme: 'hmac-sha256'; salt: Buffer; key: Buffer }

const KEY_BYTES = 32
const SALT_BYTES = 16
const B64 = '[A-Za-z0-9+/]+={0,2}'
const SCRYPT_FORMAT = new RegExp(`^scrypt\\$(\\d{1,2})\\$(\\d{1,2})\\$(\\d{1,2})\\$(${B64})\\$(${B64})$`)
const DIGEST_FORMAT = new RegExp(`^hmac-sha256\\$(${B64})\\$(${B64})$`)

export async function hashPassword(
  password: string | Buffer,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(password, salt, params, KEY_BYTES)
  return ['scrypt', params.logN, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$')
}

/** The keyed digest of a random secret (RANDOM_SECRET_SCHEME), synchronous: it costs a few microseconds. */
export function hashRandomSecret(secret: string | Buffer): string {
  const salt = randomBytes(SALT_BYTES)
  return ['hmac-sha256', salt.toString('base64'), digest(secret, salt).toString('base64')].join('$')
}

/** A new hash of `password` by `scheme`. */
export function hashWith(password: string | Buffer, scheme: HashScheme): Promise<string> {
  return scheme.scheme === 'scrypt'
    ? hashPassword(password, scheme.params)
    : Promise.resolve(hashRandomSecret(password))
}

/** Null when the text is not a hash this module wrote (a config error, reported by the stores). */
export function decodeHash(encoded: string): DecodedHash | null {
  const fields = splitHash(encoded)
  if (fields === null) return null
  const salt = Buffer.from(fields.salt, 'base64')
  const key = Buffer.from(fields.key, 'base64')
  if (!lengthsFit(fields.scheme, salt.length, key.length)) return null
  return fields.scheme.scheme === 'scrypt'
    ? { scheme: 'scrypt', params: fields.scheme.params, salt, key }
    : { scheme: 'hmac-sha256', salt, key }
}

/** Where decodeHashInto put a hash: its salt at the offset given, its key right after it. */
export interface PackedHash {
  scheme: HashScheme
  saltLength: number
  keyLength: number
}

/**
 * decodeHash without a Buffer of its own: the salt and then the key are written into `target` at `offset`, for
 * stores that pack many hashes into one buffer (credential-table.ts). `target` must have `encoded.length` bytes
 * free from `offset` (base64 decodes to less). Null, and the bytes written meaningless, when decodeHash gives null.
 */
export function decodeHashInto(encoded: string, target: Buffer, offset: number): PackedHash | null {
  const fields = splitHash(encoded)
  if (fields === null) return null
  const saltLength = target.write(fields.salt, offset, 'base64')
  const keyLength = target.write(fields.key, offset + saltLength, 'base64')
  return lengthsFit(fields.scheme, saltLength, keyLength) ? { scheme: fields.scheme, saltLength, keyLength } : null
}

/** An encoded hash's scheme and its base64 salt and key, the format and parameters checked; null otherwise. */
function splitHash(encoded: string): { scheme: HashScheme; salt: string; key: string } | null {
  const digestMatch = DIGEST_FORMAT.exec(encoded)
  if (digestMatch) {
    const [, salt = '', key = ''] = digestMatch
    return { scheme: RANDOM_SECRET_SCHEME, salt, key }
  }
  const match = SCRYPT_FORMAT.exec(encoded)
  if (!match) return null
  const [, logN = '', r = '', p = '', salt = '', key = ''] = match
  const params = { logN: Number(logN), r: Number(r), p: Number(p) }
  if (params.logN < 10 || params.logN > 22 || params.r < 1 || params.p < 1) return null
  return { scheme: { scheme: 'scrypt', params }, salt, key }
}

/** The decoded salt and key are long enough for the scheme. */
function lengthsFit(scheme: HashScheme, saltLength: number, keyLength: number): boolean {
  return scheme.scheme === 'scrypt' ? saltLength >= 8 && keyLength >= 16 : saltLength >= 16 && keyLength === KEY_BYTES
}

/** The scheme (and parameters) a hash was made with. */
export function schemeOf(hash: DecodedHash): HashScheme {
  return hash.scheme === 'scrypt' ? { scheme: 'scrypt', params: hash.params } : RANDOM_SECRET_SCHEME
}

/** The work a check costs, in scrypt block operations (N·r·p; the digest counts 1): to compare hashes' costs. */
export function hashCost(scheme: HashScheme): number {
  if (scheme.scheme !== 'scrypt') return 1
  const { logN, r, p } = scheme.params
  return 2 ** logN * r * p
}

/** The more expensive of two schemes (the first on a tie). */
export function costlier(a: HashScheme, b: HashScheme): HashScheme {
  return hashCost(b) > hashCost(a) ? b : a
}

/** Checks a password against a hash: `verifyPasswordHash`, or a gate in front of it (kdf-lanes.ts). */
export type PasswordVerifier = (hash: DecodedHash, password: string | Buffer) => Promise<boolean>

export function isPasswordHash(encoded: string): boolean {
  return decodeHash(encoded) !== null
}

/**
 * Recomputes the key with the stored salt (and parameters) and compares in constant time. A password with a NUL
 * byte never matches: scrypt's HMAC pads keys shorter than 64 bytes with zeros, so "pw\0" would match "pw" (the
 * digest has no such weakness; the rule is kept for every scheme so that both answer alike).
 */
export async function verifyPasswordHash(hash: DecodedHash, password: string | Buffer): Promise<boolean> {
  if (typeof password === 'string' ? password.includes('\u0000') : password.includes(0)) return false
  const key =
    hash.scheme === 'scrypt'
      ? await derive(password, hash.salt, hash.params, hash.key.length)
      : digest(password, hash.salt)
  return key.length === hash.key.length && timingSafeEqual(key, hash.key)
}

function digest(secret: string | Buffer, salt: Buffer): Buffer {
  return createHmac('sha256', salt).update(secret).digest()
}

function derive(
  password: string | Buffer,
  salt: Buffer,
  { logN, r, p }: ScryptParams,
  length: number,
): Promise<Buffer> {
  const N = 2 ** logN
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key)))
  })
}
