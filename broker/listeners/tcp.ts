import { createServer, type Socket } from 'node:net'
import { listen, serverListener, type Listener } from './listener.ts'
import { protectServer, type ListenerProtection } from './protection.ts'

export interface TcpListenerOptions {
  host: string
  port: number
  /** An admitted socket (the guard destroys refused ones before this). aedes' connectTimeout bounds its CONNECT. */
  accept: (socket: Socket) => void
  protection: ListenerProtection
}

export async function startTcpListener({ host, port, accept, protection }: TcpListenerOptions): Promise<Listener> {
  const server = createServer((socket) => {
    if (!socket.destroyed) accept(socket)
  })
  protectServer(server, 'tcp', protection)
  return serverListener('tcp', server, await listen(server, host, port))
}
