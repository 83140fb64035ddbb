import test from 'ava'
import { connect, type Socket } from 'node:net'
import { silentLogger } from '../../../lib/log.ts'
import { createDispatcher } from '../../../manager/bus/dispatch.ts'
import { ApiConnectionLimits } from '../../../manager/config/schema.ts'
import { AgentMessages, metricValue } from '../../helpers/manager-core.ts'
import { SseClient, within } from '../../helpers/sse-client.ts'
import { seed, startApi, type ApiHarness } from './api-harness.ts'

const changesOf = (api: ApiHarness, tenantId: string) => `${api.url}/api/v1/tenants/${tenantId}/hosts/changes`

async function open(t: Parameters<typeof SseClient.open>[0], api: ApiHarness, token: string) {
  const answer = await SseClient.open(t, changesOf(api, 'acme'), { token })
  if (answer.stream === null) throw new Error(`stream refused: ${answer.status} ${answer.text}`)
  await answer.stream.named('ready')
  return answer.stream
}

async function reportFailed(api: ApiHarness, hostId: string, reason: string): Promise<void> {
  const dispatch = createDispatcher({ record: api.core.record, log: silentLogger(), metrics: api.metrics })
  const agent = new AgentMessages({ tenantId: 'acme', hostId })
  const body = { phase: 'FAILED' as const, observedGeneration: 0, controlMode: 'PRE_PROVISIONING' as const }
  const { topic, payload } = agent.encode('state', { ...body, remoteStatus: null, reason })
  await dispatch(topic, payload, false)
}

/** A client that sends the stream request and then never reads (its socket paused). */
async function stalledReader(t: Parameters<typeof SseClient.open>[0], api: ApiHarness, token: string) {
  const { port } = new URL(api.url)
  const socket: Socket = connect(Number(port), '127.0.0.1')
  t.teardown(() => socket.destroy())
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  socket.write(`GET /api/v1/tenants/acme/hosts/changes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`)
  const headers = await new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(String(chunk))))
  socket.pause()
  /** Reads what the server had sent, then resolves when it closed the connection (a paused socket sees no FIN). */
  const closed = (): Promise<void> => {
    socket.on('data', () => undefined)
    socket.resume()
    return ended
  }
  return { headers, closed }
}

test('streams over the per-token cap get 429 TOO_MANY_STREAMS, over the total 503 STREAMS_UNAVAILABLE', async (t) => {
  const api = await startApi(t, { hostChanges: { maxStreams: 3, maxTokenStreams: 2 } })
  await seed(api.inventory, { acme: [] })
  const [first, second] = [await api.token('viewer', 'acme'), await api.token('viewer', 'acme')]
  await open(t, api, first)
  await open(t, api, first)
  const overToken = await SseClient.open(t, changesOf(api, 'acme'), { token: first })
  t.is(overToken.status, 429)
  t.like(JSON.parse(overToken.text), { code: 'TOO_MANY_STREAMS', details: { max: 2 } })
  await open(t, api, second)
  const overTotal = await SseClient.open(t, changesOf(api, 'acme'), { token: await api.token('admin', '*') })
  t.is(overTotal.status, 503)
  t.like(JSON.parse(overTotal.text), { code: 'STREAMS_UNAVAILABLE', details: { max: 3 } })

  const metrics = await api.request('GET', '/metrics')
  t.regex(metrics.text, /^amt_manager_host_change_streams 3$/m)
  t.regex(metrics.text, /^amt_manager_host_change_streams_refused_total\{reason="per-token"\} 1$/m)
  t.regex(metrics.text, /^amt_manager_host_change_streams_refused_total\{reason="total"\} 1$/m)
})

