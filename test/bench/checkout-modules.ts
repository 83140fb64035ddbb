/**
 * The manager's modules as a "versions" benchmark drives them (ingest-versions.ts, wave-versions.ts): imported from
 * the checkout at `dir` (a git worktree with node_modules), typed as this checkout's — the versions compared share
 * these interfaces.
 */
import path from 'node:path'
import type * as LogModule from '../../lib/log.ts'
import type * as DispatchModule from '../../manager/bus/dispatch.ts'
import type * as CoreModule from '../../manager/core/manager-core.ts'
import type * as SqliteModule from '../../manager/inventory/sqlite/open.ts'
import type * as MetricsModule from '../../manager/metrics/metrics.ts'

/** The module at `file` (relative to the checkout's root) of the checkout at `dir`. */
export const loadFrom = <T>(dir: string, file: string): Promise<T> => import(path.resolve(dir, file)) as Promise<T>

export async function managerModulesOf(dir: string): Promise<{
  silentLogger: typeof LogModule.silentLogger
  core: typeof CoreModule
  bus: typeof DispatchModule
  sqlite: typeof SqliteModule
  metricsModule: typeof MetricsModule
}> {
  const [log, core, bus, sqlite, metricsModule] = await Promise.all([
    loadFrom<typeof LogModule>(dir, 'lib/log.ts'),
    loadFrom<typeof CoreModule>(dir, 'manager/core/manager-core.ts'),
    loadFrom<typeof DispatchModule>(dir, 'manager/bus/dispatch.ts'),
    loadFrom<typeof SqliteModule>(dir, 'manager/inventory/sqlite/open.ts'),
    loadFrom<typeof MetricsModule>(dir, 'manager/metrics/metrics.ts'),
  ])
  return { silentLogger: log.silentLogger, core, bus, sqlite, metricsModule }
}
