/**
 * The container image (deploy/container/Dockerfile) without a container engine: its own build steps run in a clean
 * directory, its runtime stage is assembled from its COPY --from lines only, and its command runs as the image
 * would (its user, a read-only root, only the declared volume writable, config and secret files mounted):
 * test/deploy/support/ says how each instruction is carried out.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { execa, type Result } from 'execa'
import mqtt, { type MqttClient } from 'mqtt'
import { parse as parseYaml, stringify } from 'yaml'
import { parseManagerConfig } from '../../manager/config/config.ts'
import { agentClientId } from '../../schemas/principals.ts'
import { type Answer, callApi, registerHost } from '../e2e/support/manager-process.ts'
import { freePort, ROOT, STEP_MS, tempDir, until } from '../e2e/support/processes.ts'
import { instructionsOf, lastOf, parseDockerfile, stageNamed } from './support/dockerfile.ts'
import { buildImage, type BuiltImage } from './support/built-image.ts'
import { inStage, RUN_TIMEOUT_MS } from './support/image-build.ts'
import { containerArgv, fileMountPoints, type ImageConfig, type Mounts } from './support/image-run.ts'
import { spawnChild } from './support/spawn.ts'
import { snapshot } from './support/tree-snapshot.ts'

const CONTAINER_DIR = path.join(ROOT, 'deploy/container')
const stages = parseDockerfile(await readFile(path.join(CONTAINER_DIR, 'Dockerfile'), 'utf8'))
const runtime = stages.at(-1)
const CONFIG_PATH = '/etc/amt-manager/config.yaml'
const KEY_PATH = '/run/secrets/amt-manager/secrets-key'
const NODE = '/nodejs/bin/node'
/** One build for the tests of this file, in a directory removed after them. */
const buildDir = await mkdtemp(path.join(tmpdir(), 'amt-image-'))
test.after.always(() => rm(buildDir, { recursive: true, force: true }))
let built: Promise<BuiltImage> | undefined
const builtImage = (): Promise<BuiltImage> => (built ??= buildImage(buildDir, stages))
/** What `docker run` puts into a container's environment besides `-e`: PATH (from the base image) and HOME. */
const CONTAINER_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/' }

test('the Dockerfile: a build stage on Node 20 Debian 12, a distroless runtime that runs the manager as 10001', (t) => {
  t.like(stageNamed(stages, 'toolchain'), { base: 'node:20-bookworm-slim' })
  t.like(stageNamed(stages, 'build'), { base: 'toolchain' })
  const distroless = /^gcr\.io\/distroless\/nodejs20-debian12(:|@)/
  t.regex(runtime?.base ?? '', distroless, 'the last stage runs on distroless Node 20, Debian 12')
  if (runtime === undefined) return
  const apt = instructionsOf(stageNamed(stages, 'toolchain'), 'RUN')
    .map((run) => run.text)
    .join(' ')
  for (const tool of ['python3', 'make', 'g++']) {
    t.regex(apt, new RegExp(`install .*\\s${tool.replaceAll('+', '\\+')}(\\s|$)`), `${tool} for node-gyp`)
  }
  t.deepEqual(instructionsOf(runtime, 'RUN'), [], 'nothing runs in the runtime stage: it has no shell')
  t.is(lastOf(runtime, 'USER').text, '10001:10001')
  t.deepEqual(lastOf(runtime, 'VOLUME').exec, ['/var/lib/amt-manager'])
  t.is(lastOf(runtime, 'EXPOSE').text, '8080 1883 8883 50058')
  const command = [...(lastOf(runtime, 'ENTRYPOINT').exec ?? []), ...(lastOf(runtime, 'CMD').exec ?? [])]
  t.deepEqual(command, [NODE, '/app/bin/amt-manager.js', 'serve', '--config', CONFIG_PATH])
  t.deepEqual(lastOf(runtime, 'HEALTHCHECK').exec, [NODE, '/app/bin/healthcheck.js'], 'node checks health: no shell')
  const copied = instructionsOf(runtime, 'COPY').map((copy) => copy.text.split(/\s+/).at(-1))
  const app = ['./package.json', './bin', './dist', './node_modules']
  t.deepEqual(copied, [...app, '/var/lib/amt-manager'], 'only the app and the volume')
})

