import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { Kek } from './local-keys.ts'

/**
 * Envelope encryption of one local record. A fresh 32-byte data key (DEK) per record encrypts the record's JSON
 * with AES-256-GCM; the DEK is sealed by a key-encryption key (KEK) with AES-256-GCM too. Both use the record's
 * path (`acme/hosts/h-1`, `acme/tenant`) as additional authenticated data, the sealed DEK also the KEK id: a
 * ciphertext moved to another row, or a KEK id edited, fails authentication instead of decrypting.
 * Stored as JSON text: `{ v: 1, kek, dek, data }`, dek and data each base64 of iv(12) | tag(16) | ciphertext.
 */
export interface Envelope {
  v: 1
  kek: string
  dek: string
  data: string
}

const IV_BYTES = 12
const TAG_BYTES = 16
const DEK_BYTES = 32
const ALGORITHM = 'aes-256-gcm'

/**
 * Seals `plaintext` for the record at `recordPath` under `kek`. The record's random material — its DEK and the two
 * IVs — comes from ONE CSPRNG draw, zeroed after use: each `randomBytes` call costs ~5 µs whatever its size (a
 * crypto job per call), three a record were the largest part of a bulk activation's password preparation
 * (docs/benchmarks.md).
 */
export function seal(plaintext: string, recordPath: string, kek: Kek): Envelope {
  const random = randomBytes(DEK_BYTES + 2 * IV_BYTES)
  const dek = random.subarray(0, DEK_BYTES)
  try {
    return {
      v: 1,
      kek: kek.id,
      dek: gcmSeal(kek.key, dek, dekAad(kek.id, recordPath), random.subarray(DEK_BYTES, DEK_BYTES + IV_BYTES)),
      data: gcmSeal(dek, Buffer.from(plaintext, 'utf8'), dataAad(recordPath), random.subarray(DEK_BYTES + IV_BYTES)),
    }
  } finally {
    random.fill(0)
  }
}

/** The plaintext of an envelope; throws (a crypto error, never content) when it does not authenticate. */
export function open(envelope: Envelope, recordPath: string, kek: Kek): string {
  const dek = unsealDek(envelope, recordPath, kek)
  try {
    return gcmOpen(dek, envelope.data, dataAad(recordPath)).toString('utf8')
  } finally {
    dek.fill(0)
  }
}

/** The same record with its DEK re-sealed under `to` (rotation); the data ciphertext is kept as it is. */
export function reseal(envelope: Envelope, recordPath: string, from: Kek, to: Kek): Envelope {
  const dek = unsealDek(envelope, recordPath, from)
  try {
    return { ...envelope, kek: to.id, dek: gcmSeal(to.key, dek, dekAad(to.id, recordPath), randomBytes(IV_BYTES)) }
  } finally {
    dek.fill(0)
  }
}

/** Whether a stored record's text is an envelope (else: a clear-text record of an older release, or damage). */
export function envelopeOf(text: string): Envelope | null {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof data !== 'object' || data === null) return null
  const { v, kek, dek, data: sealed } = data as Record<string, unknown>
  if (v !== 1 || typeof kek !== 'string' || typeof dek !== 'string' || typeof sealed !== 'string') return null
  return { v, kek, dek, data: sealed }
}

function unsealDek(envelope: Envelope, recordPath: string, kek: Kek): Buffer {
  return gcmOpen(kek.key, envelope.dek, dekAad(kek.id, recordPath))
}

const dataAad = (recordPath: string): Buffer => Buffer.from(`amt-fleet:secret:v1:${recordPath}`, 'utf8')
const dekAad = (kekId: string, recordPath: string): Buffer =>
  Buffer.from(`amt-fleet:dek:v1:${kekId}:${recordPath}`, 'utf8')

/** `iv`: 12 random bytes, never used twice under one key. */
function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer, iv: Buffer): string {
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
}

function gcmOpen(key: Buffer, sealed: string, aad: Buffer): Buffer {
  const raw = Buffer.from(sealed, 'base64')
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value too short')
  const decipher = createDecipheriv(ALGORITHM, key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES })
  decipher.setAAD(aad)
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()])
}
