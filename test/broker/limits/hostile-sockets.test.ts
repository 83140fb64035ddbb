import { once } from 'node:events'
import test from 'ava'
import WebSocket from 'ws'
import { agentClientId } from '../../../schemas/principals.ts'
import { startTestBroker } from '../../helpers/broker.ts'
import { createTestPki } from '../../helpers/certs.ts'
import { openSocket, SOCKET_EVENT_MS, trickleUntilClosed, type HostileSocket } from '../../helpers/hostile-sockets.ts'
import { connectClient } from '../support/mqtt-clients.ts'
import { connectPacket } from '../support/raw-connect.ts'

const WS_AND_TCP = { tcp: { host: '127.0.0.1', port: 0 }, ws: { host: '127.0.0.1', port: 0, path: '/mqtt' } }

/** Sends a CONNECT (default: a wrong password) on `socket`; resolves with the CONNACK code ('closed' if none came). */
async function connackOn(
  hostile: HostileSocket,
  packet = connectPacket('probe', 'nobody', 'wrong'),
): Promise<number | 'closed'> {
  const answer = new Promise<number | 'closed'>((resolve) => {
    hostile.socket.once('data', (chunk: Buffer) => resolve(chunk[0] === 0x20 ? (chunk[3] ?? -1) : -1))
    hostile.socket.once('close', () => resolve('closed'))
  })
  hostile.socket.write(packet)
  return answer
}

test('a WebSocket-listener socket that never sends the upgrade request is closed within connectTimeoutMs', async (t) => {
  const broker = await startTestBroker(t, { listeners: WS_AND_TCP, limits: { connectTimeoutMs: 1000 } })
  const idle = await openSocket(t, broker.broker.wsPort ?? 0)
  const tookMs = await idle.closed(SOCKET_EVENT_MS)
  t.true(tookMs >= 500, `closed after ${tookMs} ms`)
})

test('an upgrade request trickled slower than connectTimeoutMs is cut', async (t) => {
  const broker = await startTestBroker(t, { listeners: WS_AND_TCP, limits: { connectTimeoutMs: 1000 } })
  const slow = await openSocket(t, broker.broker.wsPort ?? 0)
  await trickleUntilClosed(t, slow, 'GET /mqtt HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n')
  t.pass()
})

test('an upgraded WebSocket that never sends CONNECT is closed by the connect timeout (aedes applies it to WS streams)', async (t) => {
  const broker = await startTestBroker(t, { listeners: WS_AND_TCP, limits: { connectTimeoutMs: 1000 } })
  const ws = new WebSocket(`ws://127.0.0.1:${broker.broker.wsPort ?? 0}/mqtt`, 'mqtt')
  ws.on('error', () => undefined)
  t.teardown(() => ws.terminate())
  await once(ws, 'open')
  const opened = Date.now()
  await Promise.race([
    once(ws, 'close'),
    new Promise((_resolve, reject) => setTimeout(() => reject(new Error('still open')), SOCKET_EVENT_MS)),
  ])
  t.true(Date.now() - opened >= 500)
})

test('the per-address cap refuses the N+1th unauthenticated socket (TCP and WS together) and admits again after one closes', async (t) => {
  const broker = await startTestBroker(t, { listeners: WS_AND_TCP, limits: { maxUnauthenticatedPerAddress: 3 } })
  const tcpPort = broker.port
  const wsPort = broker.broker.wsPort ?? 0
  const held = [
    await openSocket(t, tcpPort, '127.0.0.9'),
    await openSocket(t, wsPort, '127.0.0.9'),
    await openSocket(t, tcpPort, '127.0.0.9'),
  ]
  const refused = await openSocket(t, tcpPort, '127.0.0.9')
  await refused.closed(SOCKET_EVENT_MS)
  t.true(held.every((socket) => socket.open()))
  t.is(broker.broker.stats().connectionsRefused['per-address-cap'], 1)
  t.is(
    await connackOn(await openSocket(t, tcpPort, '127.0.0.10')),
    4,
    'another address is admitted (and refused only for its password)',
  )

  held[0]?.socket.destroy()
  await held[0]?.closed()
  let again: number | 'closed' = 'closed'
  for (const deadline = Date.now() + SOCKET_EVENT_MS; again === 'closed' && Date.now() < deadline;)
    again = await connackOn(await openSocket(t, tcpPort, '127.0.0.9'))
  t.is(again, 4)
})

test('a logged-in device no longer counts against its address', async (t) => {
  const broker = await startTestBroker(t, { limits: { maxUnauthenticatedPerAddress: 1 } })
  for (const hostId of ['h1', 'h2']) {
    const { username, password } = await broker.addDevice('t1', hostId)
    const socket = await openSocket(t, broker.port, '127.0.0.11')
    t.is(await connackOn(socket, connectPacket(agentClientId({ tenantId: 't1', hostId }), username, password)), 0)
  }
  t.is(broker.broker.stats().connectionsRefused['per-address-cap'], undefined)
})

test('beyond maxUnauthenticated a new socket evicts the oldest unauthenticated one; a device still logs in', async (t) => {
  const broker = await startTestBroker(t, { limits: { maxUnauthenticated: 3 } })
  const oldest = await openSocket(t, broker.port, '127.0.2.1')
  const others = [await openSocket(t, broker.port, '127.0.2.2'), await openSocket(t, broker.port, '127.0.2.3')]
  await connectClient(t, broker.url, await broker.addDevice('t1', 'h1'))
  await oldest.closed(SOCKET_EVENT_MS)
  t.true(others.every((socket) => socket.open()))
  t.true((broker.broker.stats().connectionsRefused['waiting-evicted'] ?? 0) >= 1)
})

test('a TLS socket that never completes its handshake is cut within connectTimeoutMs (Node default: 120 s)', async (t) => {
  const pki = await createTestPki()
  t.teardown(() => pki.remove())
  const server = await (await pki.createCa('hostile-ca')).issueServer()
  const broker = await startTestBroker(t, {
    listeners: {
      tcp: { host: '127.0.0.1', port: 0 },
      tls: { host: '127.0.0.1', port: 0, certFile: server.certFile, keyFile: server.keyFile },
    },
    limits: { connectTimeoutMs: 1000 },
  })
  const idle = await openSocket(t, broker.broker.tlsPort ?? 0)
  const tookMs = await idle.closed(SOCKET_EVENT_MS)
  t.true(tookMs >= 500, `closed after ${tookMs} ms`)
})
