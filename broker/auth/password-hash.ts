import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * Password hashes: scrypt from node:crypto, encoded with their parameters and salt so the cost can rise
 * later without breaking stored hashes:  scrypt$<log2 N>$<r>$<p>$<salt base64>$<hash base64>
 */
export interface ScryptParams {
  /** CPU/memory cost as a power of two (N = 2^logN). */
  logN: number
  r: number
  p: number
}

/** ~16 MiB and a few tens of ms per check: the OWASP minimum for scrypt. */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ logN: 15, r: 8, p: 1 })

const PREFIX = 'scrypt'
const KEY_BYTES = 32
const SALT_BYTES = 16
const HASH_FORMAT = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/

export interface DecodedHash {
  params: ScryptParams
  salt: Buffer
  key: Buffer
}

export async function hashPassword(
  password: string | Buffer,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(password, salt, params, KEY_BYTES)
  return [PREFIX, params.logN, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$')
}

/** Null when the text is not a hash this module wrote (a config error, reported by the stores). */
export function decodeHash(encoded: string): DecodedHash | null {
  const match = HASH_FORMAT.exec(encoded)
  if (!match) return null
  const [, logN = '', r = '', p = '', salt = '', key = ''] = match
  const params = { logN: Number(logN), r: Number(r), p: Number(p) }
  if (params.logN < 10 || params.logN > 22 || params.r < 1 || params.p < 1) return null
  const decoded = { params, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') }
  return decoded.salt.length >= 8 && decoded.key.length >= 16 ? decoded : null
}

/** The work a check of this hash costs, in scrypt block operations (N·r·p): to compare hashes' costs. */
export function hashCost({ logN, r, p }: ScryptParams): number {
  return 2 ** logN * r * p
}

/** The more expensive of two parameter sets (the first on a tie). */
export function costlier(a: ScryptParams, b: ScryptParams): ScryptParams {
  return hashCost(b) > hashCost(a) ? b : a
}

/** Checks a password against a hash: `verifyPasswordHash`, or a gate in front of it (kdf-lanes.ts). */
export type PasswordVerifier = (hash: DecodedHash, password: string | Buffer) => Promise<boolean>

export function isPasswordHash(encoded: string): boolean {
  return decodeHash(encoded) !== null
}

/**
 * Recomputes the key with the stored salt and parameters and compares in constant time. A password with a NUL
 * byte never matches: scrypt's HMAC pads keys shorter than 64 bytes with zeros, so "pw\0" would match "pw".
 */
export async function verifyPasswordHash(hash: DecodedHash, password: string | Buffer): Promise<boolean> {
  if (typeof password === 'string' ? password.includes('\u0000') : password.includes(0)) return false
  const key = await derive(password, hash.salt, hash.params, hash.key.length)
  return timingSafeEqual(key, hash.key)
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
