import { randomUUID } from 'node:crypto'
import path from 'node:path'
import test from 'ava'
import { startAgentProcess } from './support/agent-process.ts'
import { hostSecretPath, hostWhere, integrationsConfig, startFakes, vaultEnv } from './support/integrations.ts'
import { getHost, registerHost, startManagerProcess, writeManagerConfig, type Answer } from './support/manager-process.ts'
import { freePort, tempDir, until } from './support/processes.ts'

const TENANT = 'plant-faults'

test('Vault, RPS, MPS down at activation → a clear API error and nothing written; converges after recovery with the same password; Vault down at deletion → visible pending, DELETE again finishes', async (t) => {
  const dir = await tempDir(t, 'amt-e2e-integration-faults-')
  const fakes = await startFakes(t)
  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  const configFile = await writeManagerConfig(dir, integrationsConfig(fakes, { apiPort, mqttPort }))
  const manager = await startManagerProcess(t, { configFile, dataDir: path.join(dir, 'data'), apiPort, env: vaultEnv(fakes) })
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
    t.like(await getHost(manager, TENANT, key.hostId), { desiredState: 'UNSPECIFIED', desiredGeneration: 0 }, 'nothing written, nothing published')
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
  await hostWhere(manager, TENANT, key.hostId, (host) => host.currentState === 'PROVISIONED' && host.desiredGeneration === 1, 'the activation to converge after recovery')
  const read = await manager.api('GET', `${hostPath}/amt-password`)
  t.is(read.json.amtPassword, prepared, 'the password prepared during the outage is the one in use: nothing lost, nothing doubled')
  t.is(fakes.vault.kv.entries.get(hostSecretPath(TENANT, key.hostId))?.currentVersion, 1)
  t.is(fakes.rps.activationSecretsOf(`${key.hostId}@${TENANT}_ccm`)?.amtPassword, prepared)

  // Vault down while deleting: the CCM device still deactivates locally, but its secret cannot be removed yet.
  await fakes.vault.setFault({ kind: 'down' })
  t.like(await manager.api('DELETE', hostPath), { status: 202, json: { outcome: 'pending' } })
  const pending = await hostWhere(manager, TENANT, key.hostId, (host) => String(host.status).startsWith('Host deletion pending'), 'the failed cleanup to show')
  t.like(pending, { deletion: 'pending', statusIndicator: 'ERROR', currentState: 'UNPROVISIONED' })
  t.regex(String(pending.status), /secret store/)
  t.like(await agent.device.read(), { controlMode: 'pre-provisioning' })
  await fakes.vault.setFault(null)
  t.like(await manager.api('DELETE', hostPath), { status: 200, json: { outcome: 'deleted' } })
  await until(async () => (await manager.api('GET', hostPath)).status === 404, 'the host to be gone', { dead: manager })
  t.is(fakes.vault.kv.latest(hostSecretPath(TENANT, key.hostId)), undefined)
  t.false(fakes.mps.devices.has(key.hostId))
  t.false(manager.output().includes(prepared), 'the AMT password is never printed')
})
