/**
 * The hostile clients of the abuse benchmark: idle sockets, wrong logins, an events flood. Each runs against the
 * real listeners of a manager child process and reports what it saw; none of them knows the manager's internals.
 */
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import mqtt from 'mqtt'
import WebSocket from 'ws'
import { agentClientId } from '../../schemas/principals.ts'
import { buildTopic } from '../../schemas/topics.ts'
import type { HostCredentials } from '../../agent/simulate/index.ts'

export interface Target {
  host: string
  port: number
}

/** Source addresses 127.0.0.2 … : all of 127/8 reaches lo on Linux, so per-address caps see many clients. */
export const sourceAddress = (index: number, spread: number): string =>
  `127.0.${Math.floor((index % spread) / 250)}.${2 + ((index % spread) % 250)}`

/** A connect the server never answers (its backlog full) would wait for the kernel's ~2 min. */
const CONNECT_TIMEOUT_MS = 10_000

export interface IdleSockets {
  /** Sockets that connected. */
  opened: number
  /** Sockets refused or reset while connecting. */
  refused: number
  /** Sockets the server closed since they were opened. */
  closedByServer(): number
  close(): void
}

/**
 * Opens `count` TCP sockets to `target` (spread over `spread` source addresses, `parallel` at a time) that send
 * nothing — or, with `upgradeWs`, that complete a WebSocket upgrade and then send nothing.
 */
export async function openIdleSockets(
  target: Target & { wsPath?: string },
  count: number,
  options: { spread: number; parallel?: number },
): Promise<IdleSockets> {
  const sockets: Array<Socket | WebSocket> = []
  let opened = 0
  let refused = 0
  let closedByServer = 0
  let closing = false
  const openOne = async (index: number): Promise<void> => {
    const localAddress = sourceAddress(index, options.spread)
    try {
      if (target.wsPath === undefined) {
        const socket = connect({ host: target.host, port: target.port, localAddress })
        socket.on('error', () => undefined)
        socket.on('close', () => (closing ? undefined : closedByServer++))
        sockets.push(socket)
        await once(socket, 'connect', { signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS) })
      } else {
        const ws = new WebSocket(`ws://${target.host}:${target.port}${target.wsPath}`, 'mqtt', { localAddress })
        ws.on('error', () => undefined)
        ws.on('close', () => (closing ? undefined : closedByServer++))
        sockets.push(ws)
        await once(ws, 'open', { signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS) })
      }
      opened++
    } catch {
      refused++
    }
  }
  const parallel = options.parallel ?? 200
  for (let next = 0; next < count; next += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, count - next) }, (_, i) => openOne(next + i)))
  }
  return {
    opened,
    refused,
    closedByServer: () => closedByServer,
    close() {
      closing = true
      for (const socket of sockets) {
        if (socket instanceof WebSocket) socket.terminate()
        else socket.destroy()
      }
    },
  }
}

export interface LoginOutcome {
  ok: boolean
  ms: number
}

/** One MQTT login (CONNECT → CONNACK) and disconnect; never throws. */
export async function login(
  url: string,
  credential: { username: string; password: string; clientId?: string },
  timeoutMs = 30_000,
): Promise<LoginOutcome> {
  const began = performance.now()
  const client = mqtt.connect(url, { ...credential, reconnectPeriod: 0, connectTimeout: timeoutMs, protocolVersion: 4 })
  client.on('error', () => undefined)
  const ok = await new Promise<boolean>((resolve) => {
    client.once('connect', () => resolve(true))
    client.once('close', () => resolve(false))
    setTimeout(() => resolve(false), timeoutMs + 5_000).unref()
  })
  const ms = performance.now() - began
  await endQuietly(client)
  return { ok, ms }
}

/** Ends a client without waiting for a server that may never answer. */
async function endQuietly(client: mqtt.MqttClient): Promise<void> {
  await Promise.race([
    client.endAsync(true).catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
  ])
}

/** A legitimate device's login. */
export const deviceLogin = (url: string, device: HostCredentials): Promise<LoginOutcome> =>
  login(url, { username: device.username, password: device.password, clientId: agentClientId(device) })

/** `count` wrong-password logins, `parallel` at a time, until done or `stop()` is called. */
export function wrongLogins(url: string, usernames: readonly string[], parallel: number): { stop(): Promise<number> } {
  let running = true
  let attempts = 0
  const worker = async (offset: number): Promise<void> => {
    for (let i = offset; running; i += parallel) {
      const username = usernames[i % usernames.length] ?? 'nobody'
      await login(url, { username, password: `wrong-${i}` })
      attempts++
    }
  }
  const workers = Array.from({ length: parallel }, (_, offset) => worker(offset))
  return {
    async stop() {
      running = false
      await Promise.all(workers)
      return attempts
    },
  }
}

/** One device publishing valid `events` messages as fast as `connections` connections allow, until `stop()`. */
export async function eventsFlood(
  url: string,
  device: HostCredentials,
  connections: number,
): Promise<{ connected: number; stop(): Promise<{ sent: number; disconnects: number }> }> {
  let running = true
  let sent = 0
  let disconnects = 0
  const topic = buildTopic({ tenantId: device.tenantId, hostId: device.hostId, leaf: 'events' })
  const attempts = await Promise.all(
    Array.from({ length: connections }, (_, i) =>
      mqtt
        .connectAsync(url, {
          username: device.username,
          password: device.password,
          clientId: agentClientId(device, `flood-${i}`),
          reconnectPeriod: 0,
        })
        .catch(() => undefined),
    ),
  )
  const clients = attempts.filter((client) => client !== undefined)
  for (const client of clients) client.on('close', () => (running ? disconnects++ : undefined))
  const message = (seq: number): string =>
    JSON.stringify({
      v: 1,
      ts: new Date().toISOString(),
      hostId: device.hostId,
      seq,
      bootId: '00000000-0000-4000-8000-000000000000',
      kind: 'rpc.finished',
      message: 'x'.repeat(1000),
      detail: { pad: 'y'.repeat(1000) },
    })
  const pump = async (client: mqtt.MqttClient): Promise<void> => {
    // A publish on a connection the broker closed may never call back: stop at the close.
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()))
    while (running && client.connected) {
      await Promise.race([client.publishAsync(topic, message(++sent), { qos: 0 }).catch(() => undefined), closed])
      if (sent % 50 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
  }
  const pumps = clients.map(pump)
  return {
    connected: clients.length,
    async stop() {
      running = false
      await Promise.all(pumps)
      await Promise.all(clients.map(endQuietly))
      return { sent, disconnects }
    },
  }
}
