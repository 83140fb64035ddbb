import { rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { stringify } from 'yaml'
import { ENV_BROKER_PASSWORD } from '../../../agent/config.ts'
import { createEmulatedDevice, type DeviceInit, type EmulatedDevice } from '../../helpers/agent-device.ts'
import { testAgentConfig } from '../../helpers/agent-harness.ts'
import type { Credential } from './manager-process.ts'
import { BIN, spawnCommand, spawnNode, type Child } from './processes.ts'

export interface AgentProcess extends Child {
  /** The agent's config file (in the device's temp dir). */
  configFile: string
  device: EmulatedDevice
  /** Rewrites the emulator's device file (atomically), e.g. to slow its rpc calls down. Call only while no rpc runs. */
  changeDevice(change: (device: Record<string, unknown>) => Record<string, unknown>): Promise<void>
}

/**
 * `amt-agent run --config <file>` as a child process: the real agent with the real rpc CLI adapter, whose `rpc` is
 * the emulator over its own device file. LMS is not managed (no systemd here); the password is in the environment.
 * The emulated AMT reports the host id as its UUID (as a real node's SMBIOS and AMT UUID agree; MPS knows the device
 * by it) unless `device.uuid` says otherwise.
 */
export async function startAgentProcess(
  t: ExecutionContext,
  /**
   * entry: the agent's entry file run with node (default the development launcher bin/amt-agent.js; e.g. the built
   * bundle); executable: instead, an executable run as it is, with `env` as its whole environment (the single executable).
   */
  options: {
    brokerUrl: string
    tenantId: string
    hostId: string
    credential: Credential
    device?: DeviceInit
    entry?: string
    executable?: { file: string; env: Record<string, string> }
  },
): Promise<AgentProcess> {
  const device = await createEmulatedDevice(t, { uuid: options.hostId, ...options.device })
  const config = testAgentConfig({
    url: options.brokerUrl,
    hostId: options.hostId,
    device,
    overrides: { lms: { manage: false } },
  })
  const configFile = path.join(device.dir, 'agent.yaml')
  await writeFile(
    configFile,
    stringify({
      ...config,
      tenantId: options.tenantId,
      broker: { ...config.broker, username: options.credential.username },
      log: { level: 'info' },
    }),
  )
  const secret = { [ENV_BROKER_PASSWORD]: options.credential.password }
  const { executable } = options
  const child = executable
    ? spawnCommand(
        t,
        [executable.file, 'run', '--config', configFile],
        { ...executable.env, ...secret, LOG_LEVEL: 'info' },
        { extendEnv: false },
      )
    : spawnNode(t, options.entry ?? BIN.agent, ['run', '--config', configFile], secret)
  return {
    ...child,
    configFile,
    device,
    async changeDevice(change) {
      const temporary = `${device.deviceFile}.tmp`
      await writeFile(temporary, JSON.stringify(change(await device.read()), null, 2))
      await rename(temporary, device.deviceFile)
    },
  }
}
