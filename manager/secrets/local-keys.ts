import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, fchmodSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs'
import path from 'node:path'
import { SecretStoreError } from './errors.ts'
import { storageReason } from './local-sqlite-db.ts'

/** A key-encryption key (KEK) of the local store: 32 bytes for AES-256, named by an id stored with each record. */
export interface Kek {
  readonly id: string
  readonly key: Buffer
}

/** The configured KEKs: `current` seals every new or re-sealed record; `previous` only open older records. */
export interface Keyring {
  readonly current: Kek
  readonly previous: readonly Kek[]
}

const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
const KEY_BYTES = 32

/**
 * Parses a KEK's text, `<id>:<base64 of 32 bytes>` (as in a key file or an environment variable). `where` names
 * the source in the error (a config key or env name); the text itself is never echoed.
 */
export function parseKek(text: string, where: string): Kek {
  const separator = text.indexOf(':')
  const id = text.slice(0, Math.max(separator, 0)).trim()
  const key = Buffer.from(text.slice(separator + 1).trim(), 'base64')
  if (separator < 1 || !KEY_ID.test(id)) {
    throw invalidKey(`${where}: expected <id>:<base64 key>, the id of [A-Za-z0-9_.-]`)
  }
  if (key.length !== KEY_BYTES) throw invalidKey(`${where}: the key of '${id}' must be ${KEY_BYTES} bytes in base64`)
  return { id, key }
}

/** Whether `id` is a well-formed key id (only those are ever echoed in an error). */
export const isKekId = (id: string): boolean => KEY_ID.test(id)

/** The keyring of a current KEK and older ones; ids must be distinct. */
export function keyringOf(current: Kek, previous: readonly Kek[] = []): Keyring {
  const ids = [current.id, ...previous.map((kek) => kek.id)]
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index)
  if (repeated !== undefined) throw invalidKey(`the key id '${repeated}' is configured twice`)
  return { current, previous }
}

/** The KEK of `id` in the ring, or undefined. */
export function kekById(ring: Keyring, id: string): Kek | undefined {
  return [ring.current, ...ring.previous].find((kek) => kek.id === id)
}

/** A new KEK text (`<id>:<base64>`) with a random id. */
function newKekText(): string {
  return `local-${randomBytes(4).toString('hex')}:${randomBytes(KEY_BYTES).toString('base64')}`
}

/**
 * The KEK in `file`, created (0600, its directory 0700) with a new random key when missing: the fallback when
 * no key is configured (npm start, the demo). `created` tells the caller to warn that the key lies next to the
 * data it protects. Mode 0600 is set on the open descriptor, whatever the umask.
 */
export function loadOrCreateKeyFile(file: string): { kek: Kek; created: boolean } {
  let text: string
  const created = !existsSync(file)
  try {
    if (created) writeKeyFile(file)
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new SecretStoreError('SECRET_STORE_UNAVAILABLE', { operation: 'open key file', reason: storageReason(err) })
  }
  return { kek: parseKek(text, 'the generated key file'), created }
}

function writeKeyFile(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  const fd = openSync(file, 'wx', 0o600)
  try {
    fchmodSync(fd, 0o600)
    writeSync(fd, `${newKekText()}\n`)
  } finally {
    closeSync(fd)
  }
}

function invalidKey(reason: string): SecretStoreError {
  return new SecretStoreError('SECRET_STORE_CONFIG_INVALID', { operation: 'open', reason })
}
