import type { ExecutionContext } from 'ava'
import mqtt, { type MqttClient } from 'mqtt'
import { buildTopic, decodeMessage, encodePayload, type Leaf, type PayloadOf } from '../../schemas/index.ts'
import { testClientId } from './client-ids.ts'

/** Raw bytes too: tests of malformed input publish what the schemas would never encode. */
export interface TestManager {
  client: MqttClient
  /** Every decoded message received on the watched host, in arrival order. */
  received<L extends Leaf>(leaf: L): Array<PayloadOf<L>>
  /**
   * Resolves with the first message on `leaf` (already received or still to come) matching the predicate.
   * Rejects after `timeoutMs` with what was received, so a failing test says what it saw.
   */
  waitFor<L extends Leaf>(
    leaf: L,
    predicate?: (payload: PayloadOf<L>) => boolean,
    timeoutMs?: number,
  ): Promise<PayloadOf<L>>
  publishDesired(desired: Omit<PayloadOf<'desired'>, 'v' | 'ts' | 'hostId'>): Promise<void>
  publishRaw(leaf: Leaf, payload: string | Buffer, options?: { retain?: boolean }): Promise<void>
  /** Answers every secret/req with this password (or a refusal when null). */
  answerSecrets(password: string | null): void
  /**
   * Answers every secret/req as a manager that knows these candidates (docs/credentials.md): candidate n gets
   * passwords[n] with `more`, origin host and version (length - n); one beyond the last is refused. With
   * `newPassword`, a request of purpose rotate gets it too (docs/credentials.md "Rotation").
   */
  answerCandidates(passwords: readonly string[], options?: { newPassword?: string }): void
  /** Answers one request (already received) now. */
  answerRequest(correlationId: string, password: string | null): void
}

export interface ManagerOptions {
  url: string
  credential: { username: string; password: string }
  tenantId: string
  hostId: string
}

const DEFAULT_WAIT_MS = 45_000

/** A manager principal watching one host (amt/v1/{tenant}/{host}/#); closed in t.teardown. */
export async function connectTestManager(
  t: ExecutionContext,
  { url, credential, tenantId, hostId }: ManagerOptions,
): Promise<TestManager> {
  const client = await mqtt.connectAsync(
    url,
    { ...credential, clientId: testClientId(credential.username, 'test-manager'), reconnectPeriod: 0 },
    false,
  )
  t.teardown(() => client.endAsync(true))
  const messages: Array<{ leaf: Leaf; payload: unknown }> = []
  const waiters = new Set<() => void>()
  const topic = (leaf: Leaf) => buildTopic({ tenantId, hostId, leaf })
  let secretPassword: string | null | undefined
  let candidates: readonly string[] | undefined
  let rotationPassword: string | undefined

  client.on('message', (name, bytes) => {
    const decoded = decodeMessage(name, bytes)
    if (decoded.kind !== 'message') return
    messages.push({ leaf: decoded.leaf, payload: decoded.payload })
    if (decoded.leaf === 'secret/req' && candidates !== undefined) answerCandidate(decoded.payload)
    else if (decoded.leaf === 'secret/req' && secretPassword !== undefined) answer(decoded.payload.correlationId)
    for (const wake of waiters) wake()
  })
  await client.subscribeAsync(`amt/v1/${tenantId}/${hostId}/#`, { qos: 1 })

  const answer = (correlationId: string, password = secretPassword): void => {
    const base = { v: 1 as const, ts: new Date().toISOString(), hostId, correlationId }
    const payload =
      password === null || password === undefined
        ? encodePayload('secret/res', { ...base, ok: false, error: 'no password stored' })
        : encodePayload('secret/res', { ...base, ok: true, password })
    client.publish(topic('secret/res'), payload, { qos: 1 })
  }

  const answerCandidate = ({ correlationId, candidate = 0, purpose }: PayloadOf<'secret/req'>): void => {
    const known = candidates ?? []
    const base = { v: 1 as const, ts: new Date().toISOString(), hostId, correlationId }
    const password = known[candidate]
    const payload =
      password === undefined
        ? encodePayload('secret/res', {
            ...base,
            ok: false,
            error: `NO_SUCH_CANDIDATE: no password candidate ${candidate}`,
          })
        : encodePayload('secret/res', {
            ...base,
            ok: true,
            password,
            more: candidate + 1 < known.length,
            origin: 'host',
            version: known.length - candidate,
            ...(purpose === 'rotate' && rotationPassword !== undefined ? { newPassword: rotationPassword } : {}),
          })
    client.publish(topic('secret/res'), payload, { qos: 1 })
  }

  const received = <L extends Leaf>(leaf: L): Array<PayloadOf<L>> =>
    messages.filter((m) => m.leaf === leaf).map((m) => m.payload as PayloadOf<L>)

  return {
    client,
    received,
    waitFor(leaf, predicate = () => true, timeoutMs = DEFAULT_WAIT_MS) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = received(leaf).find(predicate)
          if (found === undefined) return false
          cleanup()
          resolve(found)
          return true
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(
            new Error(
              `no matching ${leaf} within ${timeoutMs} ms; received:\n${JSON.stringify(received(leaf), null, 1)}`,
            ),
          )
        }, timeoutMs)
        const cleanup = () => {
          clearTimeout(timer)
          waiters.delete(wake)
        }
        const wake = () => void check()
        if (!check()) waiters.add(wake)
      })
    },
    async publishDesired(desired) {
      const payload = encodePayload('desired', { v: 1, ts: new Date().toISOString(), hostId, ...desired })
      await client.publishAsync(topic('desired'), payload, { qos: 1, retain: true })
    },
    async publishRaw(leaf, payload, { retain = false } = {}) {
      await client.publishAsync(topic(leaf), payload, { qos: 1, retain })
    },
    answerSecrets(password) {
      secretPassword = password
    },
    answerCandidates(passwords, options = {}) {
      rotationPassword = options.newPassword
      candidates = passwords
    },
    answerRequest(correlationId, password) {
      answer(correlationId, password)
    },
  }
}
