import { randomUUID } from 'node:crypto'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { z } from 'zod'
import type { Logger } from '../../lib/log.ts'

/** Mosquitto's dynamic-security control API (mosquitto.org/documentation/dynamic-security): not our topic tree. */
export const DYNSEC_CONTROL_TOPIC = '$CONTROL/dynamic-security/v1'
export const DYNSEC_RESPONSE_TOPIC = `${DYNSEC_CONTROL_TOPIC}/response`

export type DynsecCommand = { command: string } & Record<string, unknown>

const DynsecResponses = z.object({
  responses: z.array(
    z.looseObject({
      command: z.string(),
      error: z.string().optional(),
      correlationData: z.string().optional(),
      data: z.unknown().optional(),
    }),
  ),
})
export type DynsecResponse = z.infer<typeof DynsecResponses>['responses'][number]

export interface DynsecControlOptions {
  url: string
  username: string
  password?: string
  /** The control connection's own client id (never the manager bus's: both are connected at once). */
  clientId: string
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer }
  /** A request without an answer within this time rejects (default 10 s). */
  timeoutMs?: number
  reconnectPeriodMs?: number
  log: Logger
}

interface Pending {
  commands: DynsecCommand[]
  resolve: (responses: DynsecResponse[]) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

/**
 * One MQTT connection to Mosquitto's `$CONTROL/dynamic-security/v1`: `request(commands)` sends one batch and
 * resolves with its responses in order (matched by correlationData). A request is (re)sent on every connect until
 * answered or timed out, so every batch sent through here must be idempotent. Dynsec kicks a client whose own
 * roles change; the connection then comes back by itself and re-sends what was not answered.
 */
export class DynsecControl {
  readonly #client: MqttClient
  readonly #pending = new Map<string, Pending>()
  readonly #timeoutMs: number
  readonly #log: Logger
  #ready = false

  constructor(options: DynsecControlOptions) {
    this.#timeoutMs = options.timeoutMs ?? 10_000
    this.#log = options.log
    const connectOptions: IClientOptions = {
      clientId: options.clientId,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: options.reconnectPeriodMs ?? 1000,
      connectTimeout: 10_000,
      resubscribe: false,
      username: options.username,
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.tls ?? {}),
    }
    this.#client = mqtt.connect(options.url, connectOptions)
    this.#client.on('connect', () => void this.#onConnect())
    this.#client.on('close', () => (this.#ready = false))
    this.#client.on('message', (topic, payload) => this.#onMessage(topic, payload))
    this.#client.on('error', (err) =>
      this.#log.warn({ err: { message: err.message } }, 'dynsec control connection error'),
    )
  }

  request(commands: readonly DynsecCommand[]): Promise<DynsecResponse[]> {
    const id = randomUUID()
    const tagged = commands.map((command, index) => ({ ...command, correlationData: `${id}:${index}` }))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new Error(`no answer from the dynamic-security plugin within ${this.#timeoutMs} ms`))
      }, this.#timeoutMs)
      this.#pending.set(id, { commands: tagged, resolve, reject, timer })
      if (this.#ready) this.#send(tagged)
    })
  }

  async close(): Promise<void> {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer)
      pending.reject(new Error('the dynsec control connection is closed'))
      this.#pending.delete(id)
    }
    await this.#client.endAsync(true)
  }

  async #onConnect(): Promise<void> {
    try {
      await this.#client.subscribeAsync(DYNSEC_RESPONSE_TOPIC, { qos: 1 })
    } catch (err) {
      this.#log.warn({ err }, 'dynsec response subscription failed; waiting for the next connect')
      return
    }
    this.#ready = true
    for (const pending of this.#pending.values()) this.#send(pending.commands)
  }

  #send(commands: DynsecCommand[]): void {
    this.#client.publish(DYNSEC_CONTROL_TOPIC, JSON.stringify({ commands }), { qos: 1 }, (err) => {
      if (err) this.#log.warn({ err: { message: err.message } }, 'dynsec request not sent; re-sent on the next connect')
    })
  }

  #onMessage(topic: string, payload: Buffer): void {
    if (topic !== DYNSEC_RESPONSE_TOPIC) return
    let parsed: z.infer<typeof DynsecResponses>
    try {
      parsed = DynsecResponses.parse(JSON.parse(payload.toString('utf8')))
    } catch {
      this.#log.warn('unreadable dynamic-security response ignored')
      return
    }
    const id = parsed.responses[0]?.correlationData?.split(':')[0]
    const pending = id === undefined ? undefined : this.#pending.get(id)
    if (id === undefined || pending === undefined) return
    this.#pending.delete(id)
    clearTimeout(pending.timer)
    pending.resolve(parsed.responses)
  }
}
