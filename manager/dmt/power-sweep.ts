import type { Host, Inventory } from '../inventory/port.ts'
import { amtGuidOf } from './device-registration.ts'
import { mapLimit } from './ensure-object.ts'
import type { PowerDeps } from './power-deps.ts'
import { storeReading } from './power-state.ts'
import { OTHER_TENANT } from './ports.ts'

/**
 * The power-state refresh: every `intervalMs`, the PROVISIONED hosts are read from MPS, `concurrency` at a time.
 * Only a device MPS holds for us and reports connected over CIRA is read (`GET /devices/{guid}` first): an
 * unregistered or disconnected one keeps its last reading, whose age the view shows. Runs never overlap: the next
 * starts `intervalMs` after the previous ended. The agent's MQTT link does not matter (AMT answers while the OS hangs).
 */

export interface PowerSweepOptions {
  intervalMs: number
  concurrency: number
}

export interface SweepResult {
  read: number
  notRegistered: number
  notConnected: number
  failed: number
}

export interface PowerSweep {
  /** One sweep now (also while started: it waits for a running one first). */
  runOnce(): Promise<SweepResult>
  /** Sweeps every intervalMs from now on (the first after intervalMs). */
  start(): void
  /** No more sweeps; resolves when the running one has ended. */
  stop(): Promise<void>
}

export interface PowerSweepDeps {
  power: PowerDeps
  inventory: Pick<Inventory, 'listHosts'>
  options: PowerSweepOptions
  /** Called after every scheduled sweep (tests wait on it). */
  onSweep?: (result: SweepResult) => void
}

const PAGE = 500

export function createPowerSweep({ power, inventory, options, onSweep }: PowerSweepDeps): PowerSweep {
  const log = power.log
  let running: Promise<SweepResult> | null = null
  let timer: NodeJS.Timeout | null = null
  let stopped = true

  const sweepHost = async (host: Host, result: SweepResult): Promise<void> => {
    try {
      const device = await power.mps.getDevice(amtGuidOf(host))
      if (device === null || device === OTHER_TENANT) result.notRegistered += 1
      else if (!device.connectionStatus) result.notConnected += 1
      else {
        await storeReading(power, host)
        result.read += 1
      }
    } catch (err) {
      result.failed += 1
      log.debug({ tenantId: host.tenantId, hostId: host.hostId, reason: err instanceof Error ? err.message : String(err) }, 'power state not read')
    }
  }

  const sweep = async (): Promise<SweepResult> => {
    const result: SweepResult = { read: 0, notRegistered: 0, notConnected: 0, failed: 0 }
    let cursor: string | undefined
    do {
      const page = await inventory.listHosts({ currentState: 'PROVISIONED', limit: PAGE, ...(cursor === undefined ? {} : { cursor }) })
      await mapLimit(page.hosts, options.concurrency, (host) => sweepHost(host, result))
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
    if (result.failed > 0) log.warn({ ...result }, 'power sweep: some power states could not be read from MPS')
    else log.debug({ ...result }, 'power sweep done')
    return result
  }

  const runOnce = async (): Promise<SweepResult> => {
    while (running !== null) await running.catch(() => undefined)
    running = sweep()
    try {
      return await running
    } finally {
      running = null
    }
  }

  const schedule = (): void => {
    if (stopped) return
    timer = setTimeout(() => {
      timer = null
      runOnce().then(
        (result) => onSweep?.(result),
        (err: unknown) => log.warn({ err }, 'power sweep failed'),
      ).finally(schedule)
    }, options.intervalMs)
    timer.unref()
  }

  return {
    runOnce,
    start() {
      if (!stopped || options.intervalMs <= 0) return
      stopped = false
      schedule()
    },
    async stop() {
      stopped = true
      if (timer !== null) clearTimeout(timer)
      timer = null
      await running?.catch(() => undefined)
    },
  }
}
