import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { stringify } from 'yaml'
import { ENV_BROKER_PASSWORD, type AgentConfigInput } from '../../../agent/config.ts'
import { createEmulatedDevice, type DeviceInit, type EmulatedDevice } from '../../helpers/agent-device.ts'
import { TENANT, testAgentConfig } from '../../helpers/agent-harness.ts'
import type { TestCredential } from '../../helpers/broker.ts'
import { BIN, spawnNode, STEP_MS, until, type Child } from './processes.ts'

/** Waits (polling the collected output) until the child printed a line matching `pattern`; fails if it exits first. */
export function printed(child: Child, pattern: RegExp, what: string): Promise<true> {
  return until(() => Promise.resolve(pattern.test(child.output())), what, { dead: child })
}

/** `pending`, or a failure naming `what` after `timeoutMs`. */
export async function within<T>(pending: Promise<T>, what: string, timeoutMs = STEP_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)
  })
  try {
    return await Promise.race([pending, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export interface AgentChild extends Child {
  device: EmulatedDevice
}

/** `amt-agent run` as a child process (log level info) over the rpc emulator; killed in t.teardown. */
export async function spawnAgent(
  t: ExecutionContext,
  options: {
    brokerUrl: string
    hostId: string
    credential: TestCredential
    device?: DeviceInit
    rpc?: AgentConfigInput['rpc']
  },
): Promise<AgentChild> {
  const device = await createEmulatedDevice(t, options.device)
  const overrides = { lms: { manage: false }, ...(options.rpc ? { rpc: options.rpc } : {}) }
  const config = testAgentConfig({ url: options.brokerUrl, hostId: options.hostId, device, overrides })
  const configFile = path.join(device.dir, 'agent.yaml')
  const broker = { ...config.broker, username: options.credential.username }
  await writeFile(configFile, stringify({ ...config, tenantId: TENANT, broker, log: { level: 'info' } }))
  const child = spawnNode(t, BIN.agent, ['run', '--config', configFile], {
    [ENV_BROKER_PASSWORD]: options.credential.password,
  })
  return { ...child, device }
}

/**
 * Sends `signal` to the child directly: execa's own kill() would follow a SIGTERM with a SIGKILL after 5 s
 * (forceKillAfterDelay), which a slow stop on a loaded machine can outlast.
 */
export function sendSignal(child: Child, signal: NodeJS.Signals): void {
  const { pid } = child.process
  if (pid === undefined) throw new Error('the child has no pid')
  process.kill(pid, signal)
}
