import type { Logger } from '../../../lib/log.ts'
import { buildTopic, encodePayload, LEAF_RULES } from '../../../schemas/index.ts'
import { Desired } from '../../../schemas/messages/desired.ts'
import type { Outbound, PublishOptions } from '../../ports/outbound.ts'
import { hostId } from '../host-book.ts'
import type { Host, HostKey } from '../../inventory/port.ts'
import type { ManagerMetrics } from '../../metrics/metrics.ts'
import { TENANT_PROFILES, type ActivationProfiles } from './activation-profile.ts'
import { desiredOf, hasDesired, type DesiredOptions } from './desired-payload.ts'

/** The contract's retain flag and QoS of `desired` (LEAF_RULES). */
const DESIRED: PublishOptions = { qos: LEAF_RULES.desired.qos, retain: LEAF_RULES.desired.retained }
const NOT_NAMED = 'desired not published: the tenant password policy could not be read (the next sweep publishes it)'

export interface DesiredPublisherOptions extends DesiredOptions {
  /** Which profile each host activates with; default: the tenant's EMF profiles (RPS not managed). */
  profiles?: ActivationProfiles
  now?: () => Date
  metrics?: ManagerMetrics
  log?: Logger
}

/**
 * Publishes `desired` (retained, QoS 1). Generations never go backwards on the wire: a sweep that read a host
 * before a concurrent desired write must not republish the older generation after the newer one. The check
 * and the (synchronous, ordered) publish happen in the same tick, so whichever runs first is sent first.
 *
 * The profile name comes from memory (activation-profile.ts). The write path reads a tenant this process has not
 * seen before the desired write, so a write's desired goes out right after its commit. Should a host of such a tenant
 * reach the publisher any other way (a sweep whose tenant read failed), its desired waits for that tenant's read and
 * is published then — unless a newer generation went out meanwhile or the host was forgotten (deleted); one waits per
 * host, the newest.
 */
export class DesiredPublisher {
  readonly #outbound: Outbound
  readonly #options: DesiredOptions
  readonly #profiles: ActivationProfiles
  readonly #now: () => Date
  readonly #metrics: ManagerMetrics | undefined
  readonly #log: Logger | undefined
  /** Per host: the last generation sent, and which incarnation of the host (a re-created host starts over). */
  readonly #sent = new Map<string, { createdAt: string; generation: number }>()
  /** Per host: the newest desired waiting for its tenant's password policy. */
  readonly #waiting = new Map<string, Host>()

  /** Throws a TypeError for an rpsUrl the desired schema refuses (a configuration error: fail at start). */
  constructor(outbound: Outbound, options: DesiredPublisherOptions = {}) {
    if (options.rpsUrl !== undefined && !Desired.shape.rpsUrl.safeParse(options.rpsUrl).success) {
      throw new TypeError('rps.url must be a ws:// or wss:// URL (at most 512 characters)')
    }
    this.#outbound = outbound
    this.#log = options.log
    this.#options = options.rpsUrl === undefined ? {} : { rpsUrl: options.rpsUrl }
    this.#profiles = options.profiles ?? TENANT_PROFILES
    this.#now = options.now ?? (() => new Date())
    this.#metrics = options.metrics
  }

  /**
   * Returns whether it published now (false: nothing desired yet, a newer generation went out already, or it
   * waits for its tenant's password policy).
   */
  publish(host: Host): boolean {
    if (!this.#newest(host)) return false
    const profileName = this.#profiles.nameOf(host)
    if (profileName === null) {
      this.#waitForTenant(host)
      return false
    }
    const desired = desiredOf(host, { ...this.#options, profileName }, this.#now())
    if (desired === null) return false
    try {
      const topic = buildTopic({ tenantId: host.tenantId, hostId: host.hostId, leaf: 'desired' })
      this.#outbound.publish(topic, encodePayload('desired', desired), DESIRED)
    } catch (err) {
      this.#log?.error(
        { err, tenantId: host.tenantId, hostId: host.hostId },
        'desired not published: it does not match the Desired schema',
      )
      return false
    }
    this.#sent.set(hostId(host), { createdAt: host.createdAt, generation: host.desiredGeneration })
    this.#metrics?.published.inc({ leaf: 'desired' })
    return true
  }

  forget(key: HostKey): void {
    this.#sent.delete(hostId(key))
    this.#waiting.delete(hostId(key))
  }

  /** True when the host has a desired and no newer generation of the same incarnation was sent. */
  #newest(host: Host): boolean {
    const sent = this.#sent.get(hostId(host))
    const older = sent !== undefined && sent.createdAt === host.createdAt && host.desiredGeneration < sent.generation
    return !older && hasDesired(host)
  }

  #waitForTenant(host: Host): void {
    const id = hostId(host)
    const waiting = this.#waiting.get(id)
    const sameIncarnation = waiting !== undefined && waiting.createdAt === host.createdAt
    if (sameIncarnation && waiting.desiredGeneration >= host.desiredGeneration) return
    this.#waiting.set(id, host)
    const stillWaiting = (): boolean => {
      if (this.#waiting.get(id) !== host) return false
      this.#waiting.delete(id)
      return true
    }
    this.#profiles.readMissing([host.tenantId]).then(
      () => {
        if (stillWaiting() && this.#profiles.nameOf(host) !== null) this.publish(host)
      },
      (err: unknown) => {
        if (!stillWaiting()) return
        const fields = { err, tenantId: host.tenantId, hostId: host.hostId, generation: host.desiredGeneration }
        this.#log?.error(fields, NOT_NAMED)
      },
    )
  }
}
