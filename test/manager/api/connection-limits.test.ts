import { request } from 'node:http'
import test from 'ava'
import { DEFAULT_API_LIMITS } from '../../../manager/api/socket-limits.ts'
import type { ApiConnectionLimits } from '../../../manager/config/schema.ts'
import { openSocket, SOCKET_EVENT_MS, trickleUntilClosed } from '../../helpers/hostile-sockets.ts'
import { startApi, type ApiHarness } from './api-harness.ts'

/** Short deadlines so a cut is seen quickly; bounds on waiting stay generous (SOCKET_EVENT_MS). */
const SHORT: ApiConnectionLimits = {
  ...DEFAULT_API_LIMITS,
  idleTimeoutMs: 1000,
  headersTimeoutMs: 1000,
  requestTimeoutMs: 2000,
  keepAliveTimeoutMs: 1000,
}

const portOf = (api: ApiHarness): number => Number(new URL(api.url).port)

async function metricValue(api: ApiHarness, line: string): Promise<number> {
  const text = await api.metrics.registry.metrics()
  const found = text.split('\n').find((l) => l.startsWith(line))
  return found === undefined ? 0 : Number(found.slice(line.length).trim())
}

test('an API socket that sends nothing is closed after idleTimeoutMs', async (t) => {
  const api = await startApi(t, { limits: SHORT })
  const idle = await openSocket(t, portOf(api))
  const tookMs = await idle.closed(SOCKET_EVENT_MS)
  t.true(tookMs >= 500, `closed after ${tookMs} ms`)
})

test('an API socket that sends nothing is closed by the headers deadline when the idle timeout is longer', async (t) => {
  const api = await startApi(t, { limits: { ...SHORT, idleTimeoutMs: 60_000 } })
  const idle = await openSocket(t, portOf(api))
  // Node answers 408 before closing here: the client must see the close although bytes came first.
  const tookMs = await idle.closed(SOCKET_EVENT_MS)
  t.true(tookMs >= 500, `closed after ${tookMs} ms`)
})

test('API headers trickled slower than headersTimeoutMs are cut', async (t) => {
  const api = await startApi(t, { limits: { ...SHORT, idleTimeoutMs: 60_000 } })
  const slow = await openSocket(t, portOf(api))
  // One header line every 300 ms keeps the socket active (no idle cut); the headers deadline must end it.
  await trickleUntilClosed(t, slow, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n')
  t.pass()
})

test('an authenticated request body trickled slower than requestTimeoutMs is cut', async (t) => {
  const api = await startApi(t, { limits: { ...SHORT, idleTimeoutMs: 60_000 } })
  const token = await api.token('admin', '*')
  const slow = await openSocket(t, portOf(api))
  const headers = `POST /api/v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`
  await trickleUntilClosed(t, slow, headers, ' ')
  t.pass()
})

test('the per-address cap refuses the N+1th API socket of an address, counts it, and admits again after one closes', async (t) => {
  const api = await startApi(t, { limits: { ...DEFAULT_API_LIMITS, maxConnectionsPerAddress: 3 } })
  const port = portOf(api)
  const held = [
    await openSocket(t, port, '127.0.0.7'),
    await openSocket(t, port, '127.0.0.7'),
    await openSocket(t, port, '127.0.0.7'),
  ]
  const refused = await openSocket(t, port, '127.0.0.7')
  await refused.closed(SOCKET_EVENT_MS)
  t.true(held.every((socket) => socket.open()))
  t.is(await metricValue(api, 'amt_manager_connections_refused_total{listener="api",reason="per-address-cap"}'), 1)
  t.is(await getHealth(port, '127.0.0.8'), 200, 'another address is not affected')

  held[0]?.socket.destroy()
  await held[0]?.closed()
  t.is(await getHealthUntilAdmitted(port, '127.0.0.7'), 200)
})

test('beyond maxIdleConnections a new API socket evicts the oldest idle one', async (t) => {
  const api = await startApi(t, { limits: { ...DEFAULT_API_LIMITS, maxIdleConnections: 3 } })
  const port = portOf(api)
  const oldest = await openSocket(t, port, '127.0.1.1')
  const others = [await openSocket(t, port, '127.0.1.2'), await openSocket(t, port, '127.0.1.3')]
  t.is(await getHealth(port, '127.0.1.4'), 200)
  await oldest.closed(SOCKET_EVENT_MS)
  t.true(others.every((socket) => socket.open()))
  t.true(
    (await metricValue(api, 'amt_manager_connections_refused_total{listener="api",reason="waiting-evicted"}')) >= 1,
  )
})

/** GET /healthz over a fresh connection from `localAddress`: the status, or 0 when the connection was refused. */
function getHealth(port: number, localAddress: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/healthz', localAddress, agent: false, timeout: SOCKET_EVENT_MS },
      (res) => {
        res.resume()
        res.once('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.once('error', () => resolve(0))
    req.once('timeout', () => req.destroy())
    req.end()
  })
}

/** The server sees a closed socket a moment after the client: retry while the address is still at its cap. */
async function getHealthUntilAdmitted(port: number, localAddress: string): Promise<number> {
  const deadline = Date.now() + SOCKET_EVENT_MS
  for (;;) {
    const status = await getHealth(port, localAddress)
    if (status !== 0 || Date.now() > deadline) return status
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
