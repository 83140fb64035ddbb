import type { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { Aedes } from 'aedes'
import type { Logger } from '../lib/log.ts'
import { resolveBackends, type BrokerBackends } from './backends.ts'
import { stampCounterWhenStored } from './emission-counter.ts'
import type { SharedStateHealth } from './cluster/redis-link.ts'
import { createAuthenticate } from './auth/authenticate.ts'
import { createAuthorizeHooks } from './auth/authorize.ts'
import type { DecodedHandoff } from './auth/decoded-handoff.ts'
import { DeviceBudget } from './limits/device-budget.ts'
import { limitDevicePublishes, PUBLISH_REFUSAL_MESSAGES } from './limits/device-publish-limit.ts'
import type { CredentialStore } from './auth/credentials.ts'
import { LoginGuard } from './auth/login-guard.ts'
import type { BrokerConfig } from './config.ts'
import { clientIdOf, remoteAddressOf } from './connection-info.ts'
import { watchConnectionErrors } from './connection-errors.ts'
import { ConnectionRegistry } from './connection-registry.ts'
import { releaseConnectPacket } from './connect-packet-release.ts'
import { ConnectRateLimiter } from './limits/connect-rate-limiter.ts'
import { guardPacketSize } from './limits/packet-size-guard.ts'
import { deferKeepaliveWhileBehind } from './keepalive-deferral.ts'
import { LoadShedder, type ConnectShedder } from './limits/load-shedder.ts'
import { createPreConnect } from './limits/pre-connect.ts'
import { RefusalLog } from './limits/refusal-log.ts'
import type { Listener } from './listeners/listener.ts'
import { startTcpListener } from './listeners/tcp.ts'
import { startTlsListener } from './listeners/tls.ts'
import { startWsListener } from './listeners/ws.ts'
import { createListenerProtection } from './listeners/protection.ts'
import { BrokerRejection } from './rejection.ts'
import { StatsCounters, type BrokerStats } from './stats.ts'
import { WriteCoalescer } from './write-coalescer.ts'

export interface BrokerDeps {
  log: Logger
  credentials: CredentialStore
  /**
   * Where sessions and retained messages live (broker/backends.ts); in memory, indexed by topic, by default; a
   * cluster's Redis with `redisBackends` (broker/cluster/redis-backends.ts).
   */
  backends?: () => Promise<BrokerBackends>
  /** Decides when device CONNECTs are shed; default: a LoadShedder on `limits.shedConnectsAboveLagMs`. */
  shedder?: ConnectShedder
  /** Receives what the payload check decoded, for a consumer in this process (auth/decoded-handoff.ts). */
  handoff?: DecodedHandoff
}

export interface RunningBroker {
  aedes: Aedes
  /** One instance of a cluster: its routing (`backends.mq`) is shared with other instances. */
  clustered: boolean
  /** The cluster's heartbeat period (`cluster.heartbeatMs`); undefined: aedes' default. */
  heartbeatMs?: number
  tcpPort?: number
  tlsPort?: number
  wsPort?: number
  /** A copy of the rejection counters. */
  stats(): BrokerStats
  /** MQTT connections open now, past CONNECT (broker/metrics.ts exports it). */
  connections(): number
  /** The cluster's Redis connection (broker/metrics.ts exports it); undefined for a broker in memory. */
  sharedState(): SharedStateHealth | undefined
  /**
   * Closes every live connection of this device (its host was deleted and its credential with it); their last
   * wills are dropped, so nothing re-creates the retained topics the manager clears. Resolves with the count.
   */
  disconnectDevice(key: { tenantId: string; hostId: string }): Promise<number>
  /** Stops accepting, disconnects every client, closes aedes and the listeners. Idempotent. */
  close(): Promise<void>
}

/** aedes' own topic-level guard stays at its maximum; the configured limit is enforced (logged, counted) by the hooks. */
const AEDES_MAX_TOPIC_LEVELS = 100

export async function createBroker(config: Readonly<BrokerConfig>, deps: BrokerDeps): Promise<RunningBroker> {
  const log = deps.log.child({ module: 'broker' })
  const { limits } = config
  const stats = new StatsCounters()
  const registry = new ConnectionRegistry()
  const backends = await resolveBackends(deps.backends)
  const rateLimiter = new ConnectRateLimiter(limits.connectRateLimit)
  const refusalLog = new RefusalLog({ log: deps.log.child({ module: 'broker/limits' }) })
  const publishRefusals = new RefusalLog({
    log: deps.log.child({ module: 'broker/limits' }),
    messages: PUBLISH_REFUSAL_MESSAGES,
  })
  const deviceBudget = new DeviceBudget({ messages: limits.devicePublishRateLimit, bytes: limits.deviceByteRateLimit })
  const protection = createListenerProtection({ limits, stats, refusalLog, log })
  const shedder = deps.shedder ?? new LoadShedder({ maxLagMs: limits.shedConnectsAboveLagMs })
  const writes = new WriteCoalescer()
  /** The socket the guard counts, by the stream aedes reads (the TLS or WebSocket stream on top of it). */
  const guardedSockets = new WeakMap<Duplex, Socket>()
  const authenticated = new WeakSet<Socket>()
  /**
   * Authenticated connections open now (past CONNECT), counted per socket rather than with aedes'
   * `connectedClients`: that counter is keyed by client id (a closing client unregisters whichever client holds its
   * id), so overlapping takeovers of one id can skew it, and a skew upwards would make `maxConnections` refuse
   * devices for good. A socket's 'close' fires exactly once. Sockets before CONNECT are not counted here: the
   * listeners' guard bounds them (maxUnauthenticated); counting them would let idle sockets fill `maxConnections`
   * and lock every device out.
   */
  let authenticatedConnections = 0

  const authorizeHooks = createAuthorizeHooks({
    registry,
    stats,
    log: deps.log,
    maxTopicLevels: limits.maxTopicLevels,
    handoff: deps.handoff,
  })
  const aedes = await Aedes.createBroker({
    persistence: backends.persistence,
    ...(backends.mq === undefined ? {} : { mq: backends.mq }),
    ...(backends.heartbeatMs === undefined ? {} : { heartbeatInterval: backends.heartbeatMs }),
    drainTimeout: limits.drainTimeoutMs,
    connectTimeout: limits.connectTimeoutMs,
    maxTopicLevels: AEDES_MAX_TOPIC_LEVELS,
    preConnect: registry.noteClientIds(
      createPreConnect({
        rateLimiter,
        maxConnections: limits.maxConnections,
        connectedClients: () => authenticatedConnections,
        stats,
        log: deps.log,
        refusalLog,
      }),
    ),
    authenticate: createAuthenticate({
      credentials: new LoginGuard(deps.credentials, { log: deps.log }),
      registry,
      stats,
      log: deps.log,
      maxConnectionsPerDevice: limits.maxConnectionsPerDevice,
      busy: () => shedder.shed(),
    }),
    ...authorizeHooks,
    authorizePublish: limitDevicePublishes(authorizeHooks.authorizePublish, {
      registry,
      budget: deviceBudget,
      stats,
      refusals: publishRefusals,
    }),
  }).catch(async (err: unknown) => {
    await backends.close?.() // a shared store's connections are open: aedes' setup failed on them
    throw err
  })
  stampCounterWhenStored(aedes)
  aedes.on('clientReady', (client) => {
    releaseConnectPacket(client)
    registry.ready(client)
    const socket = guardedSockets.get(client.conn)
    if (socket === undefined || authenticated.has(socket)) return
    protection.guard.trusted(socket) // past CONNECT: no longer counted as unauthenticated
    authenticated.add(socket)
    authenticatedConnections++
    socket.once('close', () => authenticatedConnections--)
  })
  aedes.on('clientDisconnect', (client) => registry.disconnected(client))
  // aedes emits a failed store operation outside any client (queueing for offline sessions, clearing stale wills):
  // with a cluster's Redis away (broker/cluster/). Unhandled, the 'error' event would end the process.
  const events: EventEmitter = aedes // its types list no 'error' event
  events.on('error', (err: Error) => log.error({ reason: err.message.slice(0, 200) }, 'broker store operation failed'))
  watchConnectionErrors(aedes, { log: deps.log, stats, registry })
  backends.attach?.(aedes)

  /**
   * Every accepted connection: no Nagle delay, the packets of a turn in one write (write-coalescer.ts), then aedes,
   * its keepalive counting what was received and not yet handled, then the packet-size guard on its bytes.
   */
  const accept = (stream: Duplex, socket: Socket, request?: IncomingMessage): void => {
    socket.setNoDelay(true)
    writes.attach(stream)
    guardedSockets.set(stream, socket)
    const client = aedes.handle(stream, request)
    deferKeepaliveWhileBehind(client, stats)
    guardPacketSize(stream, limits.maxPacketBytes, (violation) => {
      stats.count('connectionsClosed', violation)
      log.warn(
        {
          reason: violation,
          clientId: clientIdOf(client),
          remoteAddress: remoteAddressOf(client),
          limit: limits.maxPacketBytes,
        },
        'connection closed',
      )
      registry.markClosedByBroker(stream)
      stream.destroy(new BrokerRejection(violation))
    })
  }

  const listeners: Listener[] = []
  const closeAll = async (): Promise<void> => {
    shedder.stop()
    for (const listener of listeners) listener.stopAccepting()
    await new Promise<void>((resolve) => aedes.close(() => resolve()))
    refusalLog.flush(Infinity) // the last window's summaries: no later connection attempt will write them
    publishRefusals.flush(Infinity)
    await Promise.all(listeners.map((listener) => listener.close()))
    await backends.close?.()
  }

  try {
    const { tcp, tls, ws } = config.listeners
    if (tcp) listeners.push(await startTcpListener({ ...tcp, protection, accept: (socket) => accept(socket, socket) }))
    if (tls) {
      const onHandshakeError = (err: Error, socket: Socket): void => {
        stats.count('connectionsRefused', 'tls-handshake')
        log.warn(
          { reason: 'tls-handshake', remoteAddress: socket.remoteAddress, detail: err.message.slice(0, 200) },
          'connection refused',
        )
      }
      listeners.push(
        await startTlsListener({
          config: tls,
          protection,
          accept: (tlsSocket, socket) => accept(tlsSocket, socket),
          onHandshakeError,
        }),
      )
    }
    if (ws) {
      const maxPayload = limits.maxPacketBytes * 4
      listeners.push(
        await startWsListener({
          ...ws,
          maxPayload,
          protection,
          accept: (stream, request) => accept(stream, request.socket, request),
        }),
      )
    }
  } catch (err) {
    await closeAll()
    throw err
  }

  const portOf = (kind: Listener['kind']): number | undefined =>
    listeners.find((listener) => listener.kind === kind)?.port
  for (const listener of listeners) log.info({ listener: listener.kind, port: listener.port }, 'listening')
  shedder.start()

  const disconnectDevice = async ({ tenantId, hostId }: { tenantId: string; hostId: string }): Promise<number> => {
    const clients = registry.connectionsOf(
      (principal) => principal.role === 'device' && principal.tenantId === tenantId && principal.hostId === hostId,
    )
    for (const client of clients) registry.revoke(client)
    await Promise.all(clients.map((client) => new Promise<void>((resolve) => client.close(() => resolve()))))
    for (const client of clients)
      log.info({ clientId: clientIdOf(client), tenantId, hostId }, 'device disconnected: its host was deleted')
    return clients.length
  }

  let closing: Promise<void> | undefined
  return {
    aedes,
    clustered: backends.mq !== undefined,
    ...(backends.heartbeatMs === undefined ? {} : { heartbeatMs: backends.heartbeatMs }),
    tcpPort: portOf('tcp'),
    tlsPort: portOf('tls'),
    wsPort: portOf('ws'),
    stats: () => stats.snapshot(),
    connections: () => authenticatedConnections,
    sharedState: () => backends.health?.(),
    disconnectDevice,
    close: () => (closing ??= closeAll()),
  }
}
