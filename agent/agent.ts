import type { Logger } from '../lib/log.ts'
import type { Decoded, Desired } from '../schemas/index.ts'
import { buildTopic } from '../schemas/topics.ts'
import type { Amt } from './amt/port.ts'
import { createMqttBus, type Bus, type BusConnection } from './bus.ts'
import type { AgentConfig } from './config.ts'
import { resolveIdentity, type AgentIdentity } from './identity.ts'
import type { CapabilityBody, StateBody } from './messages.ts'
import type { ReconcileContext } from './reconcile/context.ts'
import { createReconcileLoop } from './reconcile/loop.ts'
import { createMemory, intakeDesired } from './reconcile/memory.ts'
import { reconcilePass } from './reconcile/reconcile-pass.ts'
import { createReporter } from './reconcile/reporter.ts'
import { createSecretRequester } from './secret-request.ts'
import type { ServiceControl } from './services/port.ts'
import { AGENT_VERSION } from './version.ts'

export interface AgentDependencies {
  config: AgentConfig
  log: Logger
  amt: Amt
  services: ServiceControl
  /** Default: from the config (hostId, or the SMBIOS UUID). */
  identity?: AgentIdentity
  /** Default: mqtt.js to config.broker. */
  bus?: Bus
  clock?: { now(): number }
  /** Randomness for retry jitter (tests may fix it). */
  random?: () => number
}

interface AgentSnapshot {
  identity: AgentIdentity
  bootId: string
  connection: BusConnection
  desiredGeneration: number
  attempts: number
  recoveries: number
  busy: boolean
  state: StateBody | null
  capability: CapabilityBody | null
}

export interface Agent {
  /** Connects (in the background) and runs the first reconcile pass. */
  start(): void
  /** Stops intake, waits for the running pass (its rpc call ends or is killed at its timeout), says goodbye, disconnects. */
  stop(): Promise<void>
  snapshot(): AgentSnapshot
}

/** Builds the agent from its ports. Nothing happens until start(). */
export function createAgent({
  config,
  log: rootLog,
  amt,
  services,
  identity: givenIdentity,
  bus: givenBus,
  clock,
  random,
}: AgentDependencies): Agent {
  const log = rootLog.child({ module: 'agent' })
  const identity = givenIdentity ?? resolveIdentity(config)
  const now = () => (clock ? clock.now() : Date.now())
  const bus = givenBus ?? createMqttBus({ config, identity, log: rootLog, agentVersion: AGENT_VERSION, now, random })
  const publish = bus.publish.bind(bus)
  const reporter = createReporter(publish)
  const secrets = createSecretRequester({
    send: (message) => bus.publish(message, { offline: 'drop' }),
    timeoutMs: config.reconcile.secretTimeoutMs,
    resendMs: config.reconcile.secretResendMs,
    log: rootLog,
    random,
  })
  const memory = createMemory()
  const abort = new AbortController()
  const ctx: ReconcileContext = {
    config,
    log: rootLog.child({ module: 'reconcile' }),
    amt,
    services,
    reporter,
    secrets,
    memory,
    now,
    signal: abort.signal,
    ...(random ? { random } : {}),
  }
  const loop = createReconcileLoop({
    pass: (reason) => reconcilePass(ctx, reason),
    intervalMs: config.reconcile.intervalMs,
    now,
    log: rootLog,
  })
  const desiredTopic = buildTopic({ ...identity, leaf: 'desired' })
  let accepting = false

  const onDesired = (desired: Desired): void => {
    const intake = intakeDesired(memory, desired)
    const { generation, state } = desired
    if (intake.verdict !== 'accepted') {
      reporter.event(
        'desired.ignored',
        `desired generation ${generation} is ${intake.verdict} (current ${intake.current})`,
        {
          generation,
          detail: { verdict: intake.verdict, current: intake.current },
        },
      )
      log.info({ generation, verdict: intake.verdict, current: intake.current }, 'desired ignored')
      return
    }
    reporter.event('desired.accepted', `desired ${state} generation ${generation} accepted`, {
      generation,
      detail: { state },
    })
    log.info({ generation, state }, 'desired accepted')
    loop.trigger('desired')
  }

  const onInbound = (decoded: Decoded): void => {
    if (!accepting) return
    if (decoded.kind === 'rejected') {
      log.warn({ reason: decoded.reason, detail: decoded.detail, topic: decoded.topic }, 'inbound message rejected')
      if (decoded.topic === desiredTopic) {
        reporter.event('desired.rejected', `desired rejected (${decoded.reason}): ${decoded.detail}`, {
          detail: { reason: decoded.reason },
        })
      }
      return
    }
    if (decoded.kind === 'cleared') {
      log.info({ leaf: decoded.leaf }, 'retained message cleared; nothing to do')
      return
    }
    if (decoded.leaf === 'desired') onDesired(decoded.payload)
    else if (decoded.leaf === 'secret/res') secrets.handle(decoded.payload)
    else log.warn({ leaf: decoded.leaf }, 'message on a leaf the agent does not handle')
  }
  bus.onInbound(onInbound)
  bus.onReady(() => secrets.resendPending())

  return {
    start() {
      accepting = true
      log.info(
        { tenantId: identity.tenantId, hostId: identity.hostId, bootId: bus.bootId, version: AGENT_VERSION },
        'agent starting',
      )
      bus.start()
      loop.trigger('start')
    },
    async stop() {
      accepting = false
      abort.abort(new Error('agent stopping'))
      await loop.stop()
      await bus.stop()
      log.info('agent stopped')
    },
    snapshot: () => ({
      identity,
      bootId: bus.bootId,
      connection: bus.connection(),
      desiredGeneration: memory.desired?.generation ?? 0,
      attempts: memory.attempts,
      recoveries: memory.recoveries,
      busy: loop.running,
      state: reporter.lastState(),
      capability: reporter.lastCapability(),
    }),
  }
}
