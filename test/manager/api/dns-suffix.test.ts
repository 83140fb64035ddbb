import test from 'ava'
import { DNS_SUFFIXES } from '../../fixtures/dns-names.ts'
import { seed, startApi } from './api-harness.ts'

/**
 * A DNS suffix MPS would refuse (issue #13 fact 4) is refused where the user types it, before anything is stored:
 * at registration and on the desired-state requests, with the rule in the message. Same cases as the fake MPS.
 */

interface Issue {
  in: string
  path: string
  message: string
}

const issueOf = (json: Record<string, unknown>): Issue | undefined =>
  (json.details as { issues?: Issue[] } | undefined)?.issues?.[0]

test('registration: dnsSuffix is accepted exactly when MPS would accept it; otherwise 400 naming the field and the rule', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: [] })
  const token = await api.token('operator', 'acme')
  for (const [index, { value, valid }] of DNS_SUFFIXES.entries()) {
    const hostId = `node-${index}`
    const answer = await api.request('POST', '/api/v1/tenants/acme/hosts', {
      token,
      body: { hostId, dnsSuffix: value },
    })
    if (valid) {
      t.is(answer.status, 201, JSON.stringify(value))
      continue
    }
    t.deepEqual([answer.status, answer.json.code], [400, 'VALIDATION_FAILED'], JSON.stringify(value))
    t.like(issueOf(answer.json), { in: 'body', path: '/dnsSuffix' })
    t.regex(issueOf(answer.json)?.message ?? '', /^dnsSuffix must be a valid DNS suffix: /)
    t.is(await api.inventory.getCredentialByUsername(`${hostId}@acme`), null, 'nothing stored')
  }
})

test('desired state (one host, bulk): amtDnsSuffix is accepted exactly when MPS would accept it', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['h1'] })
  const token = await api.token('operator', 'acme')
  let generation = 0
  for (const { value, valid } of DNS_SUFFIXES) {
    const body = { desiredAmtState: 'PROVISIONED', amtControlMode: 'ACM', amtDnsSuffix: value }
    const one = await api.request('PATCH', '/api/v1/tenants/acme/hosts/h1/amt', { token, body })
    const bulk = await api.request('POST', '/api/v1/tenants/acme/amt/bulk', {
      token,
      body: { ...body, hostIds: ['h1'] },
    })
    for (const [answer, okStatus] of [
      [one, 200],
      [bulk, 200],
    ] as const) {
      if (valid) t.is(answer.status, okStatus, JSON.stringify(value))
      else t.like(issueOf(answer.json), { in: 'body', path: '/amtDnsSuffix' }, JSON.stringify(value))
    }
    if (valid) generation += 2
  }
  t.is(
    (await api.inventory.getHost({ tenantId: 'acme', hostId: 'h1' })).desiredGeneration,
    generation,
    'refused requests wrote nothing',
  )
})
