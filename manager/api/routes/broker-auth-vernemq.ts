import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { FastifyPluginCallbackZod, ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { BrokerAuthDecisions, Verdict } from '../broker-auth/decisions.ts'
import { answerMalformedWith } from '../broker-auth/malformed.ts'
import { ApiError } from '../errors.ts'

/**
 * VerneMQ's webhooks (vmq_webhooks; docs/external-brokers.md cites the page): one route per hook, named as the hook,
 * for MQTT 3.1.1 and 5. VerneMQ POSTs JSON with the header `vernemq-hook: <hook>` and reads a 200 answer:
 * `{"result":"ok"}` or `{"result":{"error":"not_allowed"}}` (anything else, and any other status, refuses). A
 * SUBSCRIBE is answered per filter, as the embedded broker's SUBACK: the refused ones get QoS 128 (MQTT 3.1.1) or
 * 135 "not authorized" (MQTT 5) in the rewritten topic list. Mountpoints are not supported (refused): the topic
 * tree is the root's. Publish payloads are read base64-encoded (VerneMQ's default), absent with `no_payload`.
 */
const Text = z.string().max(65_535)
const Session = z.object({ username: Text.nullable(), client_id: Text, mountpoint: Text })
const Register = Session.extend({ password: Text.nullable() })
const Publish = Session.extend({ topic: Text, payload: z.string().optional() })
const Subscribe = Session.extend({
  topics: z
    .array(z.object({ topic: Text, qos: z.int().min(0).max(255) }))
    .min(1)
    .max(1024),
})

const Ok = z.object({ result: z.literal('ok') })
const Refusal = z.object({ result: z.object({ error: z.string() }) })
const Topics = z.array(z.object({ topic: z.string(), qos: z.int() }))
/** Order matters: the serializer keeps the first shape that fits (and drops keys it does not know). */
const Answer = z.union([
  Ok.extend({ topics: Topics }),
  Ok.extend({ modifiers: z.object({ topics: Topics }) }),
  Ok,
  Refusal,
])
type Answer = z.infer<typeof Answer>

const OK: Answer = { result: 'ok' }
const NOT_ALLOWED = { result: { error: 'not_allowed' } }
/** SUBACK failure codes: MQTT 3.1.1 0x80; MQTT 5 0x87 "Not authorized". */
const REFUSED_QOS = { v3: 128, v5: 135 } as const

type Version = keyof typeof REFUSED_QOS
const verdictAnswer = (verdict: Verdict): Answer => (verdict.allowed ? OK : NOT_ALLOWED)

export function vernemqBrokerAuthRoutes(decisions: BrokerAuthDecisions): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.setErrorHandler(answerMalformedWith(NOT_ALLOWED))
    for (const [suffix, version] of [
      ['', 'v3'],
      ['_m5', 'v5'],
    ] as const) {
      hook(app, `auth_on_register${suffix}`, Register, async (body, request) =>
        outsideRoot(body, request)
          ? NOT_ALLOWED
          : verdictAnswer(
              await decisions.authenticate({
                username: body.username,
                password: body.password,
                clientId: body.client_id,
              }),
            ),
      )
      hook(app, `auth_on_publish${suffix}`, Publish, async (body, request) => {
        if (outsideRoot(body, request)) return NOT_ALLOWED
        const payload = body.payload === undefined ? {} : { payload: Buffer.from(body.payload, 'base64') }
        return verdictAnswer(
          await decisions.authorizePublish({ username: body.username, topic: body.topic, ...payload }),
        )
      })
      hook(app, `auth_on_subscribe${suffix}`, Subscribe, async (body, request) =>
        outsideRoot(body, request) ? NOT_ALLOWED : subscribeAnswer(decisions, body, version),
      )
    }
    done()
  }
}

/** One webhook route; a `vernemq-hook` header naming another hook is a misconfigured endpoint (400). */
function hook<S extends z.ZodType>(
  app: FastifyInstance,
  name: string,
  body: S,
  handle: (body: z.infer<S>, request: FastifyRequest) => Promise<Answer>,
): void {
  app
    .withTypeProvider<ZodTypeProvider>()
    .post(`/${name}`, { schema: { hide: true, body, response: { 200: Answer } } }, async (request) => {
      const named = request.headers['vernemq-hook']
      if (named !== undefined && named !== name)
        throw new ApiError('VALIDATION_FAILED', `this endpoint serves the VerneMQ hook ${name}, not another`)
      return handle(request.body as z.infer<S>, request)
    })
}

function outsideRoot(body: z.infer<typeof Session>, request: FastifyRequest): boolean {
  if (body.mountpoint === '') return false
  request.log.warn({ reason: 'mountpoint' }, 'broker-auth: VerneMQ mountpoints are not supported: refused')
  return true
}

async function subscribeAnswer(
  decisions: BrokerAuthDecisions,
  body: z.infer<typeof Subscribe>,
  version: Version,
): Promise<Answer> {
  const granted = await Promise.all(
    body.topics.map(async ({ topic, qos }) => {
      const verdict = await decisions.authorizeSubscribe({ username: body.username, filter: topic })
      return { topic, qos: verdict.allowed ? qos : REFUSED_QOS[version] }
    }),
  )
  if (granted.every(({ qos }, index) => qos === body.topics[index]?.qos)) return OK
  return version === 'v3' ? { result: 'ok', topics: granted } : { result: 'ok', modifiers: { topics: granted } }
}
