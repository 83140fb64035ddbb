import { randomUUID } from 'node:crypto'
import path from 'node:path'
import test from 'ava'
import { startAgentProcess } from './support/agent-process.ts'
import { hostSecretPath, hostWhere, integrationsConfig, startFakes, vaultEnv } from './support/integrations.ts'
import {
  getHost,
  registerHost,
  startManagerProcess,
  writeManagerConfig,
  type Answer,
} from './support/manager-process.ts'
import { freePort, tempDir, until } from './support/processes.ts'

const TENANT = 'plant-faults'

test('Vault, RPS, MPS down at activation → a clear API error and nothing written; converges after recovery with the same password; Vault down at deletion → visible pending, DELETE again finishes', async (t) => {
  const dir = await tempDir(t, 'amt-e2e-integration-faults-')
  const fakes = await startFakes(t)
  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  const configFile = await writeManagerConfig(dir, integrationsConfig(fakes, { apiPort, mqttPort }))
  const manager = await startManagerProcess(t, {
    configFile,
    dataDir: path.join(dir, 'data'),
    apiPort,
    env: vaultEnv(fakes),
  })
  const key = { tenantId: TENANT, hostId: randomUUID() }
  const credential = await registerHost(manager, TENANT, key.hostId) // a random-policy tenant (the default)
  const agent = await startAgentProcess(t, { brokerUrl: `mqtt://127.0.0.1:${mqttPort}`, ...key, credential })
  await hostWhere(manager, TENANT, key.hostId, (host) => host.phase === 'UNPROVISIONED', 'the agent to report its node')
  const hostPath = `/api/v1/tenants/${TENANT}/hosts/${key.hostId}`
  const activate = (): Promise<Answer> => manager.api('PATCH', `${hostPath}/amt`, { desiredAmtState: 'PROVISIONED' })
  const refused = async (expected: RegExp) => {
    const answer = await activate()
    t.is(answer.status, 502, JSON.stringify(answer.json))
    t.like(answer.json, { code: 'PREPARATION_FAILED' })
    t.regex(String(answer.json.message), expected)
    t.like(
      await getHost(manager, TENANT, key.hostId),
      { desiredState: 'UNSPECIFIED', desiredGeneration: 0 },
      'nothing written, nothing published',
    )
  }

  await fakes.vault.setFault({ kind: 'down' })
  await refused(/secret store is unavailable/)
  await fakes.vault.setFault(null)

  await fakes.rps.server.down()
  await refused(/RPS unavailable/)
  const stored = fakes.vault.kv.latest(hostSecretPath(TENANT, key.hostId))?.password
  const prepared = typeof stored === 'string' ? stored : ''
  t.not(prepared, '', 'the password was stored before RPS was asked')
  await fakes.rps.server.up()
  const provisioning = await manager.api('GET', `/api/v1/tenants/${TENANT}/amt/provisioning`)
  t.like(provisioning.json, { lastPreparation: { ok: false } })
  t.regex(JSON.stringify(provisioning.json), /RPS unavailable/, 'the tenant shows why its last preparation failed')

  await fakes.mps.server.down()
  await refused(/MPS unavailable/)
  await fakes.mps.server.up()

  t.is((await activate()).status, 200)
  await hostWhere(
    manager,
    TENANT,
    key.hostId,
    (host) => host.currentState === 'PROVISIONED' && host.desiredGeneration === 1,
    'the activation to converge after recovery',
  )
  const read = await manager.api('GET', `${hostPath}/amt-password`)
  t.is(
    read.json.amtPassword,
    prepared,
    'the password prepared during the outage is the one in use: nothing lost, nothing doubled',
  )
  t.is(fakes.vault.kv.entries.get(hostSecretPath(TENANT, key.hostId))?.currentVersion, 1)
  t.is(fakes.rps.activationSecretsOf(`${key.hostId}@${TENANT}_ccm`)?.amtPassword, prepared)

  // Vault down while deleting: the agent cannot get the AMT password, and never deactivates without RPS on its
  // own: the host stays pending with the reason (retried, then FAILED); once Vault is back, DELETE again finishes.
  await fakes.vault.setFault({ kind: 'down' })
  t.like(await manager.api('DELETE', hostPath), { status: 202, json: { outcome: 'pending' } })
  const failed = (host: Record<string, unknown>) => /deactivation failed/.test(String(host.status))
  const pending = await hostWhere(manager, TENANT, key.hostId, failed, 'the failed deactivation to show')
  t.like(pending, { deletion: 'pending', statusIndicator: 'ERROR', currentState: 'PROVISIONED' })
  t.regex(String(pending.status), /secret store/)
  t.like(await agent.device.read(), { controlMode: 'ccm' }, 'not deactivated without its password')
  await fakes.vault.setFault(null)
  t.like(await manager.api('DELETE', hostPath), { status: 202, json: { outcome: 'pending' } })
  await until(async () => (await manager.api('GET', hostPath)).status === 404, 'the host to be gone', { dead: manager })
  t.like(await agent.device.read(), { controlMode: 'pre-provisioning' })
  const deactivations = (await agent.device.calls())
    .map((line) => JSON.parse(line) as { event: string; argv?: string[] })
    .filter((call) => call.event === 'start' && call.argv?.[0] === 'deactivate')
  t.true(
    deactivations.length > 0 && deactivations.every((call) => call.argv?.includes('-u') === true),
    'only through RPS',
  )
  t.is(fakes.vault.kv.latest(hostSecretPath(TENANT, key.hostId)), undefined)
  t.false(fakes.mps.devices.has(key.hostId))
  t.false(manager.output().includes(prepared), 'the AMT password is never printed')
})

