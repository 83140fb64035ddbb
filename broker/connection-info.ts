import { Socket } from 'node:net'
import { TLSSocket, type PeerCertificate } from 'node:tls'
import type { Client } from 'aedes'
import { loggableClientId } from './log-safe.ts'

/** Source address of a client: the socket's for TCP/TLS, the HTTP request's socket for WebSocket. */
export function remoteAddressOf(client: Client): string | undefined {
  if (client.conn instanceof Socket) return client.conn.remoteAddress
  return client.req?.socket.remoteAddress
}

export type PeerCertificateState =
  { kind: 'none' } | { kind: 'trusted'; certificate: PeerCertificate } | { kind: 'untrusted'; detail: string }

/** Whether the client presented a TLS certificate and whether it chains to the configured CA. */
export function peerCertificateOf(client: Client): PeerCertificateState {
  const conn = client.conn
  if (!(conn instanceof TLSSocket)) return { kind: 'none' }
  const certificate = conn.getPeerCertificate()
  if (Object.keys(certificate).length === 0) return { kind: 'none' }
  if (!conn.authorized) return { kind: 'untrusted', detail: String(conn.authorizationError) }
  return { kind: 'trusted', certificate }
}

/** A short, log-safe client id (ids come from the wire; log-safe.ts says when it is shown as it is). */
export function clientIdOf(client: Client): string | undefined {
  // aedes sets id once CONNECT is parsed; before that it is null at runtime despite its type.
  const id = client.id as string | null | undefined
  return id === null || id === undefined ? undefined : loggableClientId(client, id)
}
