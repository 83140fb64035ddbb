import test from 'ava'
import { mayPublish, mayRead, maySubscribe } from '../../broker/auth/acl.ts'
import type { Principal } from '../../broker/auth/principal.ts'
import { buildProbeTopic, decodeProbe, encodeProbe, parseProbeTopic } from '../../schemas/probe.ts'
import { AGENT_LEAVES, allHostsFilter, parseTopic, parseTopicFilter } from '../../schemas/topics.ts'

const topic = buildProbeTopic({ instanceId: 'amt-manager', leaf: 'events' })

test('probe topic: amt/v1/_probe/<instance>/<leaf>, parsed back; never a device topic', (t) => {
  t.is(topic, 'amt/v1/_probe/amt-manager/events')
  t.deepEqual(parseProbeTopic(buildProbeTopic({ instanceId: 'm-1', leaf: 'secret/req' })), {
    instanceId: 'm-1',
    leaf: 'secret/req',
  })
  t.like(
    parseTopic(topic),
    { ok: false, reason: 'bad-topic' },
    '`_probe` is no tenant: ids start with a letter or digit',
  )
  t.is(parseProbeTopic('amt/v1/acme/amt-manager/events'), null)
  t.is(parseProbeTopic('amt/v1/_probe/amt-manager/unknown'), null)
  t.is(parseProbeTopic('amt/v1/_probe/+/events'), null)
  t.throws(() => buildProbeTopic({ instanceId: 'a/b', leaf: 'events' }), { instanceOf: TypeError })
})

test('probe topic: matched by the manager subscription of its leaf (+ as tenant)', (t) => {
  for (const leaf of AGENT_LEAVES) {
    const filter = parseTopicFilter(allHostsFilter(leaf))
    t.deepEqual(filter?.leaves, [leaf])
    t.is(filter?.tenant.kind, 'single', `${leaf}: the manager's filter has + as tenant, which matches _probe`)
  }
})

test('probe payload: a nonce round trip; anything else is not a probe', (t) => {
  t.is(decodeProbe(encodeProbe('0123456789abcdef-3')), '0123456789abcdef-3')
  t.is(decodeProbe(Buffer.from('{"v":1,"nonce":"short","ts":"2026-01-01T00:00:00Z"}')), null)
  t.is(decodeProbe(Buffer.from('not json')), null)
  t.throws(() => encodeProbe('bad nonce!'))
})

test('ACL: only the manager may publish and read a probe; nobody may subscribe to it by name', (t) => {
  const principals: Principal[] = [
    { id: 'm', role: 'manager' },
    { id: 'd', role: 'device', tenantId: 'acme', hostId: 'h-1' },
    { id: 'i', role: 'integrator' },
    { id: 'ti', role: 'integrator', tenantId: 'acme' },
  ]
  for (const principal of principals) {
    const expected = principal.role === 'manager' ? { allowed: true } : { allowed: false, reason: 'manager-only' }
    t.deepEqual(mayPublish(principal, topic, 16), expected, `${principal.id} publishes`)
    t.deepEqual(mayRead(principal, topic, 16), expected, `${principal.id} reads`)
    t.false(
      maySubscribe(principal, 'amt/v1/_probe/amt-manager/events', 16).allowed,
      `${principal.id} subscribes by name`,
    )
  }
  t.deepEqual(mayPublish({ id: 'm', role: 'manager' }, 'amt/v1/_probe/amt-manager/unknown', 16), {
    allowed: false,
    reason: 'manager-only',
  })
  t.deepEqual(mayPublish({ id: 'm', role: 'manager' }, 'amt/v1/_probe/a/b/c/d/e/f/events', 4), {
    allowed: false,
    reason: 'too-many-levels',
  })
})