test('RPS down, then MPS down while deleting → "Host deletion pending" with the reason; retried by itself after recovery until every record is gone', async (t) => {
  const dir = await tempDir(t, 'amt-e2e-deletion-faults-')
  const fakes = await startFakes(t)
  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  const config = {
    ...integrationsConfig(fakes, { apiPort, mqttPort }),
    deadlines: { deletionRetry: { firstMs: 300, maxMs: 600 } },
  }
  const manager = await startManagerProcess(t, {
    configFile: await writeManagerConfig(dir, config),
    dataDir: path.join(dir, 'data'),
    apiPort,
    env: vaultEnv(fakes),
  })

  /** A random-policy host activated through its own RPS profile, registered with MPS. */
  const provisionedHost = async () => {
    const key = { tenantId: TENANT, hostId: randomUUID() }
    const agent = await startAgentProcess(t, {
      brokerUrl: `mqtt://127.0.0.1:${mqttPort}`,
      ...key,
      credential: await registerHost(manager, TENANT, key.hostId),
    })
    await hostWhere(
      manager,
      TENANT,
      key.hostId,
      (host) => host.phase === 'UNPROVISIONED',
      'the agent to report its node',
    )
    t.is(
      (
        await manager.api('PATCH', `/api/v1/tenants/${TENANT}/hosts/${key.hostId}/amt`, {
          desiredAmtState: 'PROVISIONED',
        })
      ).status,
      200,
    )
    await hostWhere(manager, TENANT, key.hostId, (host) => host.currentState === 'PROVISIONED', 'the activation')
    t.true(fakes.rps.profileNames().includes(`${key.hostId}@${TENANT}_ccm`) && fakes.mps.devices.has(key.hostId))
    return { key, agent, password: String(fakes.vault.kv.latest(hostSecretPath(TENANT, key.hostId))?.password) }
  }
  /** DELETE while `service` is down: pending with its name and the retry in the status; after `up`, gone without another DELETE. */
  const deleteDuring = async (service: 'RPS' | 'MPS', down: () => Promise<void>, up: () => Promise<void>) => {
    const { key, agent, password } = await provisionedHost()
    await down()
    t.like(await manager.api('DELETE', `/api/v1/tenants/${TENANT}/hosts/${key.hostId}`), {
      status: 202,
      json: { outcome: 'pending' },
    })
    const pending = await hostWhere(
      manager,
      TENANT,
      key.hostId,
      (host) => String(host.status).startsWith('Host deletion pending'),
      `the failed ${service} cleanup to show`,
    )
    t.like(pending, { deletion: 'pending', statusIndicator: 'ERROR', currentState: 'UNPROVISIONED' })
    t.regex(String(pending.status), new RegExp(`${service} unavailable.*retrying in`))
    t.like(
      await agent.device.read(),
      { controlMode: 'pre-provisioning' },
      'the node was deactivated before the cleanup was tried',
    )
    await up()
    await until(
      async () => (await manager.api('GET', `/api/v1/tenants/${TENANT}/hosts/${key.hostId}`)).status === 404,
      'the retry to finish the deletion',
      { dead: manager },
    )
    t.false(fakes.rps.profileNames().includes(`${key.hostId}@${TENANT}_ccm`), 'its RPS profile is gone')
    t.false(fakes.mps.devices.has(key.hostId), 'its MPS device is gone')
    t.is(fakes.vault.kv.latest(hostSecretPath(TENANT, key.hostId)), undefined, 'its secret is gone')
    t.false(manager.output().includes(password), 'the AMT password is never printed')
  }

  await deleteDuring(
    'RPS',
    () => fakes.rps.server.down(),
    () => fakes.rps.server.up(),
  )
  await deleteDuring(
    'MPS',
    () => fakes.mps.server.down(),
    () => fakes.mps.server.up(),
  )
})
