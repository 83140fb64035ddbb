import { createServer, type Socket } from 'node:net'
import { listen, serverListener, type Listener } from './listener.ts'

export interface TcpListenerOptions {
  host: string
  port: number
  accept: (socket: Socket) => void
}

export async function startTcpListener({ host, port, accept }: TcpListenerOptions): Promise<Listener> {
  const server = createServer(accept)
  return serverListener('tcp', server, await listen(server, host, port))
}
