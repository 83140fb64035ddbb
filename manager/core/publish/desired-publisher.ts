import type { Logger } from '../../../lib/log.ts'
import { Desired } from '../../../schemas/messages/desired.ts'
import { publishLeaf, type Outbound } from '../../ports/outbound.ts'
import { hostId } from '../host-book.ts'
import type { Host, HostKey } from '../../inventory/port.ts'
import type { ManagerMetrics } from '../../metrics/metrics.ts'
import { TENANT_PROFILES, type ActivationProfiles } from './activation-profile.ts'
import { desiredOf, hasDesired, type DesiredOptions } from './desired-payload.ts'

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
 * The profile name needs the tenant's password policy: callers `load` the hosts' tenants before publishing.
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

  /** Makes the profile names of these hosts known (their tenants' password policies). Rejects when Inventory fails. */
  load(hosts: Iterable<Pick<Host, 'tenantId'>>): Promise<void> {
    return this.#profiles.load([...hosts].map((host) => host.tenantId))
  }

  /** Returns whether it published (false: nothing desired yet, a newer generation went out already, or unnamed). */
  publish(host: Host): boolean {
    const id = hostId(host)
    const sent = this.#sent.get(id)
    if (sent !== undefined && sent.createdAt === host.createdAt && host.desiredGeneration < sent.generation) return false
    if (!hasDesired(host)) return false
    const profileName = this.#profiles.nameOf(host)
    if (profileName === null) {
      this.#log?.error({ tenantId: host.tenantId, hostId: host.hostId, generation: host.desiredGeneration }, 'desired not published: the tenant password policy was not loaded (a bug; the next sweep publishes it)')
      return false
    }
    const desired = desiredOf(host, { ...this.#options, profileName }, this.#now())
    if (desired === null) return false
    try {
      publishLeaf(this.#outbound, host, 'desired', desired)
    } catch (err) {
      this.#log?.error({ err, tenantId: host.tenantId, hostId: host.hostId }, 'desired not published: it does not match the Desired schema')
      return false
    }
    this.#sent.set(id, { createdAt: host.createdAt, generation: host.desiredGeneration })
    this.#metrics?.published.inc({ leaf: 'desired' })
    return true
  }

  forget(key: HostKey): void {
    this.#sent.delete(hostId(key))
  }
}
