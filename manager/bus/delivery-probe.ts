import { randomBytes } from 'node:crypto'
import type { Logger } from '../../lib/log.ts'
import { isValidId } from '../../schemas/ids.ts'
import {
  PROBE_LEAVES,
  buildProbeTopic,
  decodeProbe,
  encodeProbe,
  parseProbeTopic,
  probeTopicPrefix,
} from '../../schemas/probe.ts'
import { allHostsFilter, type Leaf } from '../../schemas/topics.ts'

/** Whether the bus delivers: `detail` says why not, and what to fix. */
export type BusHealth = { ok: true } | { ok: false; detail: string }

export interface DeliveryProbeOptions {
  /** The bus instance's id in the probe topic; the client id when it is a valid id segment, else random. */
  instanceId?: string
  /** A probe round after every (re)connect and then every intervalMs; default 30 s. */
  intervalMs?: number
  /** A round not back within timeoutMs means "not delivering"; default 10 s. */
  timeoutMs?: number
  /** Publishes one probe (non-retained, QoS 1), past the Outbox: a long queue must not delay it. */
  send: (topic: string, payload: Buffer) => void
  log: Logger
}

type LeafVerdict = 'pending' | 'delivered' | 'lost'

/**
 * The delivery probe (schemas/probe.ts): after every (re)connect + subscribe (`connected`) and then periodically,
 * one round = one nonce published to `amt/v1/_probe/<instance>/<leaf>` for each subscribed agent leaf. A leaf
 * delivers when its latest probe came back; a round not back within the timeout marks its missing leaves lost,
 * logged once as an error (again only after they recovered). SUBACK refusals (0x80) count as not delivering too.
 * Probes are taken out of the message stream (`intercept`) before the ingest decoder sees them.
 */
export class DeliveryProbe {
  readonly instanceId: string
  readonly #options: DeliveryProbeOptions
  readonly #intervalMs: number
  readonly #timeoutMs: number
  readonly #verdicts = new Map<Leaf, LeafVerdict>()
  /** Nonces of rounds not yet timed out → their timer; the nonce's round index orders them. */
  readonly #rounds = new Map<string, { index: number; timer: NodeJS.Timeout }>()
  readonly #deliveredIndex = new Map<Leaf, number>()
  #refused: readonly string[] = []
  #interval: NodeJS.Timeout | null = null
  #round = 0
  /** An error was logged for lost probes and not yet followed by "deliver again": one error per episode. */
  #lostReported = false
  #reportedRefused = ''

  constructor(options: DeliveryProbeOptions) {
    this.#options = options
    this.#intervalMs = options.intervalMs ?? 30_000
    this.#timeoutMs = options.timeoutMs ?? 10_000
    const own = options.instanceId
    this.instanceId = own !== undefined && isValidId(own) ? own : `manager-${randomBytes(6).toString('hex')}`
    this.#reset()
  }

  /** Subscribed after a (re)connect: `refused` are the filters the broker answered 0x80. Starts probing. */
  connected(refused: readonly string[]): void {
    this.stop()
    this.#reset()
    this.#refused = refused
    const key = refused.join(' ')
    if (refused.length > 0 && key !== this.#reportedRefused) {
      this.#options.log.error(
        { refused },
        'the broker refused subscriptions (SUBACK 0x80): this account must be allowed to subscribe to ' +
          'amt/v1/+/+/<leaf>; until then the manager receives no device telemetry',
      )
    }
    this.#reportedRefused = key
    this.#sendRound()
    this.#interval = setInterval(() => this.#sendRound(), this.#intervalMs)
    this.#interval.unref()
  }

  /** Disconnected or closing: no more probes until `connected`; the verdicts start over then. */
  stop(): void {
    if (this.#interval) clearInterval(this.#interval)
    this.#interval = null
    for (const { timer } of this.#rounds.values()) clearTimeout(timer)
    this.#rounds.clear()
  }

  /** True when the message is a probe (ours or another manager's): it must not reach the ingest. */
  intercept(topic: string, payload: Buffer): boolean {
    const address = parseProbeTopic(topic)
    if (address === null) return false
    if (address.instanceId !== this.instanceId) return true
    const nonce = decodeProbe(payload)
    const round = nonce === null ? undefined : this.#rounds.get(nonce)
    if (round === undefined) return true
    const previous = this.#deliveredIndex.get(address.leaf) ?? -1
    if (round.index < previous) return true
    this.#deliveredIndex.set(address.leaf, round.index)
    this.#verdicts.set(address.leaf, 'delivered')
    if (this.#lostReported && [...this.#verdicts.values()].every((verdict) => verdict === 'delivered')) {
      this.#options.log.info({ probe: topic }, 'subscriptions deliver again (delivery probe back)')
      this.#lostReported = false
    }
    return true
  }

  health(): BusHealth {
    if (this.#refused.length > 0) {
      return { ok: false, detail: `the broker refused the subscriptions ${this.#refused.join(', ')} (SUBACK 0x80)` }
    }
    const lost = this.#lostLeaves()
    if (lost.length > 0) return { ok: false, detail: this.#lostDetail(lost) }
    const pending = [...this.#verdicts.values()].some((verdict) => verdict === 'pending')
    const waiting = `waiting for the delivery probe on ${probeTopicPrefix(this.instanceId)}<leaf>`
    if (pending) return { ok: false, detail: waiting }
    return { ok: true }
  }

  #reset(): void {
    for (const leaf of PROBE_LEAVES) this.#verdicts.set(leaf, 'pending')
    this.#deliveredIndex.clear()
    this.#refused = []
  }

  #sendRound(): void {
    const index = this.#round++
    const nonce = `${randomBytes(12).toString('hex')}-${index}`
    const timer = setTimeout(() => this.#expire(nonce, index), this.#timeoutMs)
    timer.unref()
    this.#rounds.set(nonce, { index, timer })
    const payload = encodeProbe(nonce)
    for (const leaf of PROBE_LEAVES) this.#options.send(buildProbeTopic({ instanceId: this.instanceId, leaf }), payload)
  }

  #expire(nonce: string, index: number): void {
    this.#rounds.delete(nonce)
    for (const leaf of PROBE_LEAVES) {
      if ((this.#deliveredIndex.get(leaf) ?? -1) < index) this.#verdicts.set(leaf, 'lost')
    }
    const lost = this.#lostLeaves()
    if (lost.length === 0 || this.#lostReported) return
    this.#lostReported = true
    const filters = lost.map((leaf) => allHostsFilter(leaf))
    const probe = probeTopicPrefix(this.instanceId)
    this.#options.log.error(
      { probe, leaves: lost, filters, timeoutMs: this.#timeoutMs },
      `${this.#lostDetail(lost)}. Fix: in the broker's ACL allow this account to read ${filters.join(', ')} ` +
        `(amt/v1/# covers them) and to write ${probe}#; until then the manager receives no device telemetry`,
    )
  }

  #lostLeaves(): Leaf[] {
    return PROBE_LEAVES.filter((leaf) => this.#verdicts.get(leaf) === 'lost')
  }

  #lostDetail(lost: readonly Leaf[]): string {
    const topics = lost.map((leaf) => buildProbeTopic({ instanceId: this.instanceId, leaf })).join(', ')
    const filters = lost.map((leaf) => allHostsFilter(leaf)).join(', ')
    const seconds = Math.round(this.#timeoutMs / 100) / 10
    return (
      `subscriptions deliver nothing: probe on ${topics} not delivered within ${seconds} s; the broker accepted ` +
      `the subscription but its ACL may deny this account read access to ${filters}`
    )
  }
}
