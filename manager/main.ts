import { createLogger } from '../lib/log.ts'
import { loadedFrom, type PrintLine } from '../lib/service-exit.ts'
import { runService } from '../lib/service-lifecycle.ts'
import { loadManagerConfig } from './config/config.ts'
import { startManager } from './wiring/start-manager.ts'

/**
 * `amt-manager serve --config <file>` under the services' lifecycle (lib/service-lifecycle.ts): every config
 * problem printed → 1; a start-up failure → `amt-manager: cannot start: …` → 2 (1 for a StartupError about
 * configuration); SIGTERM/SIGINT stop intake and close in reverse order → 0, a second signal exits at once (2), a
 * fatal error → 2; SIGHUP is logged and ignored (logs go to stdout; configuration is read at start).
 */
export function runManager(configFile: string, stderr?: PrintLine): Promise<number> {
  return runService({
    name: 'amt-manager',
    load: () => loadedFrom(configFile, loadManagerConfig(configFile)),
    logger: (config) => createLogger({ name: 'amt-manager', level: config.log.level }),
    start: async (config, log) => {
      const running = await startManager(config, { log })
      return { stop: () => running.close() }
    },
    stderr,
  })
}
