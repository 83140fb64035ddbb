import { randomInt } from 'node:crypto'
import { createServer } from 'node:net'

/**
 * Where test ports come from: below Linux's ephemeral range (32768-60999), so no outgoing connection's local port
 * can take one, and drawn uniformly. Ports the kernel picks for `listen(0)` are not uniform: it handed a port it had
 * just released out again 251 times in 2,000 calls here, so two calls for one config (API and MQTT) returned the
 * same port ("port … is taken by api.port": one soak run in ten), and another test process was as likely to get it.
 */
const RANGE = { from: 20_000, to: 32_767 }

/** Ports this process has handed out: never handed out twice. */
const handedOut = new Set<number>()

function canListen(port: number): Promise<boolean> {
  const server = createServer()
  return new Promise((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/**
 * A loopback port nobody listens on right now, for a child process to bind (mosquitto, or a config that names its
 * ports), never one this process handed out before. Between the return and the child's bind another process could
 * still take it: it would have to draw the same port of ~12,800 within the child's start.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = randomInt(RANGE.from, RANGE.to + 1)
    if (handedOut.has(port) || !(await canListen(port))) continue
    handedOut.add(port)
    return port
  }
  throw new Error(`no free port in ${RANGE.from}-${RANGE.to} after 200 attempts`)
}