test('a reader that stops reading is cut off once its unsent bytes pass the bound; the others go on', async (t) => {
  const api = await startApi(t, { hostChanges: { maxBufferedBytes: 256 * 1024 } })
  // Bursts of 100 host views (~70 KiB) stay under the bound: only a reader that does not read passes it.
  const hostIds = Array.from({ length: 100 }, (_, index) => `host-${index}`)
  await seed(api.inventory, { acme: hostIds })
  const viewer = await api.token('viewer', 'acme')
  const operator = await api.token('operator', 'acme')
  const slow = await stalledReader(t, api, viewer)
  t.regex(slow.headers, /^HTTP\/1.1 200/)
  const healthy = await open(t, api, viewer)
  const { ended } = streamMetricsOf(api)
  let rounds = 0
  /** One bulk desired write (~70 KiB of host views to every stream); the healthy reader gets all of it. */
  const round = async (): Promise<void> => {
    rounds++
    const bulk = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
      token: operator,
      body: { desiredAmtState: rounds % 2 === 1 ? 'PROVISIONED' : 'UNPROVISIONED', hostIds },
    })
    t.is(bulk.status, 200)
    await healthy.next((event) => event.data.includes('"hostId":"host-99"') && generationOf(event.data) === rounds)
  }
  // The kernel's socket buffers take a few MiB first; then the stalled reader's unsent bytes grow.
  while ((await metricValue(ended, { reason: 'slow-reader' })) === 0 && rounds < 500) await round()
  t.is(await metricValue(ended, { reason: 'slow-reader' }), 1)
  await within(slow.closed(), 30_000, 'the slow reader is disconnected')
  t.is(await metricValue(streamMetricsOf(api).open), 1, 'the healthy stream is still open')
  await round()
  t.is(await metricValue(ended, { reason: 'slow-reader' }), 1, 'the healthy reader was never cut off')
})

test('closing the API ends open streams, a stalled one too, and does not hang', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['h1'] })
  const token = await api.token('viewer', 'acme')
  const stream = await open(t, api, token)
  const stalled = await stalledReader(t, api, token)
  await within(api.app.close(), 30_000, 'app.close()')
  await within(stream.ended, 30_000, 'the stream ends')
  await within(stalled.closed(), 30_000, 'the stalled stream ends')
  t.true(stream.events.every((event) => event.event !== 'host'))
})

test('a stream ends when the manager core stops (the feed closes)', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['h1'] })
  const stream = await open(t, api, await api.token('viewer', 'acme'))
  await api.core.stop()
  await within(stream.ended, 30_000, 'the stream ends')
  t.is(await metricValue(streamMetricsOf(api).ended, { reason: 'shutdown' }), 1)
})

test('a quiet stream outlives the idle timeout by its heartbeats, is never evicted as idle, and counts per address', async (t) => {
  const limits = ApiConnectionLimits.parse({
    idleTimeoutMs: 1000,
    headersTimeoutMs: 500,
    requestTimeoutMs: 1000,
    keepAliveTimeoutMs: 500,
    maxConnectionsPerAddress: 2,
    maxIdleConnections: 1,
  })
  const api = await startApi(t, { limits })
  await seed(api.inventory, { acme: ['h1'] })
  const token = await api.token('viewer', 'acme')
  const stream = await open(t, api, token)
  // Heartbeats every 500 ms (half the idle timeout): three of them span more than the idle timeout.
  const heartbeats = () => stream.comments.filter((comment) => comment.trim() === 'heartbeat').length
  await stream.until(() => heartbeats() >= 3, 'three heartbeats')
  t.true(heartbeats() >= 3)
  const other = await open(t, api, token)
  // A third socket of this address is refused: the two streams count as connections.
  const refused = connect(Number(new URL(api.url).port), '127.0.0.1')
  t.teardown(() => refused.destroy())
  await within(new Promise((resolve) => refused.once('close', resolve)), 30_000, 'the third socket is closed')
  await reportFailed(api, 'h1', 'still live')
  for (const live of [stream, other]) t.truthy(await live.next((event) => event.data.includes('still live')))
})

function streamMetricsOf(api: ApiHarness) {
  const registry = api.metrics.registry
  const metric = (name: string) => {
    const found = registry.getSingleMetric(name)
    if (found === undefined) throw new Error(`no metric ${name}`)
    return found as unknown as Parameters<typeof metricValue>[0]
  }
  return {
    open: metric('amt_manager_host_change_streams'),
    ended: metric('amt_manager_host_change_streams_ended_total'),
  }
}

const generationOf = (data: string): number => (JSON.parse(data) as { desiredGeneration: number }).desiredGeneration
