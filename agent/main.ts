import { createLogger, type Logger } from '../lib/log.ts'
import { createAgent } from './agent.ts'
import { createRealAdapters } from './adapters.ts'
import { loadAgentConfig, type AgentConfig } from './config.ts'
import { resolveIdentity } from './identity.ts'

/** Exit codes of `amt-agent run`. */
export const EXIT = { OK: 0, BAD_CONFIG: 1, FATAL: 2 } as const

/** Signals that stop the agent cleanly. */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const

/**
 * `amt-agent run`: builds the object graph in order (config → log → identity → rpc adapter → services → agent),
 * runs until SIGTERM/SIGINT, then stops intake, kills a running rpc, says goodbye (presence offline) and
 * returns 0. A bad config returns 1 after printing every problem; a fatal error returns 2 (systemd restarts it).
 */
export async function runAgent(configFile: string, stderr: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<number> {
  const loaded = loadAgentConfig(configFile)
  if (!loaded.ok) {
    stderr(`amt-agent: invalid configuration ${configFile}:`)
    for (const problem of loaded.problems) stderr(`  ${problem}`)
    return EXIT.BAD_CONFIG
  }
  const { config } = loaded
  const log = createLogger({ name: 'amt-agent', level: config.log.level })
  try {
    return await runUntilSignal(config, log)
  } catch (err) {
    log.fatal({ err }, 'agent failed')
    return EXIT.FATAL
  }
}

async function runUntilSignal(config: AgentConfig, log: Logger): Promise<number> {
  const identity = resolveIdentity(config)
  const { amt, services } = createRealAdapters(config, log)
  const agent = createAgent({ config, log, identity, amt, services })

  const fatal = new Promise<Error>((resolve) => {
    process.on('uncaughtException', resolve)
    process.on('unhandledRejection', (reason) => resolve(reason instanceof Error ? reason : new Error(String(reason))))
  })
  // `on`, not `once`: execa's signal-exit re-raises a signal when it sees no other listener left, and a `once`
  // listener is gone by the time it looks. A second SIGTERM during the shutdown is simply ignored.
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    for (const name of STOP_SIGNALS) process.on(name, () => resolve(name))
  })

  agent.start()
  const ended = await Promise.race([signal.then((name) => ({ kind: 'signal' as const, name })), fatal.then((err) => ({ kind: 'fatal' as const, err }))])
  if (ended.kind === 'fatal') log.fatal({ err: ended.err }, 'fatal error: stopping')
  else log.info({ signal: ended.name }, 'stopping')

  const stopping = agent.stop()
  await amt.stop() // kills a running rpc (SIGTERM, then SIGKILL after killGraceMs) so the pass ends now
  await stopping
  return ended.kind === 'fatal' ? EXIT.FATAL : EXIT.OK
}
