/**
 * Child process of the gRPC bridge benchmark (grpc.ts): N simulated legacy agents, each with its own HTTP/2
 * connection (TLS unless plaintext) and its own JWT, calling RetrieveActivationDetails like the Go agent.
 * Phases (each told over IPC): connect all → closed loop (every agent calls again as soon as answered) →
 * paced (every agent calls every `pollMs`). Latencies are taken only inside each phase's measurement window.
 */
import { performance } from 'node:perf_hooks'
import { credentials, Client, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js'
import { deviceManagementService, loadDmManagerDefinition } from '../../manager/grpc/definition.ts'

export interface AgentsJob {
  address: string
  /** PEM of the CA that signed the server certificate; absent: plaintext. */
  ca?: string
  agents: Array<{ hostId: string; token: string }>
}

export type PhaseRequest = { phase: 'closed' | 'paced'; warmupMs: number; durationMs: number; pollMs: number }

export interface PhaseResult {
  phase: PhaseRequest['phase']
  calls: number
  elapsedMs: number
  codes: Record<string, number>
  latencyMs: { p50: number; p90: number; p99: number; max: number }
}

const found = deviceManagementService(loadDmManagerDefinition()).RetrieveActivationDetails
if (found === undefined) throw new Error('RetrieveActivationDetails missing')
const method = found
const serialize = (value: object): Buffer => method.requestSerialize(value)
const deserialize = (bytes: Buffer): unknown => method.responseDeserialize(bytes)

const job = await new Promise<AgentsJob>((resolve) =>
  process.once('message', (message) => resolve(message as AgentsJob)),
)
const channelCredentials =
  job.ca === undefined ? credentials.createInsecure() : credentials.createSsl(Buffer.from(job.ca))
// A local subchannel pool per client: one connection per agent, as a fleet of nodes has.
const agents = job.agents.map(({ hostId, token }) => {
  const client = new Client(job.address, channelCredentials, { 'grpc.use_local_subchannel_pool': 1 })
  const metadata = new Metadata()
  metadata.set('authorization', `Bearer ${token}`)
  return { client, hostId, metadata }
})

await Promise.all(
  agents.map(
    ({ client }) =>
      new Promise<void>((resolve, reject) =>
        client.waitForReady(Date.now() + 60_000, (err) => (err ? reject(err) : resolve())),
      ),
  ),
)
process.send?.({ ready: agents.length })

function call(agent: (typeof agents)[number]): Promise<Status> {
  return new Promise((resolve) => {
    agent.client.makeUnaryRequest(
      method.path,
      serialize,
      deserialize,
      { host_id: agent.hostId },
      agent.metadata,
      { deadline: Date.now() + 5000 },
      (err: ServiceError | null) => resolve(err ? err.code : Status.OK),
    )
  })
}

async function runPhase({ phase, warmupMs, durationMs, pollMs }: PhaseRequest): Promise<PhaseResult> {
  const started = performance.now()
  const windowStart = started + warmupMs
  const windowEnd = windowStart + durationMs
  const latencies: number[] = []
  const codes: Record<string, number> = {}
  const agentLoop = async (agent: (typeof agents)[number], offsetMs: number): Promise<void> => {
    let next = started + offsetMs
    while (next < windowEnd) {
      const wait = next - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      const sent = performance.now()
      const code = await call(agent)
      const done = performance.now()
      if (sent >= windowStart && done <= windowEnd) {
        latencies.push(done - sent)
        codes[Status[code]] = (codes[Status[code]] ?? 0) + 1
      }
      next = phase === 'closed' ? done : next + pollMs
    }
  }
  // Paced agents start spread over one poll period, as a fleet's timers are.
  await Promise.all(
    agents.map((agent, index) => agentLoop(agent, phase === 'paced' ? (index * pollMs) / agents.length : 0)),
  )
  latencies.sort((a, b) => a - b)
  const at = (p: number): number =>
    latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil((p / 100) * latencies.length) - 1))] ?? Number.NaN
  return {
    phase,
    calls: latencies.length,
    elapsedMs: durationMs,
    codes,
    latencyMs: { p50: at(50), p90: at(90), p99: at(99), max: latencies.at(-1) ?? Number.NaN },
  }
}

process.on('message', (message) => {
  const request = message as PhaseRequest | { close: true }
  if ('close' in request) {
    for (const { client } of agents) client.close()
    process.exit(0)
  }
  runPhase(request).then(
    (result) => process.send?.({ result }),
    (err: unknown) => process.send?.({ error: String(err) }),
  )
})
