import test from 'ava'
import { mayPublish, mayRead, maySubscribe } from '../../../broker/auth/acl.ts'
import { principalOf } from '../../../broker/auth/principal.ts'
import { MANAGER_SUBSCRIPTIONS } from '../../../manager/bus/subscription-plan.ts'
import { deviceAcls, managerAcls, type DynsecAcl, type DynsecAclType } from '../../../manager/dynsec/dynsec-acls.ts'
import { buildRolloutProgressTopic } from '../../../schemas/rollout-progress.ts'
import { buildTopic, LEAVES } from '../../../schemas/topics.ts'

// The dynsec roles must allow exactly what the embedded broker's ACL (broker/auth/acl.ts) allows.
const LEVELS = 16
const KEY = { tenantId: 'acme', hostId: 'node-1' }
const TOPICS = [KEY, { tenantId: 'acme', hostId: 'node-2' }, { tenantId: 'other', hostId: 'node-1' }]
  .flatMap((key) => LEAVES.map((leaf) => buildTopic({ ...key, leaf })))
  // A rollout's progress (tenant level): the manager publishes it; no device role may publish or read it.
  .concat(['acme', 'other'].map((tenantId) => buildRolloutProgressTopic({ tenantId, rolloutId: 'r-1' })))

/** MQTT topic matching (`+` one level, `#` the rest), as Mosquitto matches ACL topics against a topic. */
function matches(filter: string, topic: string): boolean {
  const f = filter.split('/')
  const parts = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true
    if (i >= parts.length || (f[i] !== '+' && f[i] !== parts[i])) return false
  }
  return f.length === parts.length
}

const allows = (acls: readonly DynsecAcl[], types: readonly DynsecAclType[], topic: string) =>
  acls.some((acl) => types.includes(acl.acltype) && acl.allow && matches(acl.topic, topic))

test('a device role: publish and read exactly what acl.ts lets that device publish and read', (t) => {
  const device = principalOf('node-1@acme', { role: 'device', ...KEY })
  const acls = deviceAcls(KEY)
  for (const topic of TOPICS) {
    t.is(allows(acls, ['publishClientSend'], topic), mayPublish(device, topic, LEVELS).allowed, `publish ${topic}`)
    t.is(allows(acls, ['publishClientReceive'], topic), mayRead(device, topic, LEVELS).allowed, `receive ${topic}`)
    const subscribable = acls.some((acl) => acl.acltype === 'subscribeLiteral' && acl.topic === topic)
    t.is(subscribable, maySubscribe(device, topic, LEVELS).allowed, `subscribe ${topic}`)
  }
  t.false(
    acls.some((acl) => acl.topic.includes('+') || acl.topic.includes('#')),
    'no wildcard in a device role',
  )
})

test('the manager role: publishes every leaf of every host and rollout progress, reads its subscriptions', (t) => {
  const manager = principalOf('amt-manager', { role: 'manager' })
  const acls = managerAcls()
  t.true(allows(acls, ['publishClientSend'], buildRolloutProgressTopic({ tenantId: 'acme', rolloutId: 'r-1' })))
  for (const topic of TOPICS)
    t.is(allows(acls, ['publishClientSend'], topic), mayPublish(manager, topic, LEVELS).allowed, `publish ${topic}`)
  for (const filter of MANAGER_SUBSCRIPTIONS) {
    t.true(
      acls.some((acl) => acl.acltype === 'subscribePattern' && acl.topic === filter),
      `subscribe ${filter}`,
    )
    t.true(allows(acls, ['publishClientReceive'], filter), `receive ${filter}`)
  }
})
