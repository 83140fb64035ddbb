/**
 * Where the console's sessions are kept: the storage port under SessionStore (session-store.ts), which holds the
 * rules (ids, CSRF tokens, expiry, the touch interval). Implementations: MemorySessionRecords (one process, tests),
 * SqliteSessionRecords (<dataDir>/console-sessions.sqlite), PostgresSessionRecords (the shared database: every
 * replica sees every session). A record holds hashes only: the SHA-256 of the session id (the key), the SHA-256 of
 * its CSRF token, and the id of the API token the session was opened with (never the token).
 */
export interface SessionRecord {
  /** SHA-256 (base64url) of the session id. */
  idHash: string
  /** The API token's id (manager/api/tokens). */
  tokenId: string
  /** SHA-256 (base64url) of the session's CSRF token. */
  csrfHash: string
  /** Epoch milliseconds. */
  createdAt: number
  /** Epoch milliseconds; written at most once per touch interval (session-store.ts). */
  lastUsedAt: number
}

/** Which records are expired at an instant: created before `createdBefore` or last used before `usedBefore`. */
export interface Expiry {
  createdBefore: number
  usedBefore: number
}

export interface SessionRecords {
  /**
   * Stores a new record after deleting the expired ones and, while `maxSessions` or more remain, the oldest
   * (by creation): at most `maxSessions` records afterwards (two replicas inserting at once may briefly exceed it).
   */
  insert(record: SessionRecord, expiry: Expiry, maxSessions: number): Promise<void>
  /** Null when no record has this id hash. */
  get(idHash: string): Promise<SessionRecord | null>
  /** Moves `lastUsedAt` forward to `at` (never back). */
  touch(idHash: string, at: number): Promise<void>
  /** Deletes the record (no error when there is none). */
  remove(idHash: string): Promise<void>
  /** How many records there are (expired ones not yet pruned included). */
  count(): Promise<number>
}

/** Records in this process's memory: one replica only, gone at restart. */
export class MemorySessionRecords implements SessionRecords {
  /** By id hash, in creation order (the first entry is the oldest). */
  readonly #records = new Map<string, SessionRecord>()

  insert(record: SessionRecord, expiry: Expiry, maxSessions: number): Promise<void> {
    for (const [key, stored] of this.#records) if (isExpired(stored, expiry)) this.#records.delete(key)
    for (const key of this.#records.keys()) {
      if (this.#records.size < maxSessions) break
      this.#records.delete(key)
    }
    this.#records.set(record.idHash, { ...record })
    return Promise.resolve()
  }

  get(idHash: string): Promise<SessionRecord | null> {
    const record = this.#records.get(idHash)
    return Promise.resolve(record === undefined ? null : { ...record })
  }

  touch(idHash: string, at: number): Promise<void> {
    const record = this.#records.get(idHash)
    if (record !== undefined && record.lastUsedAt < at) record.lastUsedAt = at
    return Promise.resolve()
  }

  remove(idHash: string): Promise<void> {
    this.#records.delete(idHash)
    return Promise.resolve()
  }

  count(): Promise<number> {
    return Promise.resolve(this.#records.size)
  }
}

const isExpired = (record: SessionRecord, expiry: Expiry): boolean =>
  record.createdAt < expiry.createdBefore || record.lastUsedAt < expiry.usedBefore
