/**
 * Types for aedes-persistence-redis (the package ships none). Its main entry wraps the Redis persistence in
 * aedes-persistence's adapter, which answers with promises when given no callback (as aedes 1.x calls it) and with
 * Readable streams where aedes pipes (retained messages, queued messages, wills); the bare async class gives async
 * iterables there, which aedes 1.2 cannot pipe. Only what the broker uses is typed.
 */
declare module 'aedes-persistence-redis' {
  import type { Redis } from 'ioredis'
  /**
   * What aedes calls on it is aedes' business: the broker hands it over (broker/backends.ts), and removes the will
   * another instance stored for a client that moved (moved-client-wills.ts).
   */
  type RedisPersistence = { delWill(client: { id: string; brokerId: string }): Promise<unknown> }
  /** `conn`: the connection it uses (it opens one from ioredis options otherwise). */
  export default function aedesPersistenceRedis(options: { conn: Redis; maxSessionDelivery?: number }): RedisPersistence
}
