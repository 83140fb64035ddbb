import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import mqtt from 'mqtt'
import { agentClientId } from '../../schemas/principals.ts'
import { buildTopic, tenantFilter } from '../../schemas/topics.ts'
import { startAgentProcess, type AgentProcess } from './support/agent-process.ts'
import { ACTIVATION_URL, hostWhere } from './support/integrations.ts'
import { dynsecCommand, startDynsecMosquitto } from './support/mosquitto-dynsec.ts'
import {
  getHost,
  newCredential,
  registerHost,
  startManagerProcess,
  writeManagerConfig,
  type Credential,
  type ManagerProcess,
} from './support/manager-process.ts'
import { freePort, tempDir, until } from './support/processes.ts'
import { recordTopics, type Recorded } from './support/topic-recorder.ts'

const TENANT = 'e2e'
const [A, B, C] = ['node-a', 'node-b', 'node-c'].map((hostId) => ({ tenantId: TENANT, hostId })) as [Key, Key, Key]
type Key = { tenantId: string; hostId: string }

/** Every rpc call of the node is this much slower from now on: the broker or manager dies while one runs. */
const SLOW_MS = 1500

const setDesired = async (
  manager: ManagerProcess,
  key: Key,
  state: 'PROVISIONED' | 'UNPROVISIONED',
): Promise<number> => {
  const answer = await manager.api('PATCH', `/api/v1/tenants/${key.tenantId}/hosts/${key.hostId}/amt`, {
    desiredAmtState: state,
  })
  if (answer.status !== 200) throw new Error(`PATCH ${key.hostId}: ${answer.status} ${JSON.stringify(answer.json)}`)
  return (await getHost(manager, key.tenantId, key.hostId)).desiredGeneration as number
}

const settled = (state: 'PROVISIONED' | 'UNPROVISIONED', generation: number) => (host: Record<string, unknown>) =>
  host.currentState === state && host.observedGeneration === generation && host.desiredGeneration === generation

const on =
  (
    key: Key,
    leaf: 'state' | 'secret/req' | 'desired',
    match: (json: Record<string, unknown>) => boolean = () => true,
  ) =>
  (message: Recorded) =>
    message.topic === buildTopic({ ...key, leaf }) && message.json !== null && match(message.json)

/**
 * The rpc calls a node made: deactivations only through RPS (`-u <activation URL>`, the AMT password in the
 * environment: it came over secret/res), never `-local`, never without the URL.
 */
async function deactivations(agent: AgentProcess): Promise<Array<{ argv: string[]; env: string[]; exitCode: number }>> {
  type Line = { event: string; pid: number; argv?: string[]; env?: string[]; exitCode?: number }
  const lines = (await agent.device.calls()).map((line) => JSON.parse(line) as Line)
  return lines.flatMap((start) => {
    if (start.event !== 'start' || start.argv?.[0] !== 'deactivate') return []
    const end = lines.find((line) => line.event === 'end' && line.pid === start.pid)
    return [{ argv: start.argv, env: start.env ?? [], exitCode: end?.exitCode ?? -1 }]
  })
}