test('the config example of the image: data in the volume, API on 8080 for all, its secret a file', async (t) => {
  const example = await configExample()
  t.like(example, { dataDir: '/var/lib/amt-manager', api: { host: '0.0.0.0', port: 8080 } })
  t.like(example, { secrets: { keyFile: KEY_PATH } })
  const read: string[] = []
  const key = `k1:${randomBytes(32).toString('base64')}\n`
  const result = parseManagerConfig(example, { env: {}, readFile: (file) => (read.push(file), key) })
  t.true(result.ok, result.ok ? '' : result.problems.join('\n'))
  t.deepEqual(read, [KEY_PATH], 'its one secret is a mounted file')
})

const SERVES = 'the image built by its own steps serves as 10001 on a read-only root, writes only its volume, stops'
test.serial(SERVES, async (t) => {
  t.timeout(RUN_TIMEOUT_MS + 10 * STEP_MS)
  const { root, image, buildSeconds, runs } = await builtImage()
  t.log(`build stage: ${buildSeconds.toFixed(1)} s (${runs} RUN)`)
  t.deepEqual((await readdir(inStage(root, '/app'))).sort(), ['bin', 'dist', 'node_modules', 'package.json'])
  t.false(existsSync(inStage(root, '/app/node_modules/tsx')), 'production dependencies only')
  const sqlite = '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'
  t.true(existsSync(inStage(root, sqlite)), 'better-sqlite3 built')

  const { mounts, ports } = await managerFiles(await tempDir(t, 'amt-container-'), root, image)
  const before = await snapshot(root)
  const apiUrl = `http://127.0.0.1:${ports.api}`
  const env = { ...CONTAINER_ENV, AMT_HEALTHCHECK_URL: `${apiUrl}/healthz` }
  const container = { root, image, mounts }
  const run = (command: string[]): Promise<Result> =>
    execa(...argvOf(containerArgv(container, command, env)), { reject: false })
  const probe = await run([NODE, '-e', WRITE_PROBE])
  const erofs = { '/app': 'EROFS', '/tmp': 'EROFS', '/etc/amt-manager': 'EROFS', '/': 'EROFS' }
  t.deepEqual(JSON.parse(String(probe.stdout)), { '/var/lib/amt-manager': 'ok', ...erofs }, 'only the volume writable')
  const manager = spawnChild(t, containerArgv(container, [...image.entrypoint, ...image.cmd], env))
  const ready = async (): Promise<boolean> => (await fetch(`${apiUrl}/readyz`)).status === 200
  await until(ready, 'the manager in the image to be ready', { dead: manager, timeoutMs: 2 * STEP_MS })

  const status = await readFile(`/proc/${manager.pid}/status`, 'utf8')
  t.regex(status, /^Uid:\s+10001\s+10001\s+10001\s+10001$/m, 'runs as uid 10001')
  t.regex(status, /^Gid:\s+10001\s+10001\s+10001\s+10001$/m, 'and gid 10001')
  t.regex(status, /^Groups:\s*$/m, 'without supplementary groups')
  t.regex(status, /^CapEff:\s+0+$/m, 'without capabilities')

  const token = (await readFile(path.join(mounts.volumeDir, 'admin-token'), 'utf8')).trim()
  await deviceIsAccepted(t, apiUrl, ports.mqtt, token)
  t.is((await run(image.healthcheck.command)).exitCode, 0, 'HEALTHCHECK passes')

  manager.kill('SIGTERM')
  t.like(await manager.exited, { exitCode: 0 }, 'stops cleanly on SIGTERM')
  const unhealthy = await run(image.healthcheck.command)
  t.is(unhealthy.exitCode, 1, 'HEALTHCHECK fails once the manager is gone')
  t.regex(String(unhealthy.stderr), /^healthcheck: http:\/\/127\.0\.0\.1:\d+\/healthz: /m)

  t.deepEqual(await snapshot(root), before, 'nothing written outside the volume')
  const written = await readdir(mounts.volumeDir)
  const expected = ['inventory.sqlite', 'admin-token']
  t.true(
    expected.every((file) => written.includes(file)),
    `the manager's data is in the volume: ${written.join(', ')}`,
  )
  for (const file of written) {
    t.is((await stat(path.join(mounts.volumeDir, file))).uid, 10001, `${file} belongs to 10001`)
  }
  t.false(manager.output().includes(mounts.key), 'the mounted secret is never printed')
})

