/**
 * One manager replica of the ingest benchmark (ingest.ts): our broker, the bus (in process as with
 * `amt-manager serve`'s embedded broker, or a loopback MQTT connection), the core and its Inventory connection.
 * Its Inventory counts the version conflicts the core meets (a host written behind its cache by another replica).
 */
import { silentLogger } from '../../lib/log.ts'
import { attachCore } from '../../manager/bus/attach.ts'
import { createEmbeddedBus } from '../../manager/bus/embedded-bus.ts'
import { createManagerBus } from '../../manager/bus/mqtt-bus.ts'
import { createManagerCore, type ManagerCore } from '../../manager/core/manager-core.ts'
import { VersionConflictError } from '../../manager/inventory/errors.ts'
import type { Inventory } from '../../manager/inventory/port.ts'
import { createManagerMetrics } from '../../manager/metrics/metrics.ts'
import { startBenchBroker, type BenchBroker } from './ingest-run.ts'

export interface BenchManager {
  broker: BenchBroker
  core: ManagerCore
  inventory: Inventory
  /** Reports handled (stored or rejected) so far, and the batches they came in. */
  handled(): Promise<{ reports: number; batches: number }>
  /** VersionConflictErrors the Inventory threw so far (each one makes the core re-read and retry). */
  conflicts(): number
  close(): Promise<void>
}

export async function startBenchManager(connection: Inventory, bus: 'embedded' | 'mqtt'): Promise<BenchManager> {
  const log = silentLogger()
  let conflicts = 0
  const inventory = new Proxy(connection, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target)
      if (typeof value !== 'function') return value
      return (...args: unknown[]): unknown => {
        const result: unknown = (value as (...params: unknown[]) => unknown).apply(target, args)
        if (!(result instanceof Promise)) return result
        return result.catch((err: unknown) => {
          if (err instanceof VersionConflictError) conflicts++
          throw err
        })
      }
    },
  })
  const broker = await startBenchBroker()
  const metrics = createManagerMetrics(inventory)
  const managerBus =
    bus === 'mqtt'
      ? createManagerBus({ url: broker.url, username: 'bench-manager', password: broker.password, log })
      : createEmbeddedBus(broker.broker.aedes, { log })
  const core = createManagerCore({ inventory, outbound: managerBus, log, metrics })
  await new Promise<void>((resolve) => attachCore(managerBus, core, { log, metrics, afterSweep: resolve }))
  const histogram = async (suffix: 'sum' | 'count'): Promise<number> =>
    (await metrics.ingestBatchSize.get()).values.find((v) => v.metricName === `amt_manager_ingest_batch_size_${suffix}`)
      ?.value ?? 0
  return {
    broker,
    core,
    inventory,
    handled: async () => ({ reports: await histogram('sum'), batches: await histogram('count') }),
    conflicts: () => conflicts,
    async close() {
      await managerBus.close()
      await core.stop()
      await broker.broker.close()
      await inventory.close()
    },
  }
}
