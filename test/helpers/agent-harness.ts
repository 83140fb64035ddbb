import { randomBytes } from 'node:crypto'
import type { ExecutionContext } from 'ava'
import { createLogger, silentLogger, type Logger } from '../../lib/log.ts'
import { createAgent, type Agent } from '../../agent/agent.ts'
import { createRpcCliAmt, type RpcCliAmt } from '../../agent/amt/rpc-cli.ts'
import { ENV_BROKER_PASSWORD, parseAgentConfig, type AgentConfig, type AgentConfigInput } from '../../agent/config.ts'
import {
  createFakeServiceControl,
  type FakeServiceControl,
  type FakeServiceControlState,
} from '../../agent/services/fake.ts'
import { startTestBroker, type TestBroker, type TestCredential } from './broker.ts'
import { createEmulatedDevice, type DeviceInit, type EmulatedDevice } from './agent-device.ts'
import { connectTestManager, type TestManager } from './agent-manager.ts'

export const TENANT = 'acme'

/** Short bounds so every path (retries, recoveries, timeouts) runs in well under a second of waiting. */
export function testAgentConfig(input: {
  url: string
  hostId: string
  device: EmulatedDevice
  overrides?: Partial<Pick<AgentConfigInput, 'rpc' | 'rps' | 'reconcile' | 'lms' | 'broker'>>
}): Omit<AgentConfigInput, 'broker'> & { broker: NonNullable<AgentConfigInput['broker']> } {
  const { url, hostId, device, overrides = {} } = input
  return {
    tenantId: TENANT,
    hostId,
    broker: {
      url,
      keepaliveSeconds: 30,
      connectTimeoutMs: 30_000,
      reconnectMinMs: 50,
      reconnectMaxMs: 400,
      ...overrides.broker,
    },
    rpc: {
      path: device.rpcPath,
      devDir: device.devDir,
      amtinfoTimeoutMs: 30_000,
      operationTimeoutMs: 30_000,
      killGraceMs: 200,
      ...overrides.rpc,
    },
    rps: { url: 'wss://rps.example.com/activate', ...overrides.rps },
    reconcile: {
      intervalMs: 600_000,
      maxAttempts: 3,
      retryBaseMs: 20,
      retryMaxMs: 100,
      stuckConnectingMs: 400,
      maxRecoveries: 2,
      secretTimeoutMs: 30_000,
      ...overrides.reconcile,
    },
    lms: { manage: true, ...overrides.lms },
    log: { level: 'debug' },
  }
}

export interface AgentHarnessOptions {
  device?: DeviceInit
  services?: Partial<FakeServiceControlState>
  overrides?: Parameters<typeof testAgentConfig>[0]['overrides']
  /** Collect the agent's log lines (for "no secret in logs" assertions). */
  captureLogs?: boolean
  /** Reuse a broker (tests with more than one agent); default: a fresh one. */
  broker?: TestBroker
  /** Do not start the agent (the test starts it after preparing retained messages). */
  deferStart?: boolean
}

export interface AgentHarness {
  broker: TestBroker
  manager: TestManager
  device: EmulatedDevice
  services: FakeServiceControl
  amt: RpcCliAmt
  agent: Agent
  config: AgentConfig
  hostId: string
  deviceCredential: TestCredential
  /** The captured log text (with captureLogs). */
  logs: () => string
}

/**
 * The in-process agent with the REAL rpc CLI adapter running the rpc emulator, a recording ServiceControl, a real
 * broker, and a manager principal watching the host. Everything is released in t.teardown.
 */
export async function startAgentHarness(t: ExecutionContext, options: AgentHarnessOptions = {}): Promise<AgentHarness> {
  const broker = options.broker ?? (await startTestBroker(t))
  const hostId = `node-${randomBytes(4).toString('hex')}`
  const deviceCredential = await broker.addDevice(TENANT, hostId)
  const managerCredential = await broker.addManager()
  const manager = await connectTestManager(t, {
    url: broker.url,
    credential: managerCredential,
    tenantId: TENANT,
    hostId,
  })
  const device = await createEmulatedDevice(t, options.device)
  const document = testAgentConfig({ url: broker.url, hostId, device, overrides: options.overrides })
  const parsed = parseAgentConfig(
    { ...document, broker: { ...document.broker, username: deviceCredential.username } },
    { env: { [ENV_BROKER_PASSWORD]: deviceCredential.password } },
  )
  if (!parsed.ok) throw new Error(`test agent config: ${parsed.problems.join('; ')}`)
  const { config } = parsed

  const lines: string[] = []
  const log: Logger = options.captureLogs
    ? createLogger({
        name: 'amt-agent-test',
        level: 'debug',
        destination: { write: (line: string) => void lines.push(line) },
      })
    : silentLogger()
  const amt = createRpcCliAmt({
    ...config.rpc,
    log,
  })
  const services = createFakeServiceControl(options.services)
  const agent = createAgent({ config, log, amt, services })
  t.teardown(async () => {
    const stopping = agent.stop()
    await amt.stop()
    await stopping
  })
  if (!options.deferStart) agent.start()
  return { broker, manager, device, services, amt, agent, config, hostId, deviceCredential, logs: () => lines.join('') }
}

/** A desired for the harness' host (the manager side). */
export const desiredProvisioned = (generation: number, extra: { profileName?: string; rpsUrl?: string } = {}) =>
  ({ generation, state: 'PROVISIONED', controlMode: 'CCM', profileName: 'ccm-profile', ...extra }) as const

export const desiredUnprovisioned = (generation: number, extra: { rpsUrl?: string; localDeactivation?: true } = {}) =>
  ({ generation, state: 'UNPROVISIONED', controlMode: 'CCM', ...extra }) as const
