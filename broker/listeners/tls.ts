import { readFile } from 'node:fs/promises'
import type { Socket } from 'node:net'
import { createServer, type TLSSocket } from 'node:tls'
import type { TlsListenerConfig } from '../config.ts'
import { listen, serverListener, type Listener } from './listener.ts'
import { protectServer, type ListenerProtection } from './protection.ts'

export interface TlsListenerOptions {
  config: TlsListenerConfig
  /** A completed handshake; `socket` is the TCP socket the guard counts (the one to mark trusted). */
  accept: (tlsSocket: TLSSocket, socket: Socket) => void
  /** A handshake that failed (bad protocol, certificate errors the TLS layer itself rejects, handshake timeout). */
  onHandshakeError: (err: Error, socket: Socket) => void
  protection: ListenerProtection
}

/**
 * TLS listener. With `requestClientCert`, clients are asked for a certificate, but an unverified one does not
 * abort the handshake (`rejectUnauthorized: false`): authentication refuses it with a CONNACK and a counted
 * reason, and clients without a certificate can still log in with a password. A handshake not done within
 * `protection.handshakeTimeoutMs` is cut (Node's default is 120 s).
 */
export async function startTlsListener({
  config,
  accept,
  onHandshakeError,
  protection,
}: TlsListenerOptions): Promise<Listener> {
  const [cert, key, ca] = await Promise.all([
    readFile(config.certFile),
    readFile(config.keyFile),
    config.caFile === undefined ? undefined : readFile(config.caFile),
  ])
  /** TCP sockets in their handshake, by remote address and port (unique while both are open). */
  const handshaking = new Map<string, Socket>()
  const keyOf = (socket: Socket): string => `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`
  const options = {
    cert,
    key,
    ca,
    requestCert: config.requestClientCert,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2' as const,
    handshakeTimeout: protection.handshakeTimeoutMs,
  }
  const server = createServer(options, (tlsSocket) => {
    const socket = handshaking.get(keyOf(tlsSocket))
    handshaking.delete(keyOf(tlsSocket))
    if (socket !== undefined && !socket.destroyed) accept(tlsSocket, socket)
    else tlsSocket.destroy()
  })
  protectServer(server, 'tls', protection)
  server.on('connection', (socket: Socket) => {
    if (socket.destroyed) return
    const socketKey = keyOf(socket)
    handshaking.set(socketKey, socket)
    socket.once('close', () => {
      if (handshaking.get(socketKey) === socket) handshaking.delete(socketKey)
    })
  })
  server.on('tlsClientError', (err, socket) => {
    socket.destroy() // with a 'tlsClientError' listener Node leaves a failed (or timed-out) handshake's socket open
    onHandshakeError(err, socket)
  })
  return serverListener('tls', server, await listen(server, config.host, config.port))
}
