/**
 * A broker in its own process for the benchmark (so it does not share an event loop with the load generator).
 *   node --import tsx test/bench/bench-server.ts <ours | aedes | aedes-nagle>
 * Prints one JSON line {"port": N} on stdout when listening; stops on SIGTERM/SIGINT.
 * ours:        createBroker (authentication, ACL hooks, limits, noDelay) with one manager principal whose
 *              password comes from BENCH_BROKER_PASSWORD (never argv).
 * aedes:       bare aedes defaults on net.createServer, with socket.setNoDelay(true).
 * aedes-nagle: bare aedes defaults on net.createServer, Nagle left on (Node's default).
 */
import { createServer, type Server } from 'node:net'
import { Aedes } from 'aedes'
import { pino } from 'pino'
import { MemoryCredentialStore } from '../../broker/auth/credentials.ts'
import { parseBrokerConfig } from '../../broker/config.ts'
import { createBroker } from '../../broker/create-broker.ts'
import { createLogger } from '../../lib/log.ts'
import { BENCH_MANAGER, PASSWORD_ENV } from './bench-principal.ts'

const log = createLogger({ name: 'bench-broker', level: 'warn', destination: pino.destination(2) })

async function startOurs(): Promise<{ port: number; close: () => Promise<void> }> {
  const password = process.env[PASSWORD_ENV]
  if (password === undefined || password === '') throw new Error(`${PASSWORD_ENV} is not set`)
  const parsed = parseBrokerConfig({ listeners: { tcp: { host: '127.0.0.1', port: 0 } }, logLevel: 'warn' })
  if (!parsed.ok) throw new Error(parsed.problems.join('; '))
  const credentials = new MemoryCredentialStore({ scryptParams: { logN: 10, r: 8, p: 1 } })
  await credentials.add({ username: BENCH_MANAGER, password, role: 'manager' })
  const broker = await createBroker(parsed.config, { log, credentials })
  if (broker.tcpPort === undefined) throw new Error('broker has no tcp listener')
  return { port: broker.tcpPort, close: () => broker.close() }
}

async function startBareAedes(noDelay: boolean): Promise<{ port: number; close: () => Promise<void> }> {
  const aedes = await Aedes.createBroker()
  const server: Server = createServer((socket) => {
    if (noDelay) socket.setNoDelay(true)
    aedes.handle(socket)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no tcp address')
  return {
    port: address.port,
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

async function main(mode: string | undefined): Promise<void> {
  const started =
    mode === 'ours'
      ? await startOurs()
      : mode === 'aedes'
        ? await startBareAedes(true)
        : mode === 'aedes-nagle'
          ? await startBareAedes(false)
          : undefined
  if (started === undefined)
    throw new Error(`unknown mode ${JSON.stringify(mode)}: expected ours, aedes or aedes-nagle`)
  const stop = (): void => {
    started.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'close failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  process.stdout.write(`${JSON.stringify({ port: started.port })}\n`)
}

main(process.argv[2]).catch((err: unknown) => {
  log.fatal({ err }, 'bench broker failed to start')
  process.exit(1)
})
