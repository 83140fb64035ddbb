import { createLogger, type Logger } from '../../lib/log.ts'
import { isValidId } from '../../schemas/index.ts'
import { templateConfig } from './agent-config.ts'
import { z } from 'zod'
import { HostCredentials } from './credentials-file.ts'
import { FleetSpec, type FleetSpecInput } from './fleet-options.ts'
import { describeIssues } from '../../schemas/issues.ts'
import type { Decoded } from '../../schemas/index.ts'
import { latencySource } from './latency.ts'
import { planFleet, type HostPlan } from './plan.ts'
import { seededRandom } from './prng.ts'
import { countProgress, type FleetProgress } from './progress.ts'
import { mapLimited, rampUp } from './ramp.ts'
import { createSimulatedHost, type HostShared, type HostView, type SimulatedHost } from './simulated-host.ts'

interface DeviceCredential {
  username: string
  password: string
}

/** A planned host handed to the credentials callback (e.g. to register it with the manager). */
type PlannedHost = Readonly<HostPlan>

export interface FleetOptions extends FleetSpecInput {
  /** Explicit hosts with their credentials (a credentials file). Excludes count/credentials. */
  hosts?: readonly HostCredentials[]
  /** With `count`: the credential of each planned host (called once per host, at most 16 at a time, in start()). */
  credentials?: (host: PlannedHost) => DeviceCredential | Promise<DeviceCredential>
  /**
   * The shared logger (default: pino on stdout at logLevel, `warn`). Every agent logs through a child with its
   * tenantId/hostId, at this logger's level: pass e.g. `log.child({ module: 'simulate' }, { level: 'warn' })`.
   */
  log?: Logger
  /**
   * Sees every message an agent receives, before the agent handles it (e.g. to time `desired` delivery in a
   * benchmark). Runs on the hot path of every agent: keep it cheap; a throw is logged, never reaches the agent.
   */
  onInbound?: (host: PlannedHost, message: Decoded) => void
}

export interface Fleet {
  /** Obtains the credentials, then starts the agents at the ramp rate; resolves once every agent is started. */
  start(): Promise<void>
  /** Stops every agent (goodbye presence, clean disconnect). Idempotent. */
  stop(): Promise<void>
  progress(): FleetProgress
  hosts(): HostView[]
  /** Called (with the host's view) whenever a host's phase, capability or settledness changes. Returns an unsubscribe. */
  onChange(listener: (host: HostView) => void): () => void
  /** Resolves with the progress once every host has settled (see settle.ts); rejects when the fleet stops first. */
  settled(): Promise<FleetProgress>
  /** The plan (identities, kinds, faults), available before start(). */
  readonly plan: readonly HostPlan[]
}

export class FleetConfigError extends Error {
  readonly problems: string[]
  constructor(problems: string[]) {
    super(`invalid fleet options: ${problems.join('; ')}`)
    this.name = 'FleetConfigError'
    this.problems = problems
  }
}

const CREDENTIAL_CONCURRENCY = 16

/**
 * N real agents in one process: each with its own mqtt.js connection, credentials and hostId, the real reconciler
 * (createAgent) and an in-process simulated Amt over the emulator's device model. Shared: one logger, one parsed
 * config template, one seeded PRNG. Throws FleetConfigError (every problem) on invalid options.
 */
