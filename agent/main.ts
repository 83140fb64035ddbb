import { createLogger, type Logger } from '../lib/log.ts'
import { loadedFrom, type Loaded, type PrintLine } from '../lib/service-exit.ts'
import { runService, type RunningService } from '../lib/service-lifecycle.ts'
import { createAgent } from './agent.ts'
import { createRealAdapters } from './adapters.ts'
import { loadAgentConfig, type AgentConfig } from './config.ts'
import { IdentityError, resolveIdentity, type AgentIdentity } from './identity.ts'

interface LoadedAgent {
  config: AgentConfig
  identity: AgentIdentity
}

/**
 * `amt-agent run`: builds the object graph in order (config → log → identity → rpc adapter → services → agent)
 * and runs it under the services' lifecycle (lib/service-lifecycle.ts): SIGTERM/SIGINT stop intake, kill a running
 * rpc, say goodbye (presence offline) → 0; a second signal exits at once (2); SIGHUP is logged and ignored (logs go
 * to stdout, the configuration is read at start). A bad config returns 1 after printing every problem (so does a
 * host id that cannot be resolved or is a firmware placeholder: the operator must set hostId); a fatal
 * error returns 2 (systemd restarts it).
 */
export function runAgent(configFile: string, stderr?: PrintLine): Promise<number> {
  return runService({
    name: 'amt-agent',
    load: () => loadAgent(configFile),
    logger: ({ config }) => createLogger({ name: 'amt-agent', level: config.log.level }),
    start: ({ config, identity }, log) => Promise.resolve(startAgent(config, identity, log)),
    stderr,
  })
}

/** The configuration, then the host identity it names (an unusable one is a configuration problem, said as is). */
function loadAgent(configFile: string): Loaded<LoadedAgent> {
  const loaded = loadedFrom(configFile, loadAgentConfig(configFile))
  if (!loaded.ok) return loaded
  try {
    return { ok: true, config: { config: loaded.config, identity: resolveIdentity(loaded.config) } }
  } catch (err) {
    if (!(err instanceof IdentityError)) throw err
    return { ok: false, heading: err.message, problems: [] }
  }
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
