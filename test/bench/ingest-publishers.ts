/**
 * Child process of the ingest benchmark (ingest.ts): N mqtt.js clients publishing `state` for a slice of the
 * hosts each, round-robin over hosts (so consecutive messages are of different hosts, as in a fleet), with at
 * most `window` unacknowledged QoS 1 messages per client.
 */
import { randomUUID } from 'node:crypto'
import mqtt from 'mqtt'
import { buildTopic, encodePayload } from '../../schemas/index.ts'

export interface PublisherJob {
  url: string
  username: string
  password: string
  tenantId: string
  hostIds: string[]
  publishers: number
  messagesPerHost: number
  window: number
  /** Report the same phase every time (the correlated view never changes: no status publication). */
  steady: boolean
}

/** The job (with the password) arrives over IPC, never in argv or the environment. */
const job = await new Promise<PublisherJob>((resolve) =>
  process.once('message', (message) => resolve(message as PublisherJob)),
)

async function publishSlice(hostIds: string[]): Promise<number> {
  const client = await mqtt.connectAsync(job.url, {
    username: job.username,
    password: job.password,
    clientId: `${job.username}:bench-pub-${randomUUID()}`,
    reconnectPeriod: 0,
  })
  const boots = new Map(hostIds.map((hostId) => [hostId, randomUUID()]))
  let sent = 0
  let inFlight = 0
  let wake: (() => void) | null = null
  for (let round = 0; round < job.messagesPerHost; round++) {
    for (const hostId of hostIds) {
      const phase = job.steady || round % 2 === 1 ? 'PROVISIONED' : 'ACTIVATING'
      const payload = encodePayload('state', {
        v: 1,
        ts: new Date().toISOString(),
        hostId,
        bootId: boots.get(hostId) ?? '',
        seq: round,
        phase,
        observedGeneration: 0,
        controlMode: phase === 'PROVISIONED' ? 'CCM' : 'PRE_PROVISIONING',
        remoteStatus: null,
      })
      while (inFlight >= job.window) await new Promise<void>((resolve) => (wake = resolve))
      inFlight++
      client.publish(buildTopic({ tenantId: job.tenantId, hostId, leaf: 'state' }), payload, { qos: 1 }, () => {
        inFlight--
        const resume = wake
        wake = null
        resume?.()
      })
      sent++
    }
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve))
  await client.endAsync()
  return sent
}

const slices = Array.from({ length: job.publishers }, (_, i) =>
  job.hostIds.filter((_, index) => index % job.publishers === i),
)
const counts = await Promise.all(slices.map((slice) => publishSlice(slice)))
process.send?.({ sent: counts.reduce((a, b) => a + b, 0) })
process.disconnect?.()
