import { createServer, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, createWebSocketStream } from 'ws'
import { listen, serverListener, type Listener } from './listener.ts'

export interface WsListenerOptions {
  host: string
  port: number
  path: string
  /** Upper bound of one WebSocket message; the MQTT packet-size guard still applies inside the stream. */
  maxPayload: number
  accept: (stream: Duplex, request: IncomingMessage) => void
}

/** MQTT over WebSocket, plain HTTP: terminate TLS in front of it when exposed. */
export async function startWsListener({ host, port, path, maxPayload, accept }: WsListenerOptions): Promise<Listener> {
  const server = createServer((_req, res) => res.writeHead(426, { Connection: 'close' }).end())
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
