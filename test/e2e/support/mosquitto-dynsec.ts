import { existsSync } from 'node:fs'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { execa } from 'execa'
import mqtt, { type MqttClient } from 'mqtt'
import {
  DYNSEC_CONTROL_TOPIC,
  DYNSEC_RESPONSE_TOPIC,
  type DynsecResponse,
} from '../../../manager/dynsec/dynsec-control.ts'
import { startMosquitto, type RunningMosquitto } from '../../helpers/mosquitto.ts'
import type { Credential } from './manager-process.ts'
import { STEP_MS, tempDir } from './processes.ts'

const PLUGIN = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/local/lib']
  .map((dir) => path.join(dir, 'mosquitto_dynamic_security.so'))
  .find((file) => existsSync(file))

/**
 * A real Mosquitto 2 with its dynamic-security plugin, as an operator sets it up for the manager
 * (docs/operations.md): `mosquitto_ctrl dynsec init <file> <admin>` (the password typed on stdin, never in argv),
 * the plugin lines, no anonymous access. The plugin's JSON file lives outside the broker's dir and is rewritten by
 * the broker on every change, so accounts survive a SIGKILL; retained messages and sessions do not (no persistence).
 */
export async function startDynsecMosquitto(t: ExecutionContext, admin: Credential): Promise<RunningMosquitto> {
  if (PLUGIN === undefined) throw new Error('mosquitto_dynamic_security.so not found (Debian package mosquitto 2)')
  const dir = await tempDir(t, 'amt-e2e-dynsec-')
  const file = path.join(dir, 'dynamic-security.json')
  await execa('mosquitto_ctrl', ['dynsec', 'init', file, admin.username], {
    input: `${admin.password}\n${admin.password}\n`,
  })
  return startMosquitto(t, {
    allowAnonymous: false,
    extraConfig: [`plugin ${PLUGIN}`, `plugin_opt_config_file ${file}`],
  })
}

/** One dynsec command as the admin (a separate, short connection): its response. */
export async function dynsecCommand(
  url: string,
  admin: Credential,
  command: Record<string, unknown>,
): Promise<DynsecResponse> {
  const client: MqttClient = await mqtt.connectAsync(
    url,
    { ...admin, clientId: `e2e-dynsec-${process.pid}-${Date.now()}`, reconnectPeriod: 0 },
    false,
  )
  try {
    const answered = new Promise<DynsecResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no dynsec answer to ${String(command.command)}`)), STEP_MS)
      client.on('message', (_topic, payload) => {
        const [response] = (JSON.parse(payload.toString('utf8')) as { responses: DynsecResponse[] }).responses
        if (response?.correlationData !== 'e2e') return
        clearTimeout(timer)
        resolve(response)
      })
    })
    await client.subscribeAsync(DYNSEC_RESPONSE_TOPIC, { qos: 1 })
    await client.publishAsync(
      DYNSEC_CONTROL_TOPIC,
      JSON.stringify({ commands: [{ ...command, correlationData: 'e2e' }] }),
      { qos: 1 },
    )
    return await answered
  } finally {
    await client.endAsync(true)
  }
}
