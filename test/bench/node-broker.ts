import { execa } from 'execa'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { PASSWORD_ENV } from './bench-principal.ts'
import type { RunningProcessBroker } from './mosquitto.ts'

const SERVER = fileURLToPath(new URL('./bench-server.ts', import.meta.url))

export type NodeBrokerMode = 'ours' | 'aedes' | 'aedes-nagle'

/**
 * Starts bench-server.ts in a child node process and resolves with its port once it listens. `nodeOptions`: extra
 * node flags for the child (e.g. `--cpu-prof`, which NODE_OPTIONS does not take).
 */
export async function startNodeBroker(
  mode: NodeBrokerMode,
  password: string,
  { nodeOptions = [], timeoutMs = 10_000 }: { nodeOptions?: readonly string[]; timeoutMs?: number } = {},
): Promise<RunningProcessBroker> {
  const child = execa(process.execPath, [...nodeOptions, '--import', 'tsx', SERVER, mode], {
    reject: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'inherit',
    env: { [PASSWORD_ENV]: password },
  })
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM')
    await child
  }
  const lines = createInterface({ input: child.stdout })
  const timer = setTimeout(() => lines.close(), timeoutMs)
  try {
    for await (const line of lines) {
      const parsed = JSON.parse(line) as { port?: unknown }
      if (typeof parsed.port === 'number' && child.pid !== undefined) return { port: parsed.port, pid: child.pid, stop }
    }
  } finally {
    clearTimeout(timer)
  }
  await stop()
  throw new Error(`bench broker ${mode} did not report a port within ${timeoutMs} ms`)
}
