import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import mqtt from 'mqtt'
import {
  newCredential,
  startManagerProcess,
  writeCredentialsFile,
  writeManagerConfig,
  type Credential,
} from './support/manager-process.ts'
import { BIN, freePort, spawnNode, tempDir, type Child } from './support/processes.ts'
import { printed, sendSignal, within } from './support/signals.ts'
import { testClientId } from '../helpers/client-ids.ts'

test('`amt-manager serve`: SIGHUP is logged and ignored; the manager stays ready and answers, and SIGTERM exits 0', async (t) => {
  const dir = await tempDir(t, 'amt-e2e-sighup-')
  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  const configFile = await writeManagerConfig(dir, {
    dataDir: 'data',
    api: { port: apiPort },
    broker: { embedded: { tcp: { port: mqttPort } } },
    log: { level: 'info' },
  })
  const manager = await startManagerProcess(t, { configFile, dataDir: path.join(dir, 'data'), apiPort })

  sendSignal(manager, 'SIGHUP')
  await printed(
    manager,
    /"module":"main".*"signal":"SIGHUP".*"msg":"SIGHUP ignored: nothing to reload/,
    'the SIGHUP log line',
  )
  t.is((await fetch(`${manager.apiUrl}/readyz`)).status, 200)
  t.is((await manager.api('POST', '/api/v1/tenants', { tenantId: 'after-hup' })).status, 201)

  sendSignal(manager, 'SIGTERM')
  t.deepEqual(
    await within(manager.exited, 'the manager to exit'),
    { exitCode: 0, signal: null },
    manager.output().slice(-2000),
  )
})

test('`amt-broker serve` with a credentials file: SIGHUP reloads it (a new principal can log in), SIGTERM exits 0', async (t) => {
  const dir = await tempDir(t, 'amt-e2e-broker-hup-')
  const [first, second] = [newCredential('manager-1'), newCredential('manager-2')]
  const credentialsFile = path.join(dir, 'credentials.yaml')
  await writeCredentialsFile(credentialsFile, [{ ...first, role: 'manager' }])
  const { broker, url } = await startBroker(t, dir, 'credentialsFile: credentials.yaml\n')
  await connectAndEnd(url, first)

  await writeCredentialsFile(credentialsFile, [
    { ...first, role: 'manager' },
    { ...second, role: 'manager' },
  ])
  sendSignal(broker, 'SIGHUP')
  await printed(broker, /"signal":"SIGHUP".*"msg":"SIGHUP: reloading"/, 'the SIGHUP log line')
  await printed(broker, /"principals":2.*"msg":"credentials reloaded"/, 'the credentials to be reloaded')
  await connectAndEnd(url, second)

  sendSignal(broker, 'SIGTERM')
  t.deepEqual(
    await within(broker.exited, 'the broker to exit'),
    { exitCode: 0, signal: null },
    broker.output().slice(-2000),
  )
  t.false(broker.output().includes(second.password))
})

test('`amt-broker serve` without a credentials file: SIGHUP is logged and ignored, the broker still answers', async (t) => {
  const dir = await tempDir(t, 'amt-e2e-broker-hup-')
  const { broker, url } = await startBroker(t, dir, '')
  sendSignal(broker, 'SIGHUP')
  await printed(broker, /"signal":"SIGHUP".*"msg":"SIGHUP ignored: nothing to reload/, 'the SIGHUP log line')
  const refused = await t.throwsAsync(connectAndEnd(url, newCredential('nobody')))
  t.regex(
    refused.message,
    /[Nn]ot authorized|[Bb]ad username or password/,
    'answered with a CONNACK, not a refused connection',
  )

  sendSignal(broker, 'SIGTERM')
  t.deepEqual(
    await within(broker.exited, 'the broker to exit'),
    { exitCode: 0, signal: null },
    broker.output().slice(-2000),
  )
})

/** `amt-broker serve` on an ephemeral loopback port (read from its log); killed in t.teardown. */
async function startBroker(
  t: ExecutionContext,
  dir: string,
  extraConfig: string,
): Promise<{ broker: Child; url: string }> {
  const configFile = path.join(dir, 'broker.yaml')
  await writeFile(configFile, `listeners:\n  tcp: { host: 127.0.0.1, port: 0 }\nlogLevel: info\n${extraConfig}`)
  const broker = spawnNode(t, BIN.broker, ['serve', '--config', configFile])
  await printed(broker, /"listener":"tcp","port":\d+/, 'the broker to listen')
  const port = /"listener":"tcp","port":(\d+)/.exec(broker.output())?.[1] ?? ''
  return { broker, url: `mqtt://127.0.0.1:${port}` }
}

async function connectAndEnd(url: string, credential: Credential): Promise<void> {
  const connecting = mqtt.connectAsync(url, {
    ...credential,
    clientId: testClientId(credential.username),
    reconnectPeriod: 0,
    connectTimeout: 30_000,
  })
  const client = await within(connecting, 'an MQTT CONNACK')
  await client.endAsync()
}
