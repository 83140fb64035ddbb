import type { HostKey } from '../inventory/port.ts'

/**
 * The SecretStore port: where AMT and MEBx passwords live. Adapters: Vault KV v2 through node-vault (vault.ts)
 * and the single-machine local SQLite store (local-sqlite.ts); both pass test/conformance/secret-store.ts.
 *
 * Layout (Vault; the local store keys its rows the same way, tenant and tenant + host):
 *   <mount>/data/<prefix>/<tenantId>/tenant          the tenant's password (static policy)
 *   <mount>/data/<prefix>/<tenantId>/hosts/<hostId>  the host's password (random policy)
 * with the keys `password` and, when set, `mebxPassword`.
 *
 * Failures are SecretStoreErrors (errors.ts) whose messages never contain a secret, a token or a path outside
 * the layout above. A missing secret is `null`, never an error.
 */

export type { HostKey }

/** An AMT password (8-32 characters) and, optionally, the MEBx password set with it (ACM). */
export interface AmtSecret {
  password: string
  mebxPassword?: string
}

/** One stored version of a host's secret (history). */
export interface AmtSecretVersion {
  /** 1, 2, ... per host, as Vault KV v2 numbers them; a deleted host starts again at 1. */
  version: number
  /** ISO time the version was written; null when unknown (a local record written before versions were kept). */
  writtenAt: string | null
  secret: AmtSecret
}

interface HistoryOptions {
  /** At most this many versions, newest first; default: every version the store keeps. */
  limit?: number
}

export interface PutOptions {
  /**
   * Write only when no readable secret is stored (Vault: check-and-set on the current version, 0 when there is
   * none, so of two concurrent writers exactly one wins). Default false: replace (a new version).
   */
  onlyIfAbsent?: boolean
}

/** The store's health as a readiness check reports it; `detail` is a short reason, never a secret. */
export interface SecretStoreHealth {
  ok: boolean
  kind: 'vault' | 'local'
  detail?: string
}

export interface SecretStore {
  readonly kind: 'vault' | 'local'
  /** The host's own secret, or null. */
  getAmtPassword(key: HostKey): Promise<AmtSecret | null>
  /**
   * The host's readable versions, newest first: the current one (when readable) and the previous ones the store
   * keeps (Vault: the KV v2 versions within the secret's max_versions, deleted and destroyed ones skipped; local:
   * the last `maxVersions`). Empty when nothing is stored. Errors as for reads; they never carry a secret.
   */
  getAmtPasswordHistory(key: HostKey, options?: HistoryOptions): Promise<AmtSecretVersion[]>
  /**
   * Stores the host's secret as a new version (the previous one is kept as history). Resolves true when written,
   * false when `onlyIfAbsent` found a readable one stored.
   */
  putAmtPassword(key: HostKey, secret: AmtSecret, options?: PutOptions): Promise<boolean>
  /** Removes every version of the host's secret (idempotent). */
  deleteHostSecrets(key: HostKey): Promise<void>
  /** The tenant's secret (static policy), or null. */
  getTenantPassword(tenantId: string): Promise<AmtSecret | null>
  putTenantPassword(tenantId: string, secret: AmtSecret, options?: PutOptions): Promise<boolean>
  /** Removes every version of the tenant's own secret (idempotent). Host secrets are removed with their hosts. */
  deleteTenantSecrets(tenantId: string): Promise<void>
  /**
   * Vault only (absent on the local store): sets one key of a KV v2 secret OUTSIDE this layout — RPS's device secret,
   * MPS's copy of a rotated password (docs/credentials.md "Rotation") — with check-and-set on the version read, the
   * other keys kept. `absent` when no such secret is stored. `path` is below the mount, without `data/`.
   */
  setForeignSecretKey?(
    location: { mount: string; path: string },
    key: string,
    value: string,
  ): Promise<'written' | 'absent'>
  /** Reachable, authenticated, unsealed (Vault) / database usable (local). Never throws. */
  health(): Promise<SecretStoreHealth>
  /** Stops timers (token renewal); later calls fail with SECRET_STORE_CLOSED. */
  close(): Promise<void>
}
