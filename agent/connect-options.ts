import { readFileSync } from 'node:fs'
import type { IClientOptions } from 'mqtt'
import { agentClientId, deviceUsername } from '../schemas/principals.ts'
import type { AgentConfig } from './config.ts'
import type { AgentIdentity } from './identity.ts'

/**
 * mqtt.js options from the config: our own reconnect loop, a client id bound to (tenant, host), the username the
 * manager issues (`<hostId>@<tenantId>`) unless the config names another, TLS material read once.
 */
export function connectOptions(config: AgentConfig, identity: AgentIdentity): IClientOptions {
  const { broker } = config
  const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file))
  return {
    clientId: agentClientId(identity),
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
    resubscribe: false,
    keepalive: broker.keepaliveSeconds,
    connectTimeout: broker.connectTimeoutMs,
    username: broker.username ?? deviceUsername(identity),
    password: config.secrets.brokerPassword?.reveal(),
    ca: read(broker.caFile),
    cert: read(broker.clientCertFile),
    key: read(broker.clientKeyFile),
    queueQoSZero: false,
    // mqtt-packet otherwise pre-builds a 2-byte Buffer for each of the 65 536 packet ids at the first write: 6 MiB
    // of heap (65 536 Buffer objects) in an agent that sends a few packets a minute (docs/benchmarks.md).
    writeCache: false,
  }
}
