import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ExecutionContext } from 'ava'
import type { z } from 'zod'
import type { DeviceModelJson } from '../../agent/amt/device-model-schema.ts'

const RPC_EMULATOR = fileURLToPath(new URL('../fixtures/bin/rpc', import.meta.url))

export type DeviceInit = z.input<typeof DeviceModelJson>

/** One emulated node on disk: the rpc emulator behind a wrapper script, its device file, a /dev with mei0. */
export interface EmulatedDevice {
  dir: string
  /** Give this to the rpc adapter as rpcPath: it runs the emulator with this device file. */
  rpcPath: string
  /** Give this to the rpc adapter as devDir (holds mei0 unless the device has no ME device). */
  devDir: string
  deviceFile: string
  callsLog: string
  /** The device file as the emulator left it. */
  read(): Promise<Record<string, unknown>>
  /** Lines of the emulator's call log. */
  calls(): Promise<string[]>
}

/**
 * A per-test emulated device. The wrapper script sets the emulator's environment itself and starts it with this node
 * by its path, so nothing depends on the environment the adapter passes on to rpc (which strips RPC_* variables, and
 * has no node on its PATH under the single executable) and tests running in parallel never share state.
 */
export async function createEmulatedDevice(t: ExecutionContext, init: DeviceInit = {}): Promise<EmulatedDevice> {
  const dir = await mkdtemp(join(tmpdir(), 'amt-agent-device-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const devDir = join(dir, 'dev')
  await mkdir(devDir)
  if (init.meDevice !== null) await writeFile(join(devDir, 'mei0'), '')
  const deviceFile = join(dir, 'device.json')
  const callsLog = join(dir, 'calls.log')
  await writeFile(deviceFile, JSON.stringify(init, null, 2))
  const rpcPath = join(dir, 'rpc')
  const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`
  await writeFile(
    rpcPath,
    `#!/bin/sh\nRPC_EMULATOR_DEVICE=${quote(deviceFile)} RPC_EMULATOR_LOG=${quote(callsLog)} exec ${quote(process.execPath)} ${quote(RPC_EMULATOR)} "$@"\n`,
    { mode: 0o755 },
  )
  return {
    dir,
    rpcPath,
    devDir,
    deviceFile,
    callsLog,
    read: async () => JSON.parse(await readFile(deviceFile, 'utf8')) as Record<string, unknown>,
    calls: async () => (await readFile(callsLog, 'utf8').catch(() => '')).split('\n').filter((line) => line !== ''),
  }
}
