import test from 'ava'
import { startTestBroker } from '../helpers/broker.ts'
import { buildRolloutProgressTopic } from '../../schemas/rollout-progress.ts'
import { agentClientId } from '../../schemas/principals.ts'
import { Inbox, connectClient, publishOutcome, subscribeCodes } from './support/mqtt-clients.ts'

/**
 * Rollout progress `amt/v1/{tenant}/_rollouts/{id}/progress` on the embedded broker: the manager publishes it
 * retained; the integrators of the tenant read it (by name or through `amt/v1/{tenant}/#`); other tenants' integrators
 * and devices never; nobody but the manager publishes it.
 */
const T1 = buildRolloutProgressTopic({ tenantId: 't1', rolloutId: 'r1' })
const T2 = buildRolloutProgressTopic({ tenantId: 't2', rolloutId: 'r2' })

test('subscriptions: tenant integrators to their tenant, global ones to all, devices never', async (t) => {
  const broker = await startTestBroker(t)
  const integrator = await connectClient(t, broker.url, await broker.addIntegrator('t1'))
  const global = await connectClient(t, broker.url, await broker.addIntegrator())
  const device = await connectClient(t, broker.url, await broker.addDevice('t1', 'h1'), {
    clientId: agentClientId({ tenantId: 't1', hostId: 'h1' }),
  })
  t.deepEqual(
    await subscribeCodes(integrator, [
      'amt/v1/t1/_rollouts/+/progress',
      'amt/v1/t1/#',
      'amt/v1/t2/_rollouts/+/progress',
      'amt/v1/+/_rollouts/+/progress',
    ]),
    [1, 1, 0x80, 0x80],
  )
  t.deepEqual(await subscribeCodes(global, ['amt/v1/+/_rollouts/+/progress']), [1])
  t.deepEqual(await subscribeCodes(device, ['amt/v1/t1/_rollouts/+/progress', T1]), [0x80, 0x80])
})

test('delivery: retained progress reaches its tenant only, through a named or a wide filter', async (t) => {
  const broker = await startTestBroker(t)
  const manager = await connectClient(t, broker.url, await broker.addManager())
  const observer = await connectClient(t, broker.url, await broker.addManager())
  const observed = new Inbox(observer)
  t.deepEqual(await subscribeCodes(observer, ['amt/v1/+/_rollouts/+/progress']), [1])
  // Published before anyone else subscribes: what the integrators get next comes from the retained store.
  await manager.publishAsync(T2, 'progress of t2', { qos: 1, retain: true })
  await manager.publishAsync(T1, 'progress of t1', { qos: 1, retain: true })
  await observed.until((messages) => messages.length === 2, 'both messages at the manager')

  const wide = await connectClient(t, broker.url, await broker.addIntegrator('t1'))
  const wideInbox = new Inbox(wide)
  t.deepEqual(await subscribeCodes(wide, ['amt/v1/t1/#']), [1])
  const named = await connectClient(t, broker.url, await broker.addIntegrator('t1'))
  const namedInbox = new Inbox(named)
  t.deepEqual(await subscribeCodes(named, ['amt/v1/t1/_rollouts/+/progress']), [1])
  const global = await connectClient(t, broker.url, await broker.addIntegrator())
  const globalInbox = new Inbox(global)
  t.deepEqual(await subscribeCodes(global, ['amt/v1/+/_rollouts/+/progress']), [1])

  await globalInbox.until((messages) => messages.length === 2, 'both retained messages at the global integrator')
  await namedInbox.until((messages) => messages.length === 1, "t1's retained message (named filter)")
  await wideInbox.until((messages) => messages.length === 1, "t1's retained message (wide filter)")
  // A live message after the retained ones reaches both.
  const live = 'live progress of t1'
  t.is(await publishOutcome(manager, wide, T1, live), 'delivered')
  await namedInbox.until((messages) => messages.length === 2, 'the live message (named filter)')
  for (const inbox of [wideInbox, namedInbox])
    t.deepEqual(
      inbox.messages.map(({ topic, payload, retain }) => ({ topic, payload, retain })),
      [
        { topic: T1, payload: 'progress of t1', retain: true },
        { topic: T1, payload: live, retain: false },
      ],
    )
  t.deepEqual(globalInbox.messages.map(({ topic }) => topic).sort(), [T1, T2].sort())
})

test('publish: an integrator or a device publishing progress is disconnected, nothing delivered', async (t) => {
  const broker = await startTestBroker(t)
  const observer = await connectClient(t, broker.url, await broker.addManager())
  t.deepEqual(await subscribeCodes(observer, ['amt/v1/+/_rollouts/+/progress']), [1])
  const integrator = await connectClient(t, broker.url, await broker.addIntegrator('t1'))
  t.is(await publishOutcome(integrator, observer, T1, 'forged by an integrator'), 'connection closed')
  const device = await connectClient(t, broker.url, await broker.addDevice('t1', 'h1'), {
    clientId: agentClientId({ tenantId: 't1', hostId: 'h1' }),
  })
  t.is(await publishOutcome(device, observer, T1, 'forged by a device'), 'connection closed')
})
