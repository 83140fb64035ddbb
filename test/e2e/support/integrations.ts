import { randomUUID } from 'node:crypto'
import type { ExecutionContext } from 'ava'
import mqtt from 'mqtt'
import { ENV_VAULT_TOKEN, type ManagerConfigInput } from '../../../manager/config/config.ts'
import { FakeMps } from '../../../manager/demo/simulated-dmt/mps/fake-mps.ts'
import { FakeRps } from '../../../manager/demo/simulated-dmt/rps/fake-rps.ts'
import { FakeVault } from '../../fakes/vault/fake-vault.ts'
import type { AgentProcess } from './agent-process.ts'
import { callApi, getHost, type Answer, type Credential, type ManagerProcess } from './manager-process.ts'
import { STEP_MS, until } from './processes.ts'
import { testClientId } from '../../helpers/client-ids.ts'

/** The activation endpoint the manager announces in `desired` (the emulator does not dial it). */
export const ACTIVATION_URL = 'wss://rps.example.com/activate'

export interface Fakes {
  vault: FakeVault
  vaultToken: string
  rps: FakeRps
  mps: FakeMps
}

/** The Vault, RPS and MPS stand-ins, in this process on 127.0.0.1; closed in t.teardown. */
export async function startFakes(t: ExecutionContext): Promise<Fakes> {
  const [vault, rps, mps] = await Promise.all([FakeVault.start(), FakeRps.start(), FakeMps.start()])
  t.teardown(async () => {
    await Promise.all([vault.close(), rps.close(), mps.close()])
  })
  return { vault, vaultToken: vault.issueToken(), rps, mps }
}

/** A manager config using the fakes, with short retries; a service that is down refuses at once, a slow answer on a loaded machine still counts. */
export function integrationsConfig(
  fakes: Fakes,
  options: { apiPort: number; mqttPort: number; integratorsFile?: string; passwords?: ManagerConfigInput['passwords'] },
): ManagerConfigInput {
  const retry = { attempts: 2, baseMs: 20, maxMs: 100 }
  return {
    dataDir: 'data',
    api: { port: options.apiPort },
    broker: {
      embedded: {
        tcp: { port: options.mqttPort },
        ...(options.integratorsFile ? { integratorsFile: options.integratorsFile } : {}),
      },
    },
    secrets: {
      kind: 'vault',
      address: fakes.vault.url,
      timeoutMs: 5000,
      retries: 1,
      backoff: { baseMs: 20, maxMs: 100 },
      auth: { method: 'token' },
    },
    ...(options.passwords ? { passwords: options.passwords } : {}),
    dmt: {
      rps: { url: fakes.rps.url, activationUrl: ACTIVATION_URL, timeoutMs: 5000, retry },
      mps: { url: fakes.mps.url, publicAddress: 'mps.example.com', timeoutMs: 5000, retry },
    },
    log: { level: 'info' },
  }
}

/** The environment carrying the Vault token (never a config value). */
export const vaultEnv = (fakes: Fakes): Record<string, string> => ({ [ENV_VAULT_TOKEN]: fakes.vaultToken })

/** The KV path of a host's secret in the fake Vault (default mount and prefix). */
export const hostSecretPath = (tenantId: string, hostId: string): string => `secret/amt/${tenantId}/hosts/${hostId}`

/** A new API token with this role and tenant scope (made by the admin). */
export async function createToken(
  manager: ManagerProcess,
  role: 'viewer' | 'operator' | 'admin',
  tenant: string,
): Promise<string> {
  const answer = await manager.api('POST', '/api/v1/tokens', {
    role,
    tenant,
    name: `${role}-${randomUUID().slice(0, 8)}`,
  })
  if (answer.status !== 201) throw new Error(`token: ${answer.status} ${JSON.stringify(answer.json)}`)
  return String(answer.json.token)
}

export const apiAs =
  (manager: ManagerProcess, token: string) =>
  (method: string, urlPath: string, body?: unknown): Promise<Answer> =>
    callApi(manager.apiUrl, token, method, urlPath, body)

/** Waits until the API shows the host matching `predicate`. */
export function hostWhere(
  manager: ManagerProcess,
  tenantId: string,
  hostId: string,
  predicate: (host: Record<string, unknown>) => boolean,
  what: string,
): Promise<Record<string, unknown>> {
  return until(
    async () => {
      const host = await getHost(manager, tenantId, hostId)
      return predicate(host) && host
    },
    what,
    { dead: manager },
  )
}

/** The emulator's call log: one entry per finished rpc call (argv and exit code). */
export async function rpcCalls(agent: AgentProcess): Promise<Array<{ argv: string[]; exitCode: number }>> {
  const events = (await agent.device.calls()).map(
    (line) => JSON.parse(line) as { event: string; pid: number; argv?: string[]; exitCode?: number },
  )
  return events.flatMap((start) => {
    if (start.event !== 'start') return []
    const end = events.find((event) => event.event === 'end' && event.pid === start.pid)
    return end ? [{ argv: start.argv ?? [], exitCode: end.exitCode ?? -1 }] : []
  })
}

/**
 * What RPS does at activation, which the emulator cannot: the device gets the AMT password of the profile it was
 * activated with. The emulator's device file lists `profile` as its only known profile (any other name fails the
 * activation as RPS would: "profile not found"), so a finished activation used it. Call only while no rpc runs.
 */
export async function applyRpsActivation(agent: AgentProcess, rps: FakeRps, profile: string): Promise<string> {
  const activated = (await rpcCalls(agent)).some((call) => call.argv[0] === 'activate' && call.exitCode === 0)
  const password = rps.activationSecretsOf(profile)?.amtPassword
  if (!activated || !password) throw new Error(`no activation with RPS profile ${profile}`)
  await agent.changeDevice((device) => ({ ...device, password }))
  return password
}

/**
 * Which of `topics` still hold a retained message: subscribes to them, then to `marker` (a topic known to hold
 * one); the marker's retained copy comes after any of theirs, so no waiting on time is needed.
 */
export async function retainedAmong(
  t: ExecutionContext,
  url: string,
  credential: Credential,
  topics: readonly string[],
  marker: string,
): Promise<string[]> {
  const client = await mqtt.connectAsync(
    url,
    { ...credential, clientId: testClientId(credential.username, 'probe'), reconnectPeriod: 0 },
    false,
  )
  t.teardown(() => client.endAsync(true))
  const held: string[] = []
  const markerSeen = new Promise<void>((resolve) => {
    client.on('message', (topic, payload, packet) => {
      if (topic === marker) resolve()
      else if (packet.retain && payload.length > 0) held.push(topic)
    })
  })
  await client.subscribeAsync([...topics], { qos: 1 })
  await client.subscribeAsync(marker, { qos: 1 })
  await Promise.race([
    markerSeen,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`no retained message on ${marker}`)), STEP_MS).unref(),
    ),
  ])
  return held
}
