import type { Server, Socket } from 'node:net'
import { ConnectionGuard, waitingPoolFor } from '../../lib/connection-guard.ts'
import { openFilesLimit, pressureLog, watchAcceptErrors, type PressureReporter } from '../../lib/fd-pressure.ts'
import type { Logger } from '../../lib/log.ts'
import type { LimitsConfig } from '../config.ts'
import type { RefusalLog } from '../limits/refusal-log.ts'
import type { StatsCounters } from '../stats.ts'

/**
 * What every broker listener applies to sockets nobody has authenticated yet (docs/operations.md, "Connection
 * limits and hostile sockets"): the shared guard (per-address cap, bounded waiting pool), a deadline for the
 * transport handshake (TLS handshake, WebSocket upgrade; aedes' connectTimeout then bounds the CONNECT), and
 * accept errors reported instead of thrown.
 */
export interface ListenerProtection {
  guard: ConnectionGuard
  /** TLS handshake / WebSocket upgrade deadline and idle cut before it, ms. */
  handshakeTimeoutMs: number
  pressure: PressureReporter
  log: Logger
}

/** Admits each new socket through the guard before any other 'connection' listener sees it. */
export function protectServer(server: Server, listener: string, protection: ListenerProtection): void {
  server.prependListener('connection', (socket: Socket) => {
    protection.guard.admit(socket)
  })
  watchAcceptErrors(server, listener, protection.pressure, protection.log)
}

export interface ProtectionDeps {
  limits: Pick<LimitsConfig, 'connectTimeoutMs' | 'maxUnauthenticatedPerAddress' | 'maxUnauthenticated'>
  stats: StatsCounters
  /** The broker's refusal log (one line per address and window, then a count). */
  refusalLog: RefusalLog
  log: Logger
}

/** Waiting pool when `maxUnauthenticated` is not configured: a quarter of the open-files limit. */
const DEFAULT_POOL_SHARE = 0.25
const DEFAULT_POOL_FALLBACK = 2048

/** The one guard and reporter all broker listeners share; refusals go to stats (`connectionsRefused`) and the refusal log. */
export function createListenerProtection({ limits, stats, refusalLog, log }: ProtectionDeps): ListenerProtection {
  const guard = new ConnectionGuard({
    maxPerAddress: limits.maxUnauthenticatedPerAddress,
    maxWaiting:
      limits.maxUnauthenticated ?? waitingPoolFor(openFilesLimit(), DEFAULT_POOL_SHARE, DEFAULT_POOL_FALLBACK),
    onRefused: ({ reason, remoteAddress }) => {
      stats.count('connectionsRefused', reason)
      refusalLog.refused({ reason, remoteAddress })
    },
  })
  const pressure = pressureLog({
    log: log.child({ module: 'broker/limits' }),
    count: ({ code }) => stats.count('connectionsRefused', `accept-${code}`),
  })
  return { guard, handshakeTimeoutMs: limits.connectTimeoutMs, pressure, log }
}
