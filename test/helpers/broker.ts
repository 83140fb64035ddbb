import { randomBytes } from 'node:crypto'
import type { ExecutionContext } from 'ava'
import { silentLogger, type Logger } from '../../lib/log.ts'
import { MemoryCredentialStore } from '../../broker/auth/credentials.ts'
import type { PrincipalScope } from '../../broker/auth/principal.ts'
import { parseBrokerConfig, type BrokerConfig, type BrokerConfigInput } from '../../broker/config.ts'
import { createBroker, type BrokerDeps, type RunningBroker } from '../../broker/create-broker.ts'
import { rememberTestDevice } from './client-ids.ts'

export interface TestBrokerOptions {
  /** Extra listeners (tls, ws) or a different tcp one; tcp on 127.0.0.1:0 by default. */
  listeners?: BrokerConfigInput['listeners']
  /**
   * Limits; the connect rate limit is effectively off unless given (all tests connect from 127.0.0.1), and so is
   * the cap on connections per device (tests open one client per filter or scenario).
   */
  limits?: BrokerConfigInput['limits']
  log?: Logger
  /** The credential store; default: an in-memory one with cheap hashes. */
  credentials?: MemoryCredentialStore
  /** Where sessions and retained messages live; default: the broker's own (in memory). */
  backends?: BrokerDeps['backends']
  /** When device CONNECTs are shed (CONNACK 3 busy); default: the broker's own event-loop lag measure. */
  shedder?: BrokerDeps['shedder']
  /** Receives what the payload check decoded (broker/auth/decoded-handoff.ts); default none. */
  handoff?: BrokerDeps['handoff']
}

export interface TestCredential {
  username: string
  password: string
}

export interface TestBroker {
  /** mqtt://127.0.0.1:<tcp port> */
  url: string
  port: number
  config: Readonly<BrokerConfig>
  credentials: MemoryCredentialStore
  broker: RunningBroker
  addDevice(tenantId: string, hostId: string): Promise<TestCredential>
  addManager(): Promise<TestCredential>
  /** Tenant-scoped with a tenantId, global without. */
  addIntegrator(tenantId?: string): Promise<TestCredential>
}

/** Cheap scrypt for tests (the production default costs tens of ms per CONNECT). */
const TEST_SCRYPT = { logN: 10, r: 8, p: 1 }

/** Per process, not per broker: a username names one principal in every test broker (client-ids.ts). */
let serial = 0

/** Starts a broker on loopback with ephemeral ports and an in-memory credential store; closed in t.teardown. */
export async function startTestBroker(t: ExecutionContext, options: TestBrokerOptions = {}): Promise<TestBroker> {
  const parsed = parseBrokerConfig({
    listeners: options.listeners ?? { tcp: { host: '127.0.0.1', port: 0 } },
    limits: {
      connectRateLimit: { burst: 1_000_000, perSecond: 1_000_000 },
      maxConnectionsPerDevice: 1000,
      ...options.limits,
    },
    logLevel: 'silent',
  })
  if (!parsed.ok) throw new Error(`test broker config: ${parsed.problems.join('; ')}`)
  const credentials = options.credentials ?? new MemoryCredentialStore({ scryptParams: TEST_SCRYPT })
  const log = options.log ?? silentLogger()
  const broker = await createBroker(parsed.config, {
    log,
    credentials,
    backends: options.backends,
    handoff: options.handoff,
    ...(options.shedder === undefined ? {} : { shedder: options.shedder }),
  })
  t.teardown(() => broker.close())

  const add = async (prefix: string, scope: PrincipalScope): Promise<TestCredential> => {
    serial += 1
    const credential = { username: `${prefix}-${serial}`, password: randomBytes(12).toString('base64url') }
    if (scope.role === 'device') rememberTestDevice(credential.username, scope)
    await credentials.add({ ...scope, ...credential })
    return credential
  }
  const port = broker.tcpPort ?? 0
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    config: parsed.config,
    credentials,
    broker,
    addDevice: (tenantId, hostId) => add(`device-${hostId}`, { role: 'device', tenantId, hostId }),
    addManager: () => add('manager', { role: 'manager' }),
    addIntegrator: (tenantId) =>
      add(
        `integrator-${tenantId ?? 'global'}`,
        tenantId === undefined ? { role: 'integrator' } : { role: 'integrator', tenantId },
      ),
  }
}
