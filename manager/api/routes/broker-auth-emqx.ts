import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { BrokerAuthDecisions } from '../broker-auth/decisions.ts'
import { answerMalformedWith } from '../broker-auth/malformed.ts'

/**
 * EMQX 5's HTTP authenticator and HTTP authorizer (docs/external-brokers.md cites their pages). EMQX sends the body
 * template the operator configured, its `${...}` placeholders filled in; these routes read the keys below and ignore
 * any other. Answers are always 200 with `result` (EMQX reads 4xx/5xx as "ignore": the next authenticator or
 * authorizer decides), never `ignore` and never a superuser: every client is held to broker/auth/acl.ts.
 */
const Text = z.string().max(65_535)

const AuthnRequest = z.object({
  username: Text.nullish(),
  password: Text.nullish(),
  clientid: Text,
})

const AuthzRequest = z.object({
  username: Text.nullish(),
  action: z.enum(['publish', 'subscribe']),
  topic: Text,
})

const Result = z.enum(['allow', 'deny'])
const AuthnAnswer = z.object({ result: Result, is_superuser: z.boolean() })
const AuthzAnswer = z.object({ result: Result })

const HIDDEN = { hide: true }

export function emqxBrokerAuthRoutes(decisions: BrokerAuthDecisions): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.setErrorHandler(answerMalformedWith({ result: 'deny' }))

    app.post(
      '/authn',
      { schema: { ...HIDDEN, body: AuthnRequest, response: { 200: AuthnAnswer } } },
      async ({ body }) => {
        const verdict = await decisions.authenticate({
          username: body.username ?? null,
          password: body.password ?? null,
          clientId: body.clientid,
        })
        return { result: verdict.allowed ? ('allow' as const) : ('deny' as const), is_superuser: false }
      },
    )

    app.post(
      '/authz',
      { schema: { ...HIDDEN, body: AuthzRequest, response: { 200: AuthzAnswer } } },
      async ({ body }) => {
        const username = body.username ?? null
        const verdict =
          body.action === 'publish'
            ? await decisions.authorizePublish({ username, topic: body.topic })
            : await decisions.authorizeSubscribe({ username, filter: body.topic })
        return { result: verdict.allowed ? ('allow' as const) : ('deny' as const) }
      },
    )
    done()
  }
}
