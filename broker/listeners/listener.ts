import type { Server, Socket } from 'node:net'

export type ListenerKind = 'tcp' | 'tls' | 'ws'

/** A bound listener. Shutdown is two-phase so no connection arrives while aedes closes its clients. */
export interface Listener {
  kind: ListenerKind
  port: number
  /** Stops accepting new connections; open ones stay. */
  stopAccepting(): void
  /** Stops accepting, destroys the sockets still open (e.g. never sent CONNECT), resolves once closed. */
  close(): Promise<void>
}

/** Binds `server` on host:port (0 = ephemeral) and resolves with the bound port; rejects on EADDRINUSE etc. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err)
    server.once('error', onError)
    server.listen({ host, port }, () => {
      server.removeListener('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : port)
    })
  })
}

/** Wraps a listening server: tracks its sockets and implements the two-phase close. */
export function serverListener(kind: ListenerKind, server: Server, port: number): Listener {
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()))
  const stopAccepting = (): void => {
    if (server.listening) server.close()
  }
  return {
    kind,
    port,
    stopAccepting,
    close: async () => {
      stopAccepting()
      for (const socket of sockets) socket.destroy()
      await closed
    },
  }
}
