import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test from 'ava'
import { tryIt, type TryItInput } from '../../../manager/demo/report.ts'

async function input(t: { teardown(fn: () => Promise<void>): void }): Promise<TryItInput> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'amt-demo-report-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  return {
    apiUrl: 'http://127.0.0.1:41234',
    mqttHost: '127.0.0.1',
    mqttPort: 1883,
    dataDir,
    adminTokenFile: path.join(dataDir, 'admin-token'),
    integratorUsername: 'demo-integrator',
    integratorPasswordFile: path.join(dataDir, 'demo-integrator-password'),
    faulty: undefined,
    provisioned: undefined,
  }
}

test('the demo prints the web console’s URL and signing in with the admin token file', async (t) => {
  const demo = await input(t)
  await writeFile(demo.adminTokenFile, 'amt_x\n')
  const lines = tryIt(demo).split('\n')
  t.is(lines[0], 'Web console: http://127.0.0.1:41234/console     API docs: http://127.0.0.1:41234/docs')
  t.is(
    lines[1],
    `  sign in with the admin API token in ${demo.adminTokenFile} (cat ${demo.adminTokenFile}, paste it into the form)`,
  )
})

test('without the admin token file (removed after the first start), it says how to create a token', async (t) => {
  const demo = await input(t)
  const [, signIn] = tryIt(demo).split('\n')
  t.regex(
    signIn ?? '',
    /^ {2}sign in with an admin API token: node \S+ tokens create --role admin --global --data-dir /,
  )
  t.true(signIn?.endsWith(demo.dataDir))
})
