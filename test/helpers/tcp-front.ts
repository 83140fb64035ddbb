import { connect, createServer, type Server, type Socket } from 'node:net'

/**
 * A test-only TCP front to several backends, as a Kubernetes Service in front of a Deployment's pods: each new
 * connection goes to the next backend in turn (round-robin); a backend that refuses (dead) is skipped for the next
 * one; when none accepts, the connection is closed. Bytes are piped both ways; when either side ends, both do. An
 * established connection is never moved: a backend that dies closes its clients, which connect again (to another).
 */
export interface TcpFront {
  /** The front's loopback port (listen(0)). */
  readonly port: number
  /** Connections sent to each backend port so far. */
  readonly routed: ReadonlyMap<number, number>
  close(): Promise<void>
}

export async function startTcpFront(backendPorts: readonly number[], host = '127.0.0.1'): Promise<TcpFront> {
  const routed = new Map<number, number>(backendPorts.map((port) => [port, 0]))
  const open = new Set<Socket>()
  let next = 0

  /** Tries the backends from the next one in turn; null when none accepted. */
  const reachBackend = async (): Promise<Socket | null> => {
    for (let tried = 0; tried < backendPorts.length; tried++) {
      const port = backendPorts[next % backendPorts.length] as number
      next++
      const socket = await new Promise<Socket | null>((resolve) => {
        const attempt = connect({ host, port })
        attempt.once('connect', () => resolve(attempt))
        attempt.once('error', () => {
          attempt.destroy()
          resolve(null)
        })
      })
      if (socket !== null) {
        routed.set(port, (routed.get(port) ?? 0) + 1)
        return socket
      }
    }
    return null
  }

  const track = (socket: Socket) => {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
  }

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    track(client)
    client.on('error', () => client.destroy())
    void reachBackend().then((backend) => {
      if (backend === null || client.destroyed) {
        backend?.destroy()
        client.destroy()
        return
      }
      track(backend)
      backend.on('error', () => backend.destroy())
      backend.once('close', () => client.destroy())
      client.once('close', () => backend.destroy())
      client.pipe(backend)
      backend.pipe(client)
      client.resume()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('tcp front: no port')
  return {
    port: address.port,
    routed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
