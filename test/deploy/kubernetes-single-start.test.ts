import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { execa } from 'execa'
import mqtt from 'mqtt'
import { parse as parseYaml, stringify } from 'yaml'
import { agentClientId } from '../../schemas/principals.ts'
import { registerHost, startManagerProcess } from '../e2e/support/manager-process.ts'
import { BIN, freePort, STEP_MS, tempDir } from '../e2e/support/processes.ts'
import { createTestPki } from '../helpers/certs.ts'
import { configOf } from './kubernetes-pod.ts'
import { KUSTOMIZE_ROOT, render } from './kubernetes-support.ts'

/**
 * The `single` overlay's config.yaml runs: a manager started with it (the pod's Secret files and data volume moved
 * into a temp dir, its ports made free ones) becomes ready, lets a registered device in over MQTT TLS, and
 * `amt-manager backup` with the same config copies the Inventory and the local secret store.
 */
test('the single overlay config starts a manager that takes devices over TLS and is backed up', async (t) => {
  t.timeout(180_000)
  const dir = await tempDir(t, 'amt-k8s-single-')
  const pki = await createTestPki()
  t.teardown(() => pki.remove())
  const ca = await pki.createCa('mqtt-ca')
  const server = await ca.issueServer()
  const secrets = path.join(dir, 'secrets')
  await mkdir(path.join(secrets, 'mqtt-tls'), { recursive: true })
  await mkdir(path.join(secrets, 'secrets-key'), { recursive: true })
  await writeFile(path.join(secrets, 'mqtt-tls', 'tls.crt'), server.cert)
  await writeFile(path.join(secrets, 'mqtt-tls', 'tls.key'), server.key, { mode: 0o600 })
  await writeFile(path.join(secrets, 'secrets-key', 'key'), `k1:${randomBytes(32).toString('base64')}\n`, {
    mode: 0o600,
  })

  const text = stringify(configOf(await render(path.join(KUSTOMIZE_ROOT, 'overlays', 'single'))))
  const moved = text
    .replaceAll('/run/secrets/amt-manager/', `${secrets}/`)
    .replaceAll('/var/lib/amt-manager', path.join(dir, 'data'))
  const config = parseYaml(moved) as {
    api: { port: number }
    broker: { embedded: { tcp: { port: number }; tls: { port: number } } }
  }
  const [apiPort, tcpPort, tlsPort] = [await freePort(), await freePort(), await freePort()]
  config.api.port = apiPort
  config.broker.embedded.tcp.port = tcpPort
  config.broker.embedded.tls.port = tlsPort
  const configFile = path.join(dir, 'config.yaml')
  await writeFile(configFile, stringify(config))

  const manager = await startManagerProcess(t, { configFile, dataDir: path.join(dir, 'data'), apiPort })
  const credential = await registerHost(manager, 'acme', 'host-1')
  const clientId = agentClientId({ tenantId: 'acme', hostId: 'host-1' })
  const options = {
    ...credential,
    clientId,
    ca: ca.cert,
    servername: 'localhost',
    reconnectPeriod: 0,
    connectTimeout: STEP_MS,
  }
  const device = await mqtt.connectAsync(`mqtts://127.0.0.1:${tlsPort}`, options, false)
  t.teardown(() => device.endAsync(true))
  t.true(device.connected, 'a registered device connects over TLS')

  const to = path.join(dir, 'data', 'backups', 'b.sqlite')
  const backup = await execa(process.execPath, [BIN.manager, 'backup', '--config', configFile, '--to', to], {
    reject: false,
    timeout: 60_000,
  })
  t.is(backup.exitCode, 0, backup.stderr)
  t.regex(backup.stdout, /^inventory: .* \(\d+ bytes, 1 hosts\)$/m)
  t.regex(backup.stdout, /^secret store: /m)
})
