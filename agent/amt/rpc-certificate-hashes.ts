import type { TrustedRootHash } from '../../schemas/index.ts'
import * as z from 'zod/mini'
import { rpcBadOutput } from './rpc-failure.ts'
import { parseJsonDocument } from './rpc-output.ts'

/**
 * `rpc amtinfo -json -cert` (v2) / `--json --cert` (v3): `certificateHashes`, an object keyed by name whose values
 * have CAPITALISED keys Hash, Name, Algorithm, IsActive, IsDefault (../shared/reference/rpc-go.md). Parsed
 * defensively: an entry that is not such an object, or whose hash is not hex of a known algorithm's length, is
 * skipped (counted in `skipped`); at most MAX_HASHES are kept. A document without `certificateHashes` is RpcBadOutput.
 */
const MAX_HASHES = 64
const HEX_LENGTHS: Readonly<Record<TrustedRootHash['algorithm'], number>> = {
  SHA1: 40,
  SHA256: 64,
  SHA384: 96,
  SHA512: 128,
}

const Entry = z.object({
  Hash: z.string(),
  Name: z.catch(z.optional(z.string()), undefined),
  Algorithm: z.string(),
  IsActive: z.catch(z.optional(z.boolean()), undefined),
  IsDefault: z.catch(z.optional(z.boolean()), undefined),
})
const Document = z.object({ certificateHashes: z.record(z.string(), z.unknown()) })

export interface CertificateHashesRead {
  hashes: TrustedRootHash[]
  /** Entries left out: malformed, or beyond MAX_HASHES. */
  skipped: number
}

function algorithmOf(text: string): TrustedRootHash['algorithm'] | null {
  const name = text
    .trim()
    .toUpperCase()
    .replace(/[-_\s]/g, '')
  return name in HEX_LENGTHS ? (name as TrustedRootHash['algorithm']) : null
}

function hashOf(key: string, value: unknown): TrustedRootHash | null {
  const entry = Entry.safeParse(value)
  if (!entry.success) return null
  const algorithm = algorithmOf(entry.data.Algorithm)
  const hash = entry.data.Hash.trim().toLowerCase().replace(/[:\s]/g, '')
  if (algorithm === null || hash.length !== HEX_LENGTHS[algorithm] || !/^[0-9a-f]+$/.test(hash)) return null
  return {
    name: (entry.data.Name ?? key).trim().slice(0, 128),
    algorithm,
    hash,
    active: entry.data.IsActive ?? false,
    default: entry.data.IsDefault ?? false,
  }
}

/** The parsed document → trusted root hashes. Throws RpcBadOutput when `certificateHashes` is missing. */
export function decodeCertificateHashes(document: unknown): CertificateHashesRead {
  const parsed = Document.safeParse(document)
  if (!parsed.success) throw rpcBadOutput('amtinfo', 'no certificateHashes object in the document')
  const entries = Object.entries(parsed.data.certificateHashes)
  const hashes = entries.flatMap(([key, value]) => hashOf(key, value) ?? []).slice(0, MAX_HASHES)
  return { hashes, skipped: entries.length - hashes.length }
}

/** stdout of `amtinfo -cert` → trusted root hashes. Throws RpcBadOutput. */
export function parseCertificateHashes(stdout: string): CertificateHashesRead {
  return decodeCertificateHashes(parseJsonDocument('amtinfo', stdout))
}
