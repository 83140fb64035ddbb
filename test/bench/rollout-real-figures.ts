/**
 * What the real-clock rollout benchmark (rollout-real.ts) reads and works out: the members as the manager stored
 * them, the rate of their starts, and when the agents' reports crossed the abort threshold.
 */
import type { Fleet } from '../../agent/simulate/index.ts'
import type { ManagerProcess } from './fleet-manager.ts'

/** The fields of the API's rollout view read here. */
export interface RolloutBody {
  rolloutId: string
  state: string
  reason: string | null
  finishedAt: string | null
  progress: { targeted: number } & Record<string, unknown>
}

export interface MemberBody {
  position: number
  status: string
  startedAt: string | null
}

/** Every member of a rollout (`path`: …/rollouts/{id}), in pages of 10 000. */
export async function listMembers(manager: Pick<ManagerProcess, 'api'>, path: string): Promise<MemberBody[]> {
  const members: MemberBody[] = []
  for (;;) {
    const page = await manager.api<{ hosts: MemberBody[] }>(
      'GET',
      `${path}/hosts?limit=10000&after=${members.at(-1)?.position ?? -1}`,
    )
    if (page.status !== 200) throw new Error(`members: HTTP ${page.status}`)
    members.push(...page.json.hosts)
    if (page.json.hosts.length < 10_000) return members
  }
}

export interface RateFigures {
  starts: number
  spanMinutes: number
  /** (starts − 1) / span: the intervals between the first and the last start. */
  perMinute: number
  deviationPercent: number
  /** Starts in each full minute from the first start. */
  fullMinutes: number[]
}

/** The rate of the members' stored start times against `rate`; undefined with fewer than two starts. */
export function rateFigures(members: readonly MemberBody[], rate: number): RateFigures | undefined {
  const starts = members
    .map((member) => (member.startedAt === null ? Number.NaN : Date.parse(member.startedAt)))
    .filter((at) => !Number.isNaN(at))
    .sort((a, b) => a - b)
  const first = starts[0]
  const last = starts.at(-1)
  if (first === undefined || last === undefined || starts.length < 2 || last === first) return undefined
  const spanMinutes = (last - first) / 60_000
  const perMinute = (starts.length - 1) / spanMinutes
  const fullMinutes = Array.from({ length: Math.floor(spanMinutes) }, () => 0)
  for (const at of starts) {
    const minute = Math.floor((at - first) / 60_000)
    if (minute < fullMinutes.length) fullMinutes[minute] = (fullMinutes[minute] ?? 0) + 1
  }
  return {
    starts: starts.length,
    spanMinutes,
    perMinute,
    deviationPercent: ((perMinute - rate) / rate) * 100,
    fullMinutes,
  }
}

/**
 * The agents' outcomes as they change (this process runs them): the first moment the abort rule held over them —
 * at least `minFinished` PROVISIONED or FAILED, more than `failurePercent` % of those FAILED.
 */
export class FailureWatch {
  readonly #phases = new Map<string, string>()
  failed = 0
  succeeded = 0
  crossedAt: { at: number; failed: number; finished: number } | null = null

  constructor(fleets: readonly Fleet[], rule?: { failurePercent: number; minFinished: number }) {
    for (const fleet of fleets)
      fleet.onChange((host) => {
        const before = this.#phases.get(host.hostId)
        if (before === host.phase) return
        this.#phases.set(host.hostId, host.phase)
        this.#count(before, -1)
        this.#count(host.phase, 1)
        const finished = this.failed + this.succeeded
        if (
          rule !== undefined &&
          this.crossedAt === null &&
          finished >= rule.minFinished &&
          (this.failed / finished) * 100 > rule.failurePercent
        )
          this.crossedAt = { at: Date.now(), failed: this.failed, finished }
      })
  }

  #count(phase: string | undefined, by: number): void {
    if (phase === 'FAILED') this.failed += by
    else if (phase === 'PROVISIONED') this.succeeded += by
  }
}
