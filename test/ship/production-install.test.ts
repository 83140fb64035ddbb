import { generateKeyPairSync } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { execa } from 'execa'
import { VERSION_LINE } from '../helpers/version-line.ts'
import { writeManagerConfig } from '../e2e/support/manager-process.ts'
import { freePort, spawnNode, STEP_MS, tempDir, until } from '../e2e/support/processes.ts'
import { copyRelease, installProduction, INSTALL_TIMEOUT_MS, localSqlitePrebuild } from './support/production-copy.ts'

const CLIS = ['amt-manager', 'amt-broker', 'amt-agent'] as const

test('a production install (a release copy with dist/, npm ci --omit=dev) runs every CLI and serves', async (t) => {
  t.timeout(INSTALL_TIMEOUT_MS + 4 * STEP_MS)
  const dir = await tempDir(t, 'amt-ship-')
  const release = path.join(dir, 'release')
  await copyRelease(release)
  await installProduction(release, await localSqlitePrebuild(path.join(dir, 'prebuilds')))
  t.false(existsSync(path.join(release, 'node_modules/tsx')), 'no development dependency installed')
  const launcher = (cli: string): string => path.join(release, 'bin', `${cli}.js`)

  for (const cli of CLIS) {
    const { stdout } = await execa(process.execPath, [launcher(cli), '--version'], { cwd: release, timeout: STEP_MS })
    t.regex(stdout, VERSION_LINE, `${cli} --version`)
  }

  const [apiPort, mqttPort, grpcPort] = [await freePort(), await freePort(), await freePort()]
  const dataDir = path.join(dir, 'data')
  // the gRPC bridge too: it reads dm-manager.proto from dist/ at start
  const publicKeyFile = path.join(dir, 'jwt-public.pem')
  await writeFile(
    publicKeyFile,
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
  )
  const grpc = { host: '127.0.0.1', port: grpcPort, auth: { publicKeyFile } }
  const config = { dataDir, api: { port: apiPort }, broker: { embedded: { tcp: { port: mqttPort } } }, grpc }
  const configFile = await writeManagerConfig(dir, config)
  const manager = spawnNode(t, launcher('amt-manager'), ['serve', '--config', configFile])
  const apiUrl = `http://127.0.0.1:${apiPort}`
  await until(async () => (await fetch(`${apiUrl}/readyz`)).status === 200, 'the installed manager to be ready', {
    dead: manager,
  })

  const token = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim()
  const env = { AMT_MANAGER_URL: apiUrl, AMT_MANAGER_TOKEN: token }
  const listed = await execa(process.execPath, [launcher('amt-manager'), 'hosts', 'list', '--json'], {
    env,
    timeout: STEP_MS,
  })
  t.like(JSON.parse(listed.stdout), { hosts: [] }, 'the client commands of the install talk to its manager')

  const signIn = await fetch(`${apiUrl}/console/sign-in`)
  const page = await signIn.text()
  t.is(signIn.status, 200, 'the web console is served')
  const assets = [...page.matchAll(/\/console\/assets\/[\w.-]+/g)].map(([asset]) => asset)
  t.is(assets.length, 2, 'its script and stylesheet, built into dist/console-assets/')
  for (const asset of assets) t.is((await fetch(`${apiUrl}${asset}`)).status, 200, asset)

  manager.kill('SIGTERM')
  t.like(await manager.exited, { exitCode: 0 }, 'stops cleanly on SIGTERM')
})