test('Mosquitto 2 with dynamic security: accounts kept by the manager; broker SIGKILLed mid-activation and mid-deactivation, desired changed while it is down, manager restarted mid-deactivation: every node converges to its latest desired, deactivation only through RPS, accounts removed with their hosts', async (t) => {
  t.timeout(240_000)
  const started = Date.now()
  const dir = await tempDir(t, 'amt-e2e-mosquitto-')
  const dataDir = path.join(dir, 'data')
  const apiPort = await freePort()
  const admin = newCredential('amt-manager')
  const mosquitto = await startDynsecMosquitto(t, admin)
  await writeFile(path.join(dir, 'manager-password'), `${admin.password}\n`, { mode: 0o600 })
  const configFile = await writeManagerConfig(dir, {
    dataDir: 'data',
    api: { port: apiPort },
    broker: {
      external: {
        url: mosquitto.url,
        username: admin.username,
        passwordFile: 'manager-password',
        mosquittoDynamicSecurity: true,
      },
    },
    rps: { url: ACTIVATION_URL },
    log: { level: 'info' },
  })
  const managers: ManagerProcess[] = []
  const startManager = async (): Promise<ManagerProcess> => {
    const started = await startManagerProcess(t, { configFile, dataDir, apiPort })
    managers.push(started)
    return started
  }
  let manager = await startManager()
  const managerRole = await dynsecCommand(mosquitto.url, admin, { command: 'getClient', username: admin.username })
  t.like(
    managerRole,
    { data: { client: { roles: [{ rolename: 'admin' }, { rolename: 'amt-manager' }] } } },
    'the manager gave itself its role',
  )

  // Registration puts each device's account on the broker: bound to its client id, limited to its own topics.
  const credentials = new Map<string, Credential>()
  for (const key of [A, B, C]) credentials.set(key.hostId, await registerHost(manager, TENANT, key.hostId))
  const credentialOf = (key: Key): Credential => credentials.get(key.hostId) as Credential
  await t.throwsAsync(
    mqtt.connectAsync(mosquitto.url, { ...credentialOf(A), clientId: 'not-its-id', reconnectPeriod: 0 }, false),
    undefined,
    'another client id is refused',
  )
  const device = await mqtt.connectAsync(
    mosquitto.url,
    { ...credentialOf(A), clientId: agentClientId(A), reconnectPeriod: 0 },
    false,
  )
  const filters = [
    buildTopic({ ...A, leaf: 'desired' }),
    buildTopic({ ...B, leaf: 'desired' }),
    buildTopic({ ...A, leaf: 'status' }),
  ]
  const refused = await t.throwsAsync(device.subscribeAsync(filters, { qos: 1 }))
  t.deepEqual(
    (refused as (Error & { packet?: { granted?: number[] } }) | undefined)?.packet?.granted,
    [1, 128, 128],
    'its own desired only',
  )
  await device.endAsync()

  const watch = await recordTopics(
    t,
    mosquitto.url,
    admin,
    (['state', 'secret/req', 'desired'] as const).map((leaf) => tenantFilter(TENANT, leaf)),
  )
  const agents = await Promise.all(
    [A, B, C].map((key) => startAgentProcess(t, { brokerUrl: mosquitto.url, ...key, credential: credentialOf(key) })),
  )
  const [agentA, agentB, agentC] = agents as [AgentProcess, AgentProcess, AgentProcess]
  for (const key of [A, B, C])
    await hostWhere(manager, TENANT, key.hostId, (host) => host.phase === 'UNPROVISIONED', `${key.hostId} to report in`)

  // Activation (A, B).
  for (const key of [A, B]) await setDesired(manager, key, 'PROVISIONED')
  for (const key of [A, B])
    await hostWhere(manager, TENANT, key.hostId, settled('PROVISIONED', 1), `${key.hostId} PROVISIONED`)

  // Broker SIGKILL while C activates and A has just been told to deactivate (its secret request comes while the
  // broker is down); while it is down, C is asked to deactivate and then to activate again, B likewise: the latest
  // desired wins, the superseded one never runs.
  await Promise.all([agentA, agentC].map((agent) => agent.changeDevice((model) => ({ ...model, latencyMs: SLOW_MS }))))
  const mark = watch.messages.length
  await setDesired(manager, C, 'PROVISIONED')
  await watch.waitFor(
    on(C, 'state', (s) => s.phase === 'ACTIVATING'),
    'C activating',
    { from: mark },
  )
  const aDeactivation = await setDesired(manager, A, 'UNPROVISIONED')
  await watch.waitFor(
    on(A, 'desired', (d) => d.generation === aDeactivation),
    "A's desired",
    { from: mark },
  )
  await mosquitto.kill('SIGKILL')
  await until(async () => (await fetch(`${manager.apiUrl}/readyz`)).status === 503, '/readyz to report the lost broker')
  for (const key of [B, C]) await setDesired(manager, key, 'UNPROVISIONED')
  const [bLatest, cLatest] = [await setDesired(manager, B, 'PROVISIONED'), await setDesired(manager, C, 'PROVISIONED')]
  await mosquitto.start()

  await hostWhere(
    manager,
    TENANT,
    A.hostId,
    settled('UNPROVISIONED', aDeactivation),
    'A deactivated after the broker restart',
  )
  await hostWhere(manager, TENANT, B.hostId, settled('PROVISIONED', bLatest), 'B at its latest generation')
  await hostWhere(manager, TENANT, C.hostId, settled('PROVISIONED', cLatest), 'C at its latest generation')
  t.like(await agentC.device.read(), { controlMode: 'ccm', counters: { activations: 1 } })
  t.like(await agentB.device.read(), { controlMode: 'ccm', counters: { activations: 1 } })
  t.deepEqual(await deactivations(agentB), [], 'B never deactivated (superseded while the broker was down)')
  t.deepEqual(await deactivations(agentC), [], 'C never deactivated (superseded before it acted)')

  // Broker up, B busy observing (slow rpc): deactivation asked and, before B acts, superseded by activation again.
  // B acts only on the latest generation: no deactivation, no second activation.
  await agentB.changeDevice((model) => ({ ...model, latencyMs: SLOW_MS }))
  const mark1 = watch.messages.length
  const superseded = await setDesired(manager, B, 'UNPROVISIONED')
  await watch.waitFor(
    on(B, 'desired', (d) => d.generation === superseded),
    "B's superseded desired",
    { from: mark1 },
  )
  const bLatest2 = await setDesired(manager, B, 'PROVISIONED')
  await hostWhere(manager, TENANT, B.hostId, settled('PROVISIONED', bLatest2), 'B at its latest generation again')
  t.deepEqual(await deactivations(agentB), [], 'B never acted on the superseded deactivation')
  t.like(await agentB.device.read(), { controlMode: 'ccm', counters: { activations: 1 } })

  // The manager stops (SIGSTOP) once B has its desired, so it never answers B's secret request; then the request is
  // lost everywhere: the broker dies (no persistence: the manager's queued session goes with it), the stopped
  // manager is SIGKILLed. Both come back; only the agent's re-sent request can finish the deactivation.
  const mark2 = watch.messages.length
  const bDeactivation = await setDesired(manager, B, 'UNPROVISIONED')
  await watch.waitFor(
    on(B, 'desired', (d) => d.generation === bDeactivation),
    "B's desired",
    { from: mark2 },
  )
  manager.kill('SIGSTOP')
  await watch.waitFor(on(B, 'secret/req'), "B's secret request", { from: mark2 })
  await mosquitto.kill('SIGKILL')
  manager.kill('SIGKILL')
  await manager.exited
  await mosquitto.start()
  manager = await startManager()
  await hostWhere(
    manager,
    TENANT,
    B.hostId,
    settled('UNPROVISIONED', bDeactivation),
    'B deactivated after the manager restart',
  )

  for (const [agent, key] of [
    [agentA, A],
    [agentB, B],
  ] as const) {
    const calls = await deactivations(agent)
    t.is(calls.length, 1, `${key.hostId}: one deactivation`)
    for (const call of calls) {
      t.false(call.argv.includes('-local'), `${key.hostId}: never a local deactivation`)
      t.is(call.argv[call.argv.indexOf('-u') + 1], ACTIVATION_URL, `${key.hostId}: through RPS`)
      t.true(
        call.env.includes('AMT_PASSWORD') && call.exitCode === 0,
        `${key.hostId}: with the password from secret/res`,
      )
    }
    t.like(await agent.device.read(), { controlMode: 'pre-provisioning' })
  }

  // Deleting a host deletes its account: the device can no longer connect.
  for (const key of [A, B])
    t.like(await manager.api('DELETE', `/api/v1/tenants/${TENANT}/hosts/${key.hostId}`), { status: 200 })
  for (const key of [A, B]) {
    t.like(await dynsecCommand(mosquitto.url, admin, { command: 'getClient', username: credentialOf(key).username }), {
      error: 'Client not found',
    })
    await t.throwsAsync(
      mqtt.connectAsync(
        mosquitto.url,
        { ...credentialOf(key), clientId: agentClientId(key), reconnectPeriod: 0 },
        false,
      ),
    )
  }
  t.like(await dynsecCommand(mosquitto.url, admin, { command: 'getClient', username: credentialOf(C).username }), {
    data: { client: { clientid: agentClientId(C) } },
  })

  manager.kill('SIGTERM')
  t.like(await manager.exited, { exitCode: 0 })
  const printed = [...managers, ...agents].map((child) => child.output()).join('') + mosquitto.output()
  for (const secret of [admin.password, ...[...credentials.values()].map((c) => c.password)])
    t.false(printed.includes(secret), 'no password printed')
  t.log(`took ${Math.round((Date.now() - started) / 1000)} s`)
})
