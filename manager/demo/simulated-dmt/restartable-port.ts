import { randomInt } from 'node:crypto'
import type { Server } from 'node:net'

/** Below the kernel's ephemeral range (Linux default 32768-60999): no outgoing connection is given such a port. */
const FIRST = 20_000
const COUNT = 12_000

/**
 * Listens on a random port below the ephemeral range, for a fake that stops and starts listening on the same port
 * (`down()` / `up()`). A port from the ephemeral range (port 0) may be taken, while the fake is down, as the local
 * port of any outgoing connection of the machine (the agents' and manager's connections in e2e tests), and up()
 * would then fail with EADDRINUSE. Resolves with the port.
 */
export async function listenRestartable(server: Server, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = FIRST + randomInt(COUNT)
    try {
      await listenOn(server, port, host)
      return port
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
    }
  }
  throw new Error(`no free port in ${FIRST}-${FIRST + COUNT - 1}`)
}

export function listenOn(server: Server, port: number, host = '127.0.0.1'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => reject(err)
    server.once('error', failed)
    server.listen(port, host, () => {
      server.off('error', failed)
      resolve()
    })
  })
}
