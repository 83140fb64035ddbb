import { createDecipheriv } from 'node:crypto'
import test from 'ava'
import { open, reseal, seal, type Envelope } from '../../../manager/secrets/envelope.ts'
import type { Kek } from '../../../manager/secrets/local-keys.ts'
import { testKek } from './support.ts'

const PLAINTEXT = JSON.stringify({ password: 'Qz7!ClearTextAmt', mebxPassword: 'Wx3#ClearTextMebx' })
const RECORDS = 200
/** Bytes of an IV looked for in the DEK. */
const WINDOW = 5

/** A sealed value's parts: iv(12) | tag(16) | ciphertext, as the envelope stores them (base64). */
function partsOf(sealed: string): { iv: Buffer; tag: Buffer; body: Buffer } {
  const raw = Buffer.from(sealed, 'base64')
  return { iv: raw.subarray(0, 12), tag: raw.subarray(12, 28), body: raw.subarray(28) }
}

/** The record's DEK, unsealed here by the documented format (AES-256-GCM, AAD `amt-fleet:dek:v1:<kek>:<path>`). */
function dekOf(envelope: Envelope, recordPath: string, kek: Kek): Buffer {
  const { iv, tag, body } = partsOf(envelope.dek)
  const decipher = createDecipheriv('aes-256-gcm', kek.key, iv, { authTagLength: 16 })
  decipher.setAAD(Buffer.from(`amt-fleet:dek:v1:${kek.id}:${recordPath}`, 'utf8'))
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(body), decipher.final()])
}

test(`${RECORDS} records sealed: each opens; DEKs and IVs are fresh per record and no stored IV holds DEK bytes`, (t) => {
  const kek = testKek('k1')
  const deks = new Set<string>()
  const ivs = new Set<string>()
  for (let n = 0; n < RECORDS; n++) {
    const recordPath = `acme/hosts/h-${n}`
    const envelope = seal(PLAINTEXT, recordPath, kek)
    t.is(open(envelope, recordPath, kek), PLAINTEXT)
    const dek = dekOf(envelope, recordPath, kek)
    t.is(dek.length, 32)
    deks.add(dek.toString('hex'))
    for (const iv of [partsOf(envelope.dek).iv, partsOf(envelope.data).iv]) {
      ivs.add(iv.toString('hex'))
      // The DEK and the IVs are drawn together: they must be disjoint parts of the draw, as an IV is stored in clear.
      // (Any 5 bytes of an IV found in the DEK by chance: ~1e-7 over this test.)
      for (let start = 0; start + WINDOW <= iv.length; start++)
        if (dek.includes(iv.subarray(start, start + WINDOW))) t.fail(`IV bytes ${start}.. are DEK bytes`)
    }
  }
  t.is(deks.size, RECORDS, 'a DEK per record')
  t.is(ivs.size, RECORDS * 2, 'an IV per sealed value, none repeated')
})

test('a record re-sealed under another KEK keeps its data and DEK, with a new IV for the DEK', (t) => {
  const [from, to] = [testKek('k1'), testKek('k2')]
  const recordPath = 'acme/tenant'
  const sealed = seal(PLAINTEXT, recordPath, from)
  const resealed = reseal(sealed, recordPath, from, to)
  t.is(resealed.kek, 'k2')
  t.is(resealed.data, sealed.data)
  t.is(open(resealed, recordPath, to), PLAINTEXT)
  t.deepEqual(dekOf(resealed, recordPath, to), dekOf(sealed, recordPath, from))
  t.notDeepEqual(partsOf(resealed.dek).iv, partsOf(sealed.dek).iv)
  t.throws(() => open(resealed, recordPath, from))
})
