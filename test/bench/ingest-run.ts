/**
 * Pieces of the ingest benchmark (ingest.ts): a broker built like the manager's embedded one, the publishers child
 * process (ingest-publishers.ts), and the raw reference run: the same publishers against a broker whose only
 * subscriber is a plain mqtt.js QoS 1 client that counts (no decoding, correlation or Inventory).
 */
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import mqtt from 'mqtt'
import { MemoryCredentialStore } from '../../broker/auth/credentials.ts'
import { parseBrokerConfig } from '../../broker/config.ts'
import { createBroker, type RunningBroker } from '../../broker/create-broker.ts'
import { silentLogger } from '../../lib/log.ts'
import { allHostsFilter } from '../../schemas/topics.ts'
import type { PublisherJob } from './ingest-publishers.ts'

export interface BenchBroker {
  broker: RunningBroker
  url: string
  password: string
}

/** Our broker on an ephemeral loopback port with two manager principals: `bench-manager` (subscriber) and `bench-fleet` (publishers). */
export async function startBenchBroker(): Promise<BenchBroker> {
  const parsed = parseBrokerConfig({
    listeners: { tcp: { host: '127.0.0.1', port: 0 } },
    limits: { connectRateLimit: { burst: 1_000_000, perSecond: 1_000_000 } },
    logLevel: 'silent',
  })
  if (!parsed.ok) throw new Error(parsed.problems.join('; '))
  const credentials = new MemoryCredentialStore({ scryptParams: { logN: 10, r: 8, p: 1 } })
  const password = randomBytes(12).toString('base64url')
  await credentials.add({ username: 'bench-manager', password, role: 'manager' })
  await credentials.add({ username: 'bench-fleet', password, role: 'manager' })
  const broker = await createBroker(parsed.config, { log: silentLogger(), credentials })
  return { broker, url: `mqtt://127.0.0.1:${broker.tcpPort ?? 0}`, password }
}

/** Forks the publishers with `job` (over IPC: the password never reaches argv or the environment); resolves with the count sent. */
export function runPublishers(job: PublisherJob): Promise<number> {
  const child = fork(fileURLToPath(new URL('./ingest-publishers.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  })
  const sent = new Promise<number>((resolve, reject) => {
    child.once('message', (message: { sent: number }) => resolve(message.sent))
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`publishers exited with ${code}`)))
  })
  child.send(job)
  return sent
}

export interface RawRun {
  messages: number
  elapsedMs: number
  perSecond: number
}

/**
 * The raw broker QoS 1 rate: the publishers' job against `target`, one subscriber to every host's `state`
 * (QoS 1, acknowledging each message) that only counts. Timed from the fork until the subscriber has them all.
 */
export async function rawRun(
  target: BenchBroker,
  job: Omit<PublisherJob, 'url' | 'username' | 'password'>,
): Promise<RawRun> {
  const subscriber = await mqtt.connectAsync(target.url, {
    username: 'bench-manager',
    password: target.password,
    clientId: `bench-manager:bench-raw-${randomBytes(4).toString('hex')}`,
    reconnectPeriod: 0,
  })
  try {
    await subscriber.subscribeAsync(allHostsFilter('state'), { qos: 1 })
    const total = job.hostIds.length * job.messagesPerHost
    let received = 0
    const all = new Promise<void>((resolve) => {
      subscriber.on('message', () => {
        if (++received === total) resolve()
      })
    })
    const started = performance.now()
    const sent = await runPublishers({ ...job, url: target.url, username: 'bench-fleet', password: target.password })
    await all
    const elapsedMs = performance.now() - started
    return { messages: sent, elapsedMs, perSecond: (sent / elapsedMs) * 1000 }
  } finally {
    await subscriber.endAsync()
  }
}
