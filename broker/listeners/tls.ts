import { readFile } from 'node:fs/promises'
import type { Socket } from 'node:net'
import { createServer, type TLSSocket } from 'node:tls'
import type { TlsListenerConfig } from '../config.ts'
import { listen, serverListener, type Listener } from './listener.ts'

export interface TlsListenerOptions {
  config: TlsListenerConfig
  accept: (socket: TLSSocket) => void
  /** A handshake that failed (bad protocol, certificate errors the TLS layer itself rejects). */
  onHandshakeError: (err: Error, socket: Socket) => void
}

/**
 * TLS listener. With `requestClientCert`, clients are asked for a certificate, but an unverified one does not
 * abort the handshake (`rejectUnauthorized: false`): authentication refuses it with a CONNACK and a counted
 * reason, and clients without a certificate can still log in with a password.
 */
export async function startTlsListener({ config, accept, onHandshakeError }: TlsListenerOptions): Promise<Listener> {
  const [cert, key, ca] = await Promise.all([
    readFile(config.certFile),
    readFile(config.keyFile),
    config.caFile === undefined ? undefined : readFile(config.caFile),
  ])
  const server = createServer({ cert, key, ca, requestCert: config.requestClientCert, rejectUnauthorized: false, minVersion: 'TLSv1.2' }, accept)
  server.on('tlsClientError', onHandshakeError)
  return serverListener('tls', server, await listen(server, config.host, config.port))
}
