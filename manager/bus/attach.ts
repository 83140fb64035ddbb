import type { Logger } from '../../lib/log.ts'
import type { ManagerCore } from '../domain/manager-core.ts'
import type { ManagerBus } from './mqtt-bus.ts'

/**
 * Connects the core to the bus: every message goes to the dispatcher; after every (re)connect the sweep
 * republishes desired + status of every host from Inventory (then `afterSweep`). Starts the bus and the core's
 * deadline timer.
 */
export function attachCore(bus: ManagerBus, core: ManagerCore, parentLog: Logger, hooks: { afterSweep?: () => void } = {}): void {
  const log = parentLog.child({ module: 'bus' })
  bus.start({
    onMessage: (topic, payload, retained) => {
      core.dispatch(topic, payload, retained).catch((err: unknown) => log.error({ err }, 'dispatch failed'))
    },
    onReady: () => {
      core
        .republishAll()
        .then(() => hooks.afterSweep?.())
        .catch((err: unknown) => log.error({ err }, 'republish from Inventory failed'))
    },
  })
  core.start()
}
