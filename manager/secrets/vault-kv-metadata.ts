import { SecretStoreError } from './errors.ts'

/**
 * What of KV v2 metadata is used (GET <mount>/metadata/<path>, "Read secret metadata" in
 * https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2): `current_version` and `versions`, keyed by
 * the version's number, each with `created_time`, `deletion_time` ('' unless soft-deleted) and `destroyed`. Vault
 * keeps at most the secret's `max_versions`, else the mount's, else 10; older versions are removed for good.
 */
export interface KvMetadata {
  current_version: number
  versions: Record<string, KvVersionMetadata>
}

interface KvVersionMetadata {
  created_time?: string
  deletion_time?: string
  destroyed?: boolean
}

export function metadataOf(data: unknown): KvMetadata {
  const { current_version: current, versions } = (data ?? {}) as Partial<KvMetadata>
  if (typeof current !== 'number' || typeof versions !== 'object' || versions === null)
    throw new SecretStoreError('SECRET_STORE_REJECTED', { operation: 'history', reason: 'unexpected metadata' })
  return { current_version: current, versions }
}

/** Neither soft-deleted (a deletion time is set) nor destroyed. */
export const isLive = (version: KvVersionMetadata): boolean => !version.deletion_time && version.destroyed !== true

/** The readable versions' numbers and write times, newest first. */
export function liveVersions(metadata: KvMetadata): Array<{ version: number; writtenAt: string | null }> {
  return Object.entries(metadata.versions)
    .map(([number, version]) => ({ version: Number(number), live: isLive(version), at: version.created_time }))
    .filter(({ version, live }) => Number.isInteger(version) && version > 0 && live)
    .sort((a, b) => b.version - a.version)
    .map(({ version, at }) => ({ version, writtenAt: at ?? null }))
}
