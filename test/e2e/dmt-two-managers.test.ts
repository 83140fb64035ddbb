import { randomUUID } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { integrationsConfig, startFakes, vaultEnv, type Fakes } from './support/integrations.ts'
import { startManagerProcess, writeManagerConfig, type Answer, type ManagerProcess } from './support/manager-process.ts'
import { freePort, STEP_MS, tempDir } from './support/processes.ts'

const TENANT = 'plant'
const PASSWORD = 'Static-Pa55word!'
const CIRA_CONFIG_PATH = `/api/v1/admin/ciraconfigs/${TENANT}`

/** A manager child process with its own data dir (own Inventory), on the shared Vault, RPS and MPS. */
async function startManager(t: ExecutionContext, fakes: Fakes, name: string): Promise<ManagerProcess> {
  const dir = await tempDir(t, `amt-e2e-two-managers-${name}-`)
  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  await writeFile(path.join(dir, 'static-password'), `${PASSWORD}\n`, { mode: 0o600 })
  const config = integrationsConfig(fakes, {
    apiPort,
    mqttPort,
    passwords: { static: { [TENANT]: { amtPasswordFile: 'static-password' } } },
  })
  const configFile = await writeManagerConfig(dir, config)
  return startManagerProcess(t, { configFile, dataDir: path.join(dir, 'data'), apiPort, env: vaultEnv(fakes) })
}

async function expect(pending: Promise<Answer>, status: number, what: string): Promise<Answer> {
  const answer = await pending
  if (answer.status !== status)
    throw new Error(`${what}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.json)}`)
  return answer
}

/**
 * Holds the first `count` GETs of the tenant's CIRA config until all of them arrived: every manager then reads
 * "absent" before any of them creates it, the race two replicas run into. Resolves `raced` false when the
 * managers never met there (released after STEP_MS, so the test fails with a reason instead of hanging).
 */
function meetAtCiraConfig(fakes: Fakes, count: number): Promise<boolean> {
  let release: (raced: boolean) => void = () => undefined
  const met = new Promise<boolean>((resolve) => (release = resolve))
  const timer = setTimeout(() => release(false), STEP_MS)
  let arrived = 0
  fakes.rps.server.holdBefore = ({ method, path: urlPath }) => {
    if (method !== 'GET' || urlPath !== CIRA_CONFIG_PATH || arrived >= count) return undefined
    if (++arrived === count) {
      clearTimeout(timer)
      release(true)
    }
    return met.then(() => undefined)
  }
  return met
}

test('two manager processes preparing one tenant at once on one RPS/MPS: both succeed, each RPS object created once, nothing deleted', async (t) => {
  const fakes = await startFakes(t)
  const managers = await Promise.all([startManager(t, fakes, 'a'), startManager(t, fakes, 'b')])
  const hostIds = [randomUUID(), randomUUID()]
  for (const manager of managers) {
    await expect(manager.api('POST', '/api/v1/tenants', { tenantId: TENANT, passwordPolicy: 'static' }), 201, 'tenant')
    for (const hostId of hostIds)
      await expect(manager.api('POST', `/api/v1/tenants/${TENANT}/hosts`, { hostId }), 201, 'host')
  }

  const raced = meetAtCiraConfig(fakes, managers.length)
  const activations = managers.flatMap((manager) =>
    hostIds.map((hostId) =>
      manager.api('PATCH', `/api/v1/tenants/${TENANT}/hosts/${hostId}/amt`, { desiredAmtState: 'PROVISIONED' }),
    ),
  )
  const answers = await Promise.all(activations)
  t.true(await raced, 'both managers read the absent CIRA config before either created it')
  t.deepEqual(
    answers.map(({ status, json }) => (status === 200 ? 200 : `${status} ${JSON.stringify(json)}`)),
    [200, 200, 200, 200],
    'every activation of both managers succeeds',
  )

  const rps = fakes.rps.server
  const created = rps
    .since(0, 'POST')
    .filter(({ status }) => status === 201)
    .map(({ path: urlPath }) => urlPath)
  t.deepEqual(
    created.sort(),
    ['/api/v1/admin/ciraconfigs', '/api/v1/admin/profiles'],
    'the CIRA config and the profile: each created once',
  )
  const refused = rps.since(0, 'POST').filter(({ status }) => status !== 201)
  t.true(
    refused.length >= 1 && refused.every(({ status }) => status === 400),
    'the loser of the race was refused ("Unique key violation") and accepted the winner\'s object',
  )
  t.deepEqual(
    [...rps.since(0, 'DELETE'), ...fakes.mps.server.since(0, 'DELETE')],
    [],
    "nobody deletes the other one's work",
  )
  t.deepEqual(rps.since(0, 'PATCH'), [], 'what the other created matches: nothing is replaced')
  t.deepEqual(fakes.rps.profileNames(), [`${TENANT}_ccm`])
  t.deepEqual(fakes.rps.ciraConfigs.keys(), [TENANT])
  t.deepEqual([...fakes.mps.devices.keys()].sort(), [...hostIds].sort(), 'each device registered with MPS')
  for (const manager of managers) {
    const provisioning = await expect(
      manager.api('GET', `/api/v1/tenants/${TENANT}/amt/provisioning`),
      200,
      'provisioning',
    )
    t.like(provisioning.json, { lastPreparation: { ok: true } }, JSON.stringify(provisioning.json))
  }
})
