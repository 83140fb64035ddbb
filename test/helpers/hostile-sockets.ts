import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import type { ExecutionContext } from 'ava'

/** Bounds for waiting on a socket event on a loaded 2-core machine. */
export const SOCKET_EVENT_MS = 30_000

export interface HostileSocket {
  socket: Socket
  /** Resolves with the ms from now until the peer closed it; rejects after `timeoutMs`. */
  closed(timeoutMs?: number): Promise<number>
  /** Whether it is still open (the server has not closed it). */
  open(): boolean
}

/**
 * A raw TCP socket to a real listener that sends nothing unless told (an idle or slow hostile client), from
 * `localAddress` (any 127.0.0.x routes to lo on Linux). Resolves once connected, or once the server closed it
 * right away. Destroyed in t.teardown.
 */
export async function openSocket(
  t: ExecutionContext,
  port: number,
  localAddress = '127.0.0.1',
): Promise<HostileSocket> {
  const socket = connect({ port, host: '127.0.0.1', localAddress })
  let isClosed = false
  const closedAt = new Promise<number>((resolve) =>
    socket.once('close', () => {
      isClosed = true
      resolve(Date.now())
    }),
  )
  socket.on('error', () => undefined)
  // Read (and drop) whatever the server answers: a paused socket with unread bytes never emits 'end', so a server
  // that replies before it closes (Node's 408 on the headers deadline) would look like one that never closed.
  socket.resume()
  t.teardown(() => {
    socket.destroy()
  })
  await Promise.race([once(socket, 'connect'), closedAt])
  return {
    socket,
    open: () => !isClosed && !socket.destroyed,
    closed: async (timeoutMs = SOCKET_EVENT_MS) => {
      const started = Date.now()
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs)
      })
      try {
        return (await Promise.race([closedAt, timeout])) - started
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

/**
 * A slow client: writes `start`, then `chunk` every 300 ms (so no idle cut applies) until the server closes the
 * socket; resolves then, rejects after SOCKET_EVENT_MS.
 */
export async function trickleUntilClosed(
  t: ExecutionContext,
  slow: HostileSocket,
  start: string,
  chunk: string,
): Promise<void> {
  slow.socket.write(start)
  const trickle = setInterval(() => slow.socket.write(chunk), 300)
  t.teardown(() => clearInterval(trickle))
  await slow.closed(SOCKET_EVENT_MS)
  clearInterval(trickle)
}
