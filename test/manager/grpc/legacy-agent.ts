import { status as Status } from '@grpc/grpc-js'
import { EVENT_WAIT_MS } from './bounded.ts'
import type { CallResult, DmClient } from './harness.ts'

interface ActivationDetails {
  host_id: string
  operation: 'ACTIVATE' | 'DEACTIVATE'
  profile_name: string
  action_password: string
}

export type AgentStep =
  | { kind: 'reported-amt-status'; code: Status }
  | { kind: 'polled'; code: Status; details?: ActivationDetails }
  | { kind: 'activated'; profile: string }
  | { kind: 'reported-result'; status: string; code: Status }

/**
 * Plays EMF's Go agent (PMA) against the bridge, unchanged behaviour: report AMT ENABLED with its feature once
 * (FAILED_PRECONDITION = already so), then poll RetrieveActivationDetails every `pollMs` (10 s upstream);
 * on ACTIVATE "run rpc activate" with the profile and password (simulated: at once) and report ACTIVATING,
 * then ACTIVATED; FAILED_PRECONDITION means nothing to do; DEACTIVATE is logged and ignored; anything else is
 * retried at the next poll.
 */
export class LegacyAgent {
  readonly steps: AgentStep[] = []
  readonly #client: DmClient
  readonly #hostId: string
  readonly #metadata: () => Promise<Record<string, string>>
  readonly #pollMs: number
  #timer: NodeJS.Timeout | undefined
  #stopped = false
  #watchers = new Set<() => void>()

  constructor(
    client: DmClient,
    hostId: string,
    metadata: () => Promise<Record<string, string>>,
    { pollMs = 10_000 }: { pollMs?: number } = {},
  ) {
    this.#client = client
    this.#hostId = hostId
    this.#metadata = metadata
    this.#pollMs = pollMs
  }

  async start(feature: 'AMT' | 'ISM' = 'AMT'): Promise<void> {
    const result = await this.#call('ReportAMTStatus', { host_id: this.#hostId, status: 'ENABLED', feature })
    this.#record({ kind: 'reported-amt-status', code: result.code })
    this.#schedule()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }

  /** Resolves with the first step (already taken or to come) that matches; rejects after timeoutMs. */
  waitFor(predicate: (step: AgentStep) => boolean, what: string, timeoutMs = EVENT_WAIT_MS): Promise<AgentStep> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.steps.find(predicate)
        if (found === undefined) return false
        clearTimeout(timer)
        this.#watchers.delete(wake)
        resolve(found)
        return true
      }
      const wake = (): void => void check()
      const timer = setTimeout(() => {
        this.#watchers.delete(wake)
        reject(
          new Error(`legacy agent: no ${what} within ${timeoutMs} ms; steps: ${JSON.stringify(this.steps.slice(-5))}`),
        )
      }, timeoutMs)
      if (!check()) this.#watchers.add(wake)
    })
  }

  #schedule(): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      this.#poll().then(
        () => this.#schedule(),
        () => this.#schedule(),
      )
    }, this.#pollMs)
  }

  async #poll(): Promise<void> {
    const result = await this.#call<ActivationDetails>('RetrieveActivationDetails', { host_id: this.#hostId })
    this.#record({ kind: 'polled', code: result.code, ...(result.response ? { details: result.response } : {}) })
    if (result.code !== Status.OK || result.response?.operation !== 'ACTIVATE') return
    const { profile_name: profile } = result.response
    await this.#report('ACTIVATING')
    this.#record({ kind: 'activated', profile })
    await this.#report('ACTIVATED')
  }

  async #report(activationStatus: 'ACTIVATING' | 'ACTIVATED'): Promise<void> {
    const result = await this.#call('ReportActivationResults', {
      host_id: this.#hostId,
      activation_status: activationStatus,
      message: '',
    })
    this.#record({ kind: 'reported-result', status: activationStatus, code: result.code })
  }

  async #call<T = Record<string, unknown>>(
    rpc: Parameters<DmClient['call']>[0],
    request: object,
  ): Promise<CallResult<T>> {
    return this.#client.call<T>(rpc, request, await this.#metadata())
  }

  #record(step: AgentStep): void {
    if (this.#stopped) return
    this.steps.push(step)
    for (const wake of this.#watchers) wake()
  }
}
