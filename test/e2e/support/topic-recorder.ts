import type { ExecutionContext } from 'ava'
import mqtt from 'mqtt'
import type { Credential } from './manager-process.ts'
import { until } from './processes.ts'
import { testClientId } from '../../helpers/client-ids.ts'

export interface Recorded {
  topic: string
  /** The JSON payload (null for an empty, clearing message). */
  json: Record<string, unknown> | null
  retained: boolean
}

export interface TopicRecorder {
  /** Everything received so far (across broker restarts: it reconnects and subscribes again). */
  readonly messages: readonly Recorded[]
  /** The first message from index `from` on matching `match`; waits for it (STEP_MS unless given). */
  waitFor(
    match: (message: Recorded) => boolean,
    what: string,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<Recorded>
}

/** An observer of `filters` that outlives broker restarts (reconnects every 100 ms, resubscribes). Closed in t.teardown. */
export async function recordTopics(
  t: ExecutionContext,
  url: string,
  credential: Credential,
  filters: readonly string[],
): Promise<TopicRecorder> {
  const client = await mqtt.connectAsync(
    url,
    {
      ...credential,
      clientId: testClientId(credential.username, 'e2e-recorder'),
      reconnectPeriod: 100,
      resubscribe: true,
    },
    false,
  )
  t.teardown(() => client.endAsync(true))
  const messages: Recorded[] = []
  client.on('message', (topic, payload, packet) => {
    messages.push({
      topic,
      json: payload.length === 0 ? null : (JSON.parse(payload.toString('utf8')) as Record<string, unknown>),
      retained: packet.retain,
    })
  })
  await client.subscribeAsync([...filters], { qos: 1 })
  return {
    messages,
    waitFor: (match, what, options = {}) =>
      until(
        () => Promise.resolve(messages.slice(options.from ?? 0).find(match)),
        what,
        options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
      ),
  }
}
