import test from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { createDispatcher } from '../../../manager/bus/dispatch.ts'
import { AgentMessages, capable } from '../../helpers/manager-core.ts'
import { seed, startApi } from './api-harness.ts'

/** Registering a host with labels (POST …/hosts `labels`): stored in the create, audited, and its policy applies. */

test('labels given at registration are stored with the host (keys sorted), shown, and in the audit event', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: [] })
  const token = await api.token('operator', 'acme')
  const answer = await api.request('POST', '/api/v1/tenants/acme/hosts', {
    token,
    body: { hostId: 'node-1', labels: { site: 'berlin', 'example.com/model': 'nuc-13' } },
  })
  t.is(answer.status, 201)
  const labels = { 'example.com/model': 'nuc-13', site: 'berlin' }
  t.deepEqual((answer.json.host as { labels: object }).labels, labels)
  const stored = await api.inventory.getHost({ tenantId: 'acme', hostId: 'node-1' })
  t.deepEqual(Object.keys(stored.labels), ['example.com/model', 'site'])
  t.is(stored.version, 1, 'one write: the labels came with the create')
  const listed = await api.request('GET', '/api/v1/tenants/acme/hosts?label=site=berlin', { token })
  t.deepEqual(
    (listed.json.hosts as Array<{ hostId: string }>).map((host) => host.hostId),
    ['node-1'],
  )
  const events = await api.inventory.listAudit('acme', { hostId: 'node-1' })
  t.like(
    events.find((event) => event.kind === 'host.registered'),
    { actor: 'api:operator-acme-1', detail: { username: 'node-1@acme', labels } },
  )
  const plain = await api.request('POST', '/api/v1/tenants/acme/hosts', { token, body: { hostId: 'node-2' } })
  t.deepEqual((plain.json.host as { labels: object }).labels, {})
  const plainEvent = (await api.inventory.listAudit('acme', { hostId: 'node-2' }))[0]
  t.deepEqual(plainEvent?.detail, { username: 'node-2@acme' }, 'no labels: the event as before')
})

test('a label breaking a rule is refused with 400 and the rule (as PATCH …/labels says it); nothing is stored', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: [] })
  const token = await api.token('operator', 'acme')
  const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']))
  for (const [labels, rule] of [
    [{ 'Bad Key': 'x' }, /label key "Bad Key": the name must be 1-63 letters/],
    [{ site: 'no spaces' }, /label "site": the value must be empty or 1-63 letters/],
    [{ 'Upper.Case/x': 'y' }, /the prefix before "\/" must be a lower-case DNS subdomain/],
    [many, /a host has at most 64 labels \(65 given\)/],
  ] as const) {
    const refused = await api.request('POST', '/api/v1/tenants/acme/hosts', {
      token,
      body: { hostId: 'node-1', labels },
    })
    t.is(refused.status, 400)
    t.is(refused.json.code, 'VALIDATION_FAILED')
    t.regex(String(refused.json.message), rule)
    t.like((refused.json.details as { issues: unknown[] }).issues[0], { in: 'body', path: '/labels' })
    // The same rule, word for word, on the labels endpoint of an existing host.
    t.is(await api.inventory.findHost({ tenantId: 'acme', hostId: 'node-1' }), null)
    t.is(await api.inventory.getCredentialByUsername('node-1@acme'), null)
  }
  await api.request('POST', '/api/v1/tenants/acme/hosts', { token, body: { hostId: 'node-1' } })
  const patched = await api.request('PATCH', '/api/v1/tenants/acme/hosts/node-1/labels', {
    token,
    body: { set: { 'Bad Key': 'x' } },
  })
  t.is(patched.status, 400)
  t.regex(String(patched.json.message), /label key "Bad Key": the name must be 1-63 letters/)
})

test("a host registered with its group's labels gets the group's policy from its first capability report", async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: [] })
  await api.inventory.putGroup({
    tenantId: 'acme',
    name: 'berlin',
    selector: { labels: { site: 'berlin' } },
    priority: 10,
    policy: { amt: 'ccm' },
  })
  const token = await api.token('operator', 'acme')
  for (const [hostId, site] of [
    ['node-1', 'berlin'],
    ['node-2', 'rome'],
  ] as const) {
    const answer = await api.request('POST', '/api/v1/tenants/acme/hosts', {
      token,
      body: { hostId, labels: { site } },
    })
    t.is(answer.status, 201)
  }
  const before = await api.request('GET', '/api/v1/tenants/acme/hosts/node-1/policy', { token })
  t.like(before.json, { source: 'group:berlin', reason: { code: 'NO_CAPABILITY_FACTS' } })

  const dispatch = createDispatcher({ record: api.core.record, log: silentLogger(), metrics: api.metrics })
  for (const hostId of ['node-1', 'node-2']) {
    const { topic, payload } = new AgentMessages({ tenantId: 'acme', hostId }).encode('capability', capable('AMT'))
    t.like(await dispatch(topic, payload, true), { outcome: 'accepted' })
  }
  await api.core.idle()
  t.like(await api.inventory.getHost({ tenantId: 'acme', hostId: 'node-1' }), {
    desiredState: 'PROVISIONED',
    controlMode: 'CCM',
    desiredGeneration: 1,
  })
  t.like(api.outbound.last({ tenantId: 'acme', hostId: 'node-1' }, 'desired'), { state: 'PROVISIONED', generation: 1 })
  t.like(await api.inventory.getHost({ tenantId: 'acme', hostId: 'node-2' }), {
    desiredState: 'UNSPECIFIED',
    desiredGeneration: 0,
  })
})
