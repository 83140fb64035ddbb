import type { Logger } from '../../lib/log.ts'
import { createAgent, type Agent } from '../agent.ts'
import { createSimulatedAmt, type SimulatedAmt } from '../amt/simulated.ts'
import { createMqttBus, type Bus } from '../bus.ts'
import type { AgentConfig } from '../config.ts'
import type { Decoded } from '../../schemas/index.ts'
import type { AgentMessage } from '../messages.ts'
import { AGENT_VERSION } from '../version.ts'
import { hostConfig } from './agent-config.ts'
import { deviceOf } from './device-profile.ts'
import type { FailureClass, HostKind } from './fleet-options.ts'
import type { HostPlan } from './plan.ts'
import { isSettled, type HostPhase } from './settle.ts'
import { createSimulatedServices } from './simulated-services.ts'

/** What the simulator shows of one host. Never a credential. */
export interface HostView {
  index: number
  tenantId: string
  hostId: string
  kind: HostKind
  failure: FailureClass | 'assigned' | null
  /** Names of the device faults injected. */
  faults: string[]
  started: boolean
  connected: boolean
  phase: HostPhase
  /** From the agent's capability report; null before the first one. */
  capable: boolean | null
  settled: boolean
  /** Milliseconds from the fleet's start to this host settling (null while unsettled). */
  settledAfterMs: number | null
  error?: { code: number | null; name: string; message: string }
  reason?: string
}

/** What every host of a fleet shares: one logger, one parsed config template, one PRNG, one latency source. */
export interface HostShared {
  log: Logger
  template: AgentConfig
  random: () => number
  latencyMs: (() => number) | undefined
  /** When the fleet started (for settledAfterMs). */
  startedAt: () => number
  /** Told when the host's phase, capability or settledness changed. */
  changed: (host: SimulatedHost) => void
  /** Sees every inbound message before the agent does (FleetOptions.onInbound). */
  onInbound?: (host: HostPlan, message: Decoded) => void
}

export interface SimulatedHost {
  readonly plan: HostPlan
  /** Builds the agent (real reconciler, real mqtt.js bus, simulated Amt) and starts it. Once. */
  start(): void
  stop(): Promise<void>
  view(): HostView
  readonly started: boolean
}

interface Running {
  agent: Agent
  amt: SimulatedAmt
  bus: Bus
}

/** One host: its plan and credentials until started, then one agent with its own MQTT connection. */
export function createSimulatedHost(
  plan: HostPlan,
  credential: { username: string; password: string },
  shared: HostShared,
): SimulatedHost {
  let running: Running | null = null
  let last = { phase: 'PENDING' as HostPhase, capable: null as boolean | null, settled: false }
  let settledAt: number | null = null

  const faultNames = Object.keys(plan.faults)
  const host: SimulatedHost = {
    plan,
    get started() {
      return running !== null
    },
    start() {
      if (running) return
      running = build()
    },
    async stop() {
      if (!running) return
      const { agent, amt } = running
      const stopping = agent.stop()
      await amt.stop() // fails a running (even hanging) rpc call so the pass ends now
      await stopping
    },
    view() {
      const snapshot = running?.agent.snapshot()
      const state = snapshot?.state ?? null
      const settled = isSettled(state, snapshot?.desiredGeneration ?? 0)
      return {
        index: plan.index,
        tenantId: plan.tenantId,
        hostId: plan.hostId,
        kind: plan.kind,
        failure: plan.failure,
        faults: faultNames,
        started: running !== null,
        connected: snapshot?.connection.connected ?? false,
        phase: state?.phase ?? 'PENDING',
        capable: snapshot?.capability?.capable ?? null,
        settled,
        settledAfterMs: settled && settledAt !== null ? settledAt - shared.startedAt() : null,
        ...(state?.error
          ? { error: { code: state.error.code, name: state.error.name, message: state.error.message } }
          : {}),
        ...(state?.reason ? { reason: state.reason } : {}),
      }
    },
  }

  const refresh = (): void => {
    if (!running) return
    const { state, capability, desiredGeneration } = running.agent.snapshot()
    const now = {
      phase: state?.phase ?? ('PENDING' as HostPhase),
      capable: capability?.capable ?? null,
      settled: isSettled(state, desiredGeneration),
    }
    if (now.settled && !last.settled) settledAt = Date.now()
    if (!now.settled) settledAt = null
    const differs = now.phase !== last.phase || now.capable !== last.capable || now.settled !== last.settled
    last = now
    if (differs) shared.changed(host)
  }

  function build(): Running {
    const config = hostConfig(shared.template, { tenantId: plan.tenantId, hostId: plan.hostId, ...credential })
    const identity = { tenantId: plan.tenantId, hostId: plan.hostId }
    const log = shared.log.child({ tenantId: plan.tenantId, hostId: plan.hostId })
    const device = deviceOf(plan)
    const amt = createSimulatedAmt(device.model, {
      ...(shared.latencyMs ? { latencyMs: shared.latencyMs } : {}),
      amtinfoTimeoutMs: config.rpc.amtinfoTimeoutMs,
      operationTimeoutMs: config.rpc.operationTimeoutMs,
    })
    const inner = createMqttBus({ config, identity, log, agentVersion: AGENT_VERSION, random: shared.random })
    const bus = observeBus(inner, (message) => {
      if (message.leaf === 'state' || message.leaf === 'capability') queueMicrotask(refresh)
    })
    const { onInbound } = shared
    if (onInbound) {
      // Registered before the agent's own listener, so it sees each message first.
      inner.onInbound((message) => {
        try {
          onInbound(plan, message)
        } catch (err) {
          log.error({ err }, 'fleet inbound listener failed')
        }
      })
    }
    const services = createSimulatedServices(device.lms)
    const agent = createAgent({ config, log, amt, services, identity, bus, random: shared.random })
    agent.start()
    return { agent, amt, bus }
  }

  return host
}

/** The real bus, with a look at what the agent publishes (to count phases without subscribing to the broker). */
function observeBus(inner: Bus, onPublish: (message: AgentMessage) => void): Bus {
  return {
    bootId: inner.bootId,
    start: () => inner.start(),
    stop: () => inner.stop(),
    publish(message, options) {
      inner.publish(message, options)
      onPublish(message)
    },
    onInbound: (listener) => inner.onInbound(listener),
    onReady: (listener) => inner.onReady(listener),
    connection: () => inner.connection(),
  }
}
