import test, { type ExecutionContext } from 'ava'
import mqtt from 'mqtt'
import { agentClientId } from '../../schemas/principals.ts'
import {
  registerHost,
  startManagerProcess,
  writeManagerConfig,
  type ManagerProcess,
} from './support/manager-process.ts'
import { freePort, STEP_MS, tempDir } from './support/processes.ts'

const CLIENT_ID = agentClientId({ tenantId: 'acme', hostId: 'host-1' })

interface Setup {
  manager: ManagerProcess
  mqttUrls: string[]
  device: { username: string; password: string }
  secrets: Record<'token' | 'password', string>
}

/** A manager child (embedded broker on TCP and WS) with one registered host; its admin token and device password. */
async function setUp(t: ExecutionContext): Promise<Setup> {
  t.timeout(6 * STEP_MS)
  const dir = await tempDir(t, 'amt-e2e-secrets-')
  const [apiPort, tcpPort, wsPort] = [await freePort(), await freePort(), await freePort()]
  const configFile = await writeManagerConfig(dir, {
    dataDir: 'data',
    api: { port: apiPort },
    broker: { embedded: { tcp: { port: tcpPort }, ws: { port: wsPort } } },
  })
  const manager = await startManagerProcess(t, { configFile, dataDir: `${dir}/data`, apiPort })
  const device = await registerHost(manager, 'acme', 'host-1')
  return {
    manager,
    device,
    mqttUrls: [`mqtt://127.0.0.1:${tcpPort}`, `ws://127.0.0.1:${wsPort}/mqtt`],
    secrets: { token: manager.token, password: device.password },
  }
}

/** Stops the manager (SIGTERM: every line flushed) and checks that no secret is anywhere in its stdout + stderr. */
async function assertNothingPrinted(t: ExecutionContext, { manager, secrets }: Setup): Promise<void> {
  manager.kill('SIGTERM')
  await manager.exited
  const output = manager.output()
  t.true(output.includes('"msg":"stopped"'), 'the whole output was read')
  for (const [name, secret] of Object.entries(secrets)) {
    const at = output.indexOf(secret)
    t.is(at, -1, `the ${name} was printed: …${output.slice(Math.max(0, at - 100), at + 300)}…`)
  }
}

/** Every place a client might put a secret over HTTP, besides `Authorization: Bearer` (where a token belongs). */
function httpAttempts(apiUrl: string, secret: string): Array<{ url: string; init: RequestInit }> {
  const json = { 'content-type': 'application/json' }
  return [
    { url: `${apiUrl}/api/v1/hosts?token=${secret}`, init: {} },
    { url: `${apiUrl}/api/v1/tenants?access_token=${secret}&password=${secret}`, init: {} },
    { url: `${apiUrl}/api/v1/tenants/${secret}`, init: {} },
    { url: `${apiUrl}/api/v1/tenants/${secret}/hosts/${secret}`, init: { method: 'DELETE' } },
    { url: `${apiUrl}/no-such-route/${secret}?q=${secret}`, init: {} },
    { url: `${apiUrl}/healthz?token=${secret}`, init: {} },
    {
      url: `${apiUrl}/api/v1/tenants`,
      init: { headers: { 'x-api-key': secret, cookie: `session=${secret}`, 'x-token': secret } },
    },
    {
      url: `${apiUrl}/api/v1/tenants`,
      init: { headers: { authorization: `Basic ${Buffer.from(`admin:${secret}`).toString('base64')}` } },
    },
    { url: `${apiUrl}/api/v1/tenants`, init: { headers: { authorization: `Bearer ${secret}x` } } },
    {
      url: `${apiUrl}/api/v1/tenants`,
      init: {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ tenantId: secret, password: secret, token: secret }),
      },
    },
    {
      url: `${apiUrl}/api/v1/tenants`,
      init: { method: 'POST', headers: { 'content-type': 'text/plain' }, body: secret },
    },
    { url: `${apiUrl}/api/v1/tenants`, init: { method: 'POST', headers: json, body: `{"broken": "${secret}` } },
  ]
}

/** A login that may fail or be closed; resolves either way. */
async function mqttAttempt(url: string, options: mqtt.IClientOptions): Promise<void> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: STEP_MS, ...options })
  client.on('error', () => undefined)
  await new Promise<void>((resolve) => {
    client.once('connect', () => resolve())
    client.once('close', () => resolve())
  })
  client.end(true)
}

test('an API token and a device password sent in every HTTP place and as MQTT passwords never reach the output', async (t) => {
  const setup = await setUp(t)
  const { manager, device, secrets, mqttUrls } = setup
  for (const secret of Object.values(secrets)) {
    for (const { url, init } of httpAttempts(manager.apiUrl, secret)) await (await fetch(url, init)).text()
  }
  for (const url of mqttUrls) {
    await mqttAttempt(url, { ...device, clientId: CLIENT_ID }) // the real login: its password is never printed
    for (const secret of Object.values(secrets)) {
      await mqttAttempt(url, { username: device.username, password: `${secret}x`, clientId: CLIENT_ID })
      await mqttAttempt(url, { username: 'nobody', password: secret, clientId: CLIENT_ID })
    }
    await mqttAttempt(`${url}${url.startsWith('ws') ? '' : '/'}?token=${secrets.token}&password=${secrets.password}`, {
      ...device,
      clientId: CLIENT_ID,
    })
  }
  await assertNothingPrinted(t, setup)
})

// The broker logs the username and client id of a refused login and the topic of a denied publish or subscribe:
// values that may hold a secret appear as fingerprints (broker/log-safe.ts).
test('a secret sent as MQTT username, client id or topic never reaches the output', async (t) => {
  const setup = await setUp(t)
  const { device, secrets, mqttUrls } = setup
  for (const url of mqttUrls) {
    const client = await mqtt.connectAsync(
      url,
      { ...device, clientId: CLIENT_ID, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: STEP_MS },
      false,
    )
    client.on('error', () => undefined)
    for (const secret of Object.values(secrets))
      await client.subscribeAsync(`amt/v1/${secret}/#`).catch(() => undefined)
    for (const secret of Object.values(secrets))
      await client.publishAsync(`amt/v1/acme/host-1/${secret}`, secret, { qos: 0 }).catch(() => undefined)
    await client.endAsync(true)
  }
  // Failed logins last: they may put the username into a login backoff.
  for (const url of mqttUrls) {
    for (const secret of Object.values(secrets)) {
      await mqttAttempt(url, { username: secret, password: secret, clientId: CLIENT_ID })
      await mqttAttempt(url, { username: device.username, password: `${secret}x`, clientId: secret })
    }
  }
  await assertNothingPrinted(t, setup)
})
