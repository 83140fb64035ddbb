import { readdir } from 'node:fs/promises'
import test, { type ExecutionContext } from 'ava'
import mqtt from 'mqtt'
import { agentClientId } from '../../schemas/principals.ts'
import { openSocket, type HostileSocket } from '../helpers/hostile-sockets.ts'
import { registerHost, startManagerProcess, writeManagerConfig } from './support/manager-process.ts'
import { freePort, STEP_MS, tempDir } from './support/processes.ts'

/** The manager's open-files limit in this test; the hostile sockets below are 1.8 times as many. */
const FD_LIMIT = 1024
const SOCKETS_PER_LISTENER = 600
/** Distinct loopback source addresses (127.0.3.1 ...): per-address caps alone do not stop the flood. */
const ADDRESSES = 200

/** Opens `count` idle sockets to `port`, spread over ADDRESSES source addresses, a batch at a time. */
async function flood(t: ExecutionContext, port: number, count: number, firstOctet: number): Promise<HostileSocket[]> {
  const sockets: HostileSocket[] = []
  for (let start = 0; start < count; start += 50) {
    const batch = Array.from({ length: Math.min(50, count - start) }, (_unused, offset) => {
      const n = start + offset
      return openSocket(t, port, `127.${firstOctet}.0.${(n % ADDRESSES) + 1}`)
    })
    sockets.push(...(await Promise.all(batch)))
  }
  return sockets
}

/** The sum of the samples whose line starts with `prefix` (a name, or a name with labels). */
async function metric(apiUrl: string, prefix: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text()
  const samples = text.split('\n').filter((line) => line.startsWith(prefix))
  return samples.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0)
}

test('thousands of idle sockets from many addresses (1.8× the fd limit) leave /healthz and device logins working', async (t) => {
  t.timeout(10 * STEP_MS)
  const dir = await tempDir(t, 'amt-e2e-hostile-')
  const [apiPort, tcpPort, wsPort] = [await freePort(), await freePort(), await freePort()]
  const configFile = await writeManagerConfig(dir, {
    dataDir: 'data',
    // Idle cuts far beyond the test: on a loaded machine the flood may take longer than the default cuts, and only
    // the pools may bound what stays open.
    api: { port: apiPort, limits: { idleTimeoutMs: 600_000 } },
    broker: {
      embedded: {
        tcp: { port: tcpPort },
        ws: { port: wsPort },
        limits: { connectTimeoutMs: 600_000, connectRateLimit: { burst: 100_000, perSecond: 100_000 } },
      },
    },
  })
  const manager = await startManagerProcess(t, { configFile, dataDir: `${dir}/data`, apiPort, fdLimit: FD_LIMIT })
  const pid = manager.process.pid ?? 0
  const credential = await registerHost(manager, 'acme', 'host-1')

  const hostile = [
    ...(await flood(t, apiPort, SOCKETS_PER_LISTENER, 3)),
    ...(await flood(t, wsPort, SOCKETS_PER_LISTENER, 4)),
    ...(await flood(t, tcpPort, SOCKETS_PER_LISTENER, 5)),
  ]
  const health = await fetch(`${manager.apiUrl}/healthz`)
  t.is(health.status, 200)
  const device = await mqtt.connectAsync(
    `mqtt://127.0.0.1:${tcpPort}`,
    {
      ...credential,
      clientId: agentClientId({ tenantId: 'acme', hostId: 'host-1' }),
      reconnectPeriod: 0,
      connectTimeout: STEP_MS,
    },
    false,
  )
  t.teardown(() => device.endAsync(true))
  t.true(device.connected, 'the device logged in over TCP during the flood')
  const openFiles = (await readdir(`/proc/${pid}/fd`)).length
  t.true(openFiles < FD_LIMIT * 0.8, `the manager holds ${openFiles} descriptors of ${FD_LIMIT}`)
  t.true(
    hostile.some((socket) => socket.open()),
    'the flood is still on',
  )

  t.true(
    (await metric(manager.apiUrl, 'amt_manager_connections_refused_total{listener="api",reason="waiting-evicted"}')) >
      0,
  )
  t.true((await metric(manager.apiUrl, 'amt_broker_connections_refused_total{reason="waiting-evicted"}')) > 0)
  t.regex(manager.output(), /"reason":"waiting-evicted".*"msg":"connection refused; further refusals counted"/)
  if (manager.output().includes('file-descriptor pressure')) {
    t.true(
      (await metric(manager.apiUrl, 'amt_manager_fd_pressure_total')) > 0,
      'fd pressure was logged, so it is counted',
    )
  }
})
