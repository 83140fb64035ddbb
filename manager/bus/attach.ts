import type { Logger } from '../../lib/log.ts'
import type { ManagerCore } from '../core/manager-core.ts'
import type { ManagerMetrics } from '../metrics/metrics.ts'
import { createDispatcher } from './dispatch.ts'
import type { ManagerBus } from './mqtt-bus.ts'

/**
 * Connects the core to the bus: every message goes straight to the dispatcher (decode, count, `core.record`);
 * after every (re)connect the sweep republishes desired + status of every host from Inventory (then `afterSweep`).
 * Starts the bus and the core's deadline timer.
 */
export function attachCore(
  bus: ManagerBus,
  core: ManagerCore,
  deps: { log: Logger; metrics: ManagerMetrics; afterSweep?: () => void },
): void {
  const log = deps.log.child({ module: 'bus' })
  bus.start({
    onMessage: createDispatcher({ record: core.record, log: deps.log, metrics: deps.metrics }),
    onReady: () => {
      core
        .republishAll()
        .then(() => deps.afterSweep?.())
        .catch((err: unknown) => log.error({ err }, 'republish from Inventory failed'))
    },
  })
  core.start()
}