test.serial('the same image runs the standalone broker by command', async (t) => {
  t.timeout(RUN_TIMEOUT_MS + 4 * STEP_MS)
  const { root, image } = await builtImage()
  const dir = await tempDir(t, 'amt-container-')
  const port = await freePort()
  const configFile = path.join(dir, 'broker.yaml')
  const credentials = '/etc/amt-broker/credentials.yaml'
  const config = { listeners: { tcp: { host: '127.0.0.1', port } }, credentialsFile: credentials }
  await writeFile(configFile, stringify(config))
  const demoCredentials = path.join(ROOT, 'deploy/broker/demo-credentials.yaml')
  const mounts = { volumes: {}, files: { [configFile]: '/etc/amt-broker/config.yaml', [demoCredentials]: credentials } }
  await fileMountPoints(root, mounts)
  const command = [...image.entrypoint, '/app/bin/amt-broker.js', 'serve', '--config', '/etc/amt-broker/config.yaml']
  const broker = spawnChild(t, containerArgv({ root, image, mounts }, command, CONTAINER_ENV))
  const clientId = agentClientId({ tenantId: 'demo', hostId: 'demo-host-1' })
  const options = { username: 'demo-host-1', password: 'demo-host-1-demo', clientId, reconnectPeriod: 0 }
  const login = (): Promise<MqttClient> => mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, options, false)
  const device = await until(login, 'the broker in the image to accept a device', { dead: broker })
  await device.endAsync()
  broker.kill('SIGTERM')
  t.like(await broker.exited, { exitCode: 0 }, 'stops cleanly on SIGTERM')
})

/** Node code that tries to create a file in each directory and prints what happened, per directory. */
const WRITE_PROBE = `const fs = require('node:fs'); const result = {}
for (const dir of ['/var/lib/amt-manager', '/app', '/tmp', '/etc/amt-manager', '/']) {
  try { fs.writeFileSync(dir + '/probe', ''); fs.rmSync(dir + '/probe'); result[dir] = 'ok' }
  catch (err) { result[dir] = err.code }
}
console.log(JSON.stringify(result))`

const argvOf = (argv: string[]): [string, string[]] => [argv[0] ?? 'unshare', argv.slice(1)]

const configExample = async (): Promise<Record<string, unknown>> =>
  parseYaml(await readFile(path.join(CONTAINER_DIR, 'config.example.yaml'), 'utf8')) as Record<string, unknown>

interface ManagerFiles {
  mounts: Mounts & { volumeDir: string; key: string }
  ports: { api: number; mqtt: number }
}

/**
 * The volume (initialised from the image's directory, as a new named volume is), the config example with
 * ephemeral loopback ports, and the secret key (0400, owned by the image's user, as a Secret volume mounts it).
 */
async function managerFiles(dir: string, root: string, image: ImageConfig): Promise<ManagerFiles> {
  const [volume = ''] = image.volumes
  const volumeDir = path.join(dir, 'volume')
  const inImage = await stat(inStage(root, volume))
  await mkdir(volumeDir, { mode: inImage.mode & 0o7777 })
  await chown(volumeDir, inImage.uid, inImage.gid)

  const ports = { api: await freePort(), mqtt: await freePort() }
  const configFile = path.join(dir, 'config.yaml')
  const tcp = { host: '127.0.0.1', port: ports.mqtt }
  const broker = { embedded: { tcp, deviceUrl: `mqtt://127.0.0.1:${ports.mqtt}` } }
  const api = { host: '127.0.0.1', port: ports.api }
  await writeFile(configFile, stringify({ ...(await configExample()), api, broker }))
  const key = randomBytes(32).toString('base64')
  const keyFile = path.join(dir, 'secrets-key')
  await writeFile(keyFile, `k1:${key}\n`, { mode: 0o400 })
  await chown(keyFile, image.user.uid, image.user.gid)

  const mounts = { volumes: { [volumeDir]: volume }, files: { [configFile]: CONFIG_PATH, [keyFile]: KEY_PATH } }
  await fileMountPoints(root, mounts)
  return { mounts: { ...mounts, volumeDir, key }, ports }
}

/** A device registered through the API logs in to the embedded broker with its credential; a wrong one does not. */
async function deviceIsAccepted(t: ExecutionContext, apiUrl: string, mqttPort: number, token: string): Promise<void> {
  const api = (method: string, urlPath: string, body?: unknown): Promise<Answer> =>
    callApi(apiUrl, token, method, urlPath, body)
  const { username, password } = await registerHost({ api }, 'acme', 'host-1')
  const clientId = agentClientId({ tenantId: 'acme', hostId: 'host-1' })
  const options = { clientId, username, reconnectPeriod: 0, connectTimeout: STEP_MS }
  const login = (secret: string): Promise<MqttClient> =>
    mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { ...options, password: secret }, false)
  await t.throwsAsync(login('wrong-password'), undefined, 'a wrong password is refused')
  const device = await login(password)
  t.teardown(() => device.endAsync(true))
  t.true(device.connected, 'the device is accepted')
}
