import type { AcmCertificates } from '../acm-certificates.ts'
import type { Logger } from '../../../lib/log.ts'
import type { Host, HostKey, HostSelector, Inventory } from '../../inventory/port.ts'
import { differsFromTarget, effectivePolicy } from '../effective-policy.ts'
import { hostCondition } from '../host-condition.ts'
import type { DesiredRequest } from './set-desired.ts'

export interface PolicyReevaluationDeps {
  inventory: Pick<Inventory, 'listGroups'>
  /** The host as stored now (a fresh read). */
  fresh: (key: HostKey) => Promise<Host | null>
  /** The one set-desired flow (a new generation, audited, published). */
  setDesired: (selector: HostSelector, request: DesiredRequest, actor: string) => Promise<Host[]>
  certificates: AcmCertificates
  now: () => Date
  log: Logger
}

/** What a re-evaluation did (for the log and tests). */
export type ReevaluationOutcome =
  'set' | 'retried' | 'in-sync' | 'no-target' | 'in-flight' | 'deleting' | 'gone' | 'failed'

/**
 * Re-evaluation of a host's AMT policy when its agent reports new policy facts (first report, or a change:
 * reducers/capability.ts): when the effective policy asks for a desired state (or control mode) other than the
 * host's, the desired is set through the set-desired flow, as actor `policy:<source>`. Not while an operation of
 * the host is in flight (ACTIVATING / DEACTIVATING), never for a host pending deletion. A host whose activation
 * FAILED (its desired already what the policy asks) is tried again here only because its facts changed: the same
 * facts never trigger this (no loops); an operator asks again with a request. Runs after the report's commit,
 * outside the write queue; `idle()` waits for the running ones.
 */
export class PolicyReevaluation {
  readonly #deps: PolicyReevaluationDeps
  readonly #running = new Set<Promise<unknown>>()
  readonly #log: Logger

  constructor(deps: PolicyReevaluationDeps) {
    this.#deps = deps
    this.#log = deps.log.child({ module: 'policy' })
  }

  trigger(key: HostKey): void {
    const run = this.reevaluate(key).finally(() => this.#running.delete(run))
    this.#running.add(run)
  }

  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running])
  }

  async reevaluate(key: HostKey): Promise<ReevaluationOutcome> {
    try {
      const outcome = await this.#decide(key)
      this.#log.debug({ ...key, outcome }, 'policy re-evaluated')
      return outcome
    } catch (err) {
      this.#log.warn({ err, ...key }, 'policy re-evaluation failed; the host stays in the drift list')
      return 'failed'
    }
  }

  async #decide(key: HostKey): Promise<ReevaluationOutcome> {
    const { fresh, inventory, certificates, now, setDesired } = this.#deps
    const host = await fresh(key)
    if (host === null) return 'gone'
    const condition = hostCondition(host)
    if (condition === 'PENDING_DELETION') return 'deleting'
    if (condition === 'ACTIVATING' || condition === 'DEACTIVATING') return 'in-flight'
    const groups = await inventory.listGroups(key.tenantId)
    const { source, target } = effectivePolicy(host, groups, await certificates(key.tenantId), now())
    if (target === null) return 'no-target'
    const differs = differsFromTarget(host, target)
    if (!differs && condition !== 'FAILED') return 'in-sync'
    await setDesired({ keys: [key] }, target, `policy:${source}`)
    return differs ? 'set' : 'retried'
  }
}
