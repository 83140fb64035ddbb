import { connect, createServer, type Socket } from 'node:net'
import type { ExecutionContext } from 'ava'

/** A request for the live stream the browser sent through the proxy. */
interface StreamRequest {
  /** Its Last-Event-ID header (no other header is kept). */
  lastEventId: string | null
  /** Its `ready` event came back: the stream is live. */
  ready: boolean
  /** Its connection is still open. */
  open: boolean
}

export interface CuttableProxy {
  /** http://127.0.0.1:<port>: the browser's way to the manager. */
  url: string
  /**
   * The network between the browser and the manager drops: every open connection is destroyed (an open event
   * stream breaks mid-body), and new ones are accepted but held, not forwarded, until `resume()`.
   */
  cut(): void
  /** Forwards the held connections and every new one again. */
  resume(): void
  /** The live-stream requests seen so far, in order. */
  readonly streamRequests: readonly StreamRequest[]
}

const STREAM_REQUEST = /^GET \/api\/v1\/tenants\/[^/\s]+\/hosts\/changes[?\s]/m
const LAST_EVENT_ID = /^last-event-id: *([^\r\n]*)\r?$/im

/**
 * A TCP proxy on a loopback port in front of the manager's HTTP port: what a proxy restart or a network drop does
 * to a page's live stream, on demand. Closed (every connection with it) in t.teardown.
 */
export async function startCuttableProxy(t: ExecutionContext, target: string): Promise<CuttableProxy> {
  const { hostname, port } = new URL(target)
  const open = new Set<Socket>()
  const held: Socket[] = []
  const streamRequests: StreamRequest[] = []
  let cut = false

  const forward = (client: Socket): void => {
    const upstream = connect(Number(port), hostname)
    open.add(upstream)
    upstream.on('close', () => open.delete(upstream))
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    let stream: StreamRequest | undefined
    client.on('data', (chunk: Buffer) => {
      const head = chunk.toString('latin1')
      if (!STREAM_REQUEST.test(head)) return
      stream = { lastEventId: LAST_EVENT_ID.exec(head)?.[1] ?? null, ready: false, open: true }
      streamRequests.push(stream)
    })
    let tail = '' // the end of the previous chunk: `event: ready` may arrive split across two
    upstream.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1')
      if (stream !== undefined && /^event: ready$/m.test(text)) stream.ready = true
      tail = text.slice(-32)
    })
    client.on('close', () => {
      if (stream !== undefined) stream.open = false
    })
    client.pipe(upstream)
    upstream.pipe(client)
    client.resume()
  }

  const server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client)
    client.on('close', () => open.delete(client))
    if (cut) held.push(client)
    else forward(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const socket of [...open, ...held]) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut() {
      cut = true
      for (const socket of open) socket.destroy()
    },
    resume() {
      cut = false
      for (const client of held.splice(0)) if (!client.destroyed) forward(client)
    },
    streamRequests,
  }
}
