import test from 'ava'
import { DecodedHandoff } from '../../../broker/auth/decoded-handoff.ts'
import { silentLogger } from '../../../lib/log.ts'
import { createDispatcher, type Dispatch } from '../../../manager/bus/dispatch.ts'
import { createEmbeddedBus } from '../../../manager/bus/embedded-bus.ts'
import { decodeMessage, type DecodedMessage } from '../../../schemas/index.ts'
import { startTestBroker } from '../../helpers/broker.ts'
import { AgentMessages, capable, seedHost, startTestCore, TENANT } from '../../helpers/manager-core.ts'
import { connectFakeAgent } from '../../helpers/manager-mqtt.ts'
import { within } from '../../broker/support/mqtt-clients.ts'

test("embedded: the broker's decode of a device's retained leaves reaches the dispatcher, which stores it as it would have decoded it", async (t) => {
  const handoff = new DecodedHandoff()
  const broker = await startTestBroker(t, { handoff })
  const { dispatch, inventory } = await startTestCore(t)
  const key = { tenantId: TENANT, hostId: 'h-handoff' }
  await seedHost(inventory, key.hostId)
  const seen: Array<{ leaf: string; handed: DecodedMessage | undefined; own: unknown; outcome: ReturnType<Dispatch> }> =
    []
  let allSeen = (): void => undefined
  const fourSeen = new Promise<void>((resolve) => (allSeen = resolve))
  const bus = createEmbeddedBus(broker.broker.aedes, { log: silentLogger(), handoff })
  t.teardown(() => bus.close(true))
  await new Promise<void>((resolve) =>
    bus.start({
      onMessage: (topic, payload, retained, handed) => {
        const own = decodeMessage(topic, payload)
        const outcome = dispatch(topic, payload, retained, handed)
        seen.push({ leaf: topic.split('/').slice(4).join('/'), handed, own, outcome })
        if (seen.length === 4) allSeen()
        return outcome
      },
      onReady: resolve,
    }),
  )

  const agent = await connectFakeAgent(t, broker, key)
  await agent.send('presence', { online: true, agentVersion: '1' })
  await agent.send('capability', capable())
  await agent.send('events', { kind: 'rpc.started', message: 'x' })
  await agent.send('state', {
    phase: 'ACTIVATING',
    observedGeneration: 0,
    controlMode: 'PRE_PROVISIONING',
    remoteStatus: null,
  })
  await within(fourSeen, 'four messages at the dispatcher')
  const outcomes = await Promise.all(seen.map(({ outcome }) => outcome))

  t.deepEqual(
    seen.map(({ leaf, handed }) => [leaf, handed !== undefined]),
    [
      ['presence', true],
      ['capability', true],
      ['events', false],
      ['state', true],
    ],
    'handed over for the leaves the broker checks (retained), not for events',
  )
  for (const { leaf, handed, own } of seen)
    if (handed !== undefined) t.deepEqual(handed, own, `${leaf}: what the broker decoded is what the manager decodes`)
  t.true(
    outcomes.every(({ outcome }) => outcome === 'accepted'),
    JSON.stringify(outcomes),
  )
  t.is((await inventory.getHost(key)).phase, 'ACTIVATING', 'the state handed over is stored')
})

test("a handed-over message is used only within the dispatcher's own payload limit", async (t) => {
  const { core, inventory, metrics } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-limit')
  const dispatch = createDispatcher({ record: core.record, log: silentLogger(), metrics, maxPayloadBytes: 64 })
  const { topic, payload } = new AgentMessages(host).encode('capability', capable())
  const decoded = decodeMessage(topic, payload)
  if (decoded.kind !== 'message') throw new Error('the example does not decode')
  t.true(payload.byteLength > 64)
  t.like(await dispatch(topic, payload, false, decoded), { outcome: 'rejected', reason: 'too-large' })
  t.deepEqual(await inventory.getHost(host), host)
})