export function createFleet(options: FleetOptions): Fleet {
  const { hosts: givenInput, credentials, log: givenLog, onInbound, ...specInput } = options
  const parsed = FleetSpec.safeParse(specInput)
  const parsedHosts = givenInput === undefined ? undefined : z.array(HostCredentials).safeParse(givenInput)
  if (!parsed.success || parsedHosts?.success === false) {
    const hostProblems = parsedHosts?.error
      ? describeIssues(parsedHosts.error).map((problem) => `hosts.${problem}`)
      : []
    throw new FleetConfigError([...(parsed.error ? describeIssues(parsed.error) : []), ...hostProblems])
  }
  const spec = parsed.data
  const given = parsedHosts?.data
  const problems = sourceProblems(spec, given, credentials)
  const template = templateConfig(spec.brokerUrl, spec.agent, spec.logLevel)
  if (!template.ok) problems.push(...template.problems.map((problem) => `agent config: ${problem}`))
  if (problems.length > 0 || !template.ok) throw new FleetConfigError(problems)

  const random = seededRandom(spec.seed)
  const plan = planFleet(spec, random, given)
  const planProblems = identityProblems(plan)
  if (planProblems.length > 0) throw new FleetConfigError(planProblems)

  const log = givenLog ?? createLogger({ name: 'amt-simulate', level: spec.logLevel })
  const listeners = new Set<(host: HostView) => void>()
  const settleWaiters = new Set<{ resolve: (progress: FleetProgress) => void; reject: (err: Error) => void }>()
  const stopper = new AbortController()
  let hosts: SimulatedHost[] = []
  let startedAt = 0
  let starting: Promise<void> | undefined
  let stopping: Promise<void> | undefined

  const progress = (): FleetProgress => countProgress(plan.length, hosts, startedAt)
  /** Hosts seen settled by their last change: O(1) per change; the full count runs only when all look settled. */
  const settledHosts = new Set<SimulatedHost>()
  const checkSettled = (): void => {
    if (settleWaiters.size === 0 || settledHosts.size < plan.length) return
    const now = progress()
    if (!now.allSettled) return
    for (const waiter of settleWaiters) waiter.resolve(now)
    settleWaiters.clear()
  }
  const shared: HostShared = {
    log,
    template: template.config,
    random,
    latencyMs: latencySource(spec.latency, random),
    startedAt: () => startedAt,
    ...(onInbound ? { onInbound } : {}),
    changed(host) {
      const view = host.view()
      for (const listener of listeners) {
        try {
          listener(view)
        } catch (err) {
          log.error({ err, tenantId: view.tenantId, hostId: view.hostId }, 'fleet change listener failed')
        }
      }
      if (view.settled) settledHosts.add(host)
      else settledHosts.delete(host)
      checkSettled()
    },
  }

  const credentialOf = async (host: HostPlan): Promise<DeviceCredential> => {
    const entry = given?.[host.index]
    if (entry) return { username: entry.username, password: entry.password }
    if (!credentials) throw new Error('no credentials source')
    return credentials(host)
  }

  const run = async (): Promise<void> => {
    startedAt = Date.now()
    const prepared = await mapLimited(
      plan,
      CREDENTIAL_CONCURRENCY,
      async (host) => createSimulatedHost(host, await credentialOf(host), shared),
      stopper.signal,
    )
    if (stopper.signal.aborted) return
    hosts = prepared
    log.info({ hosts: hosts.length, rampPerSecond: spec.rampPerSecond }, 'fleet starting')
    await rampUp(hosts, spec.rampPerSecond, stopper.signal)
  }

  return {
    plan,
    start: () => (starting ??= run()),
    stop() {
      stopping ??= (async () => {
        stopper.abort(new Error('fleet stopped'))
        for (const waiter of settleWaiters) waiter.reject(new Error('fleet stopped before every host settled'))
        settleWaiters.clear()
        await Promise.all(hosts.map((host) => host.stop()))
        log.info({ hosts: hosts.length }, 'fleet stopped')
      })()
      return stopping
    },
    progress,
    hosts: () => hosts.map((host) => host.view()),
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    settled() {
      return new Promise((resolve, reject) => {
        if (stopper.signal.aborted) return reject(new Error('fleet stopped'))
        settleWaiters.add({ resolve, reject })
        checkSettled()
      })
    },
  }
}

function sourceProblems(
  spec: FleetSpec,
  given: FleetOptions['hosts'],
  credentials: FleetOptions['credentials'],
): string[] {
  if (given !== undefined) {
    const problems: string[] = []
    if (given.length === 0) problems.push('hosts: empty list')
    if (spec.count !== undefined) problems.push('count: not with an explicit host list')
    if (credentials !== undefined) problems.push('credentials: not with an explicit host list')
    return problems
  }
  const problems: string[] = []
  if (spec.count === undefined) problems.push('count: required without an explicit host list')
  if (credentials === undefined) problems.push('credentials: a callback is required without an explicit host list')
  return problems
}

function identityProblems(plan: readonly HostPlan[]): string[] {
  const problems: string[] = []
  const seen = new Set<string>()
  for (const { tenantId, hostId, index } of plan) {
    if (!isValidId(hostId))
      problems.push(`host ${index}: hostId ${JSON.stringify(hostId)} is not a valid id (check hostIdPattern)`)
    const key = `${tenantId}/${hostId}`
    if (seen.has(key)) problems.push(`host ${index}: duplicate host ${key} (hostIdPattern needs {n} or {index})`)
    seen.add(key)
    if (problems.length >= 10) break
  }
  return problems
}
