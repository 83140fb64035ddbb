import { createLogger, type Logger } from '../lib/log.ts'
import { runService, SERVICE_EXIT, type RunningService } from '../lib/service-lifecycle.ts'
import { createAgent } from './agent.ts'
import { createRealAdapters } from './adapters.ts'
import { loadAgentConfig, type AgentConfig } from './config.ts'
import { IdentityError, resolveIdentity, type AgentIdentity } from './identity.ts'

/** Exit codes of `amt-agent run` (the services' shared codes). */
export const EXIT = SERVICE_EXIT

/**
 * `amt-agent run`: builds the object graph in order (config → log → identity → rpc adapter → services → agent)
 * and runs it under the services' lifecycle (lib/service-lifecycle.ts): SIGTERM/SIGINT stop intake, kill a running
 * rpc, say goodbye (presence offline) → 0; a second signal exits at once (2); SIGHUP is logged and ignored (logs go
 * to stdout, the configuration is read at start). A bad config returns 1 after printing every problem (so does a
 * host id that cannot be resolved or is a firmware placeholder: the operator must set hostId); a fatal
 * error returns 2 (systemd restarts it).
 */
export async function runAgent(configFile: string, stderr: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<number> {
  const loaded = loadAgentConfig(configFile)
  if (!loaded.ok) {
    stderr(`amt-agent: invalid configuration ${configFile}:`)
    for (const problem of loaded.problems) stderr(`  ${problem}`)
    return EXIT.BAD_CONFIG
  }
  const { config } = loaded
  let identity: AgentIdentity
  try {
    identity = resolveIdentity(config)
  } catch (err) {
    if (!(err instanceof IdentityError)) throw err
    stderr(`amt-agent: ${err.message}`)
    return EXIT.BAD_CONFIG
  }
  const log = createLogger({ name: 'amt-agent', level: config.log.level })
  return runService({
    log,
    start: () => Promise.resolve(startAgent(config, identity, log)),
    startFailed: (err) => {
      log.fatal({ err }, 'agent failed')
      return EXIT.FATAL
    },
  })
}

function startAgent(config: AgentConfig, identity: AgentIdentity, log: Logger): RunningService {
  const { amt, services } = createRealAdapters(config, log)
  const agent = createAgent({ config, log, identity, amt, services })
  agent.start()
  return {
    async stop() {
      const stopping = agent.stop()
      await amt.stop() // kills a running rpc (SIGTERM, then SIGKILL after killGraceMs) so the pass ends now
      await stopping
    },
  }
}
