import { createServer, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, createWebSocketStream } from 'ws'
import { listen, serverListener, type Listener } from './listener.ts'
import { protectServer, type ListenerProtection } from './protection.ts'

export interface WsListenerOptions {
  host: string
  port: number
  path: string
  /** Upper bound of one WebSocket message; the MQTT packet-size guard still applies inside the stream. */
  maxPayload: number
  /** An upgraded connection; `request.socket` is the socket the guard counts. aedes' connectTimeout bounds its CONNECT. */
  accept: (stream: Duplex, request: IncomingMessage) => void
  protection: ListenerProtection
}

/**
 * MQTT over WebSocket, plain HTTP: terminate TLS in front of it when exposed. Before the upgrade the HTTP server
 * cuts a socket idle for `handshakeTimeoutMs` and one whose upgrade request is not complete within it; after the
 * upgrade, ws turns the socket timeout off and aedes' connectTimeout bounds the CONNECT.
 */
export async function startWsListener({
  host,
  port,
  path,
  maxPayload,
  accept,
  protection,
}: WsListenerOptions): Promise<Listener> {
  const deadline = protection.handshakeTimeoutMs
  const server = createServer(
    { headersTimeout: deadline, requestTimeout: deadline, connectionsCheckingInterval: checkingIntervalFor(deadline) },
    (_req, res) => res.writeHead(426, { Connection: 'close' }).end(),
  )
  server.setTimeout(deadline)
  protectServer(server, 'ws', protection)
  const wss = new WebSocketServer({ server, path, maxPayload })
  wss.on('connection', (ws, request) => {
    request.socket.setNoDelay(true)
    accept(createWebSocketStream(ws), request)
  })
  const listener = serverListener('ws', server, await listen(server, host, port))
  return {
    ...listener,
    close: async () => {
      listener.stopAccepting()
      for (const client of wss.clients) client.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await listener.close()
    },
  }
}

/** How often Node checks header/request deadlines (default 30 s): a quarter of the deadline, at least 250 ms. */
function checkingIntervalFor(deadlineMs: number): number {
  return Math.max(250, Math.min(30_000, Math.floor(deadlineMs / 4)))
}
