import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { createDispatcher, type Dispatch } from '../../../manager/bus/dispatch.ts'
import { createManagerCore, type ManagerCore } from '../../../manager/core/manager-core.ts'
import type { Inventory } from '../../../manager/inventory/port.ts'
import { openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics, type ManagerMetrics } from '../../../manager/metrics/metrics.ts'
import type { Outbound } from '../../../manager/ports/outbound.ts'
import { RecordingOutbound } from '../../helpers/manager-core.ts'

/** One manager replica: its own Inventory connection to the shared file, its own core (HostBook, write queue). */
export interface Replica {
  core: ManagerCore
  inventory: Inventory
  metrics: ManagerMetrics
  dispatch: Dispatch
}

/** A directory for the shared SQLite file, removed in t.teardown (after the connections, registered later). */
export async function sharedDataDir(t: ExecutionContext): Promise<string> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'amt-replicas-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  return dataDir
}

/** A replica on the SQLite file in dataDir (a real shared Inventory: two connections on one file). */
export async function startReplica(
  t: ExecutionContext,
  dataDir: string,
  outbound: Outbound = new RecordingOutbound(),
): Promise<Replica> {
  const inventory = await openSqliteInventory({ dataDir })
  const metrics = createManagerMetrics(inventory)
  const log = silentLogger()
  const core = createManagerCore({ inventory, outbound, log, metrics })
  t.teardown(async () => {
    await core.stop()
    await inventory.close()
  })
  return { core, inventory, metrics, dispatch: createDispatcher({ record: core.record, log, metrics }) }
}
