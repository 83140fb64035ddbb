import test, { type ExecutionContext } from 'ava'
import type { MqttClient } from 'mqtt'
import { startTestBroker, type TestBroker, type TestCredential } from '../helpers/broker.ts'
import {
  ACTORS,
  CELLS,
  FORBIDDEN_TOPICS,
  TARGETS,
  WILDCARDS,
  filterMatches,
  mayPublish,
  mayRead,
  type Actor,
  type Cell,
} from './support/acl-model.ts'
import { ForwardDecisions } from './support/forward-decisions.ts'
import { agentClientId } from '../../schemas/principals.ts'
import { buildTopic } from '../../schemas/topics.ts'
import { testClientId } from '../helpers/client-ids.ts'
import { contractPayload } from './support/contract-payloads.ts'
import { Inbox, connectClient, publishOutcome, refusedConnect, subscribeCodes, within } from './support/mqtt-clients.ts'

/** One credential per actor of the table (the device is t1/h1, the tenant integrator belongs to t1). */
async function actorCredentials(broker: TestBroker): Promise<Record<Actor, TestCredential>> {
  return {
    device: await broker.addDevice(TARGETS.own.tenantId, TARGETS.own.hostId),
    manager: await broker.addManager(),
    tenantIntegrator: await broker.addIntegrator(TARGETS.own.tenantId),
    globalIntegrator: await broker.addIntegrator(),
  }
}

test('publish: every actor × target × leaf, and topics nobody may publish to', async (t) => {
  const broker = await startTestBroker(t)
  const credentials = await actorCredentials(broker)
  const observer = await connectClient(t, broker.url, credentials.manager)
  t.deepEqual(await subscribeCodes(observer, ['amt/v1/#']), [1])

  const rows = ACTORS.flatMap((actor) => [
    ...CELLS.map((cell) => ({
      actor,
      topic: cell.topic,
      expected: mayPublish(actor, cell.relation, cell.leaf) ? 'delivered' : 'connection closed',
    })),
    ...FORBIDDEN_TOPICS.map((topic) => ({ actor, topic, expected: 'connection closed' })),
  ])
  const actual: Record<string, string> = {}
  // Actors run in parallel; each publishes its rows in turn and reconnects after a denial closed its connection.
  await Promise.all(
    ACTORS.map(async (actor) => {
      let publisher = await connectClient(t, broker.url, credentials[actor])
      for (const row of rows.filter((r) => r.actor === actor)) {
        if (!publisher.connected) publisher = await connectClient(t, broker.url, credentials[actor])
        actual[`${actor} → ${row.topic}`] = await publishOutcome(
          publisher,
          observer,
          row.topic,
          contractPayload(row.topic, `${actor} ${row.topic}`),
        )
      }
    }),
  )
  const expected = Object.fromEntries(rows.map((row) => [`${row.actor} → ${row.topic}`, row.expected]))
  t.deepEqual(actual, expected)

  const denied = rows.filter((row) => row.expected === 'connection closed').length
  const counted = Object.values(broker.broker.stats().publishDenied).reduce((sum, n) => sum + n, 0)
  t.is(counted, denied)
})

interface DeliveryClient {
  name: string
  clientId: string
  client: MqttClient
  inbox: Inbox
  granted: string[]
  actor: Actor
}

async function subscriber(
  t: ExecutionContext,
  broker: TestBroker,
  actor: Actor,
  credential: TestCredential,
  name: string,
  filters: string[],
): Promise<{ codes: number[]; delivery: DeliveryClient }> {
  const clientId = testClientId(credential.username, name)
  const client = await connectClient(t, broker.url, credential, { clientId })
  const inbox = new Inbox(client)
  const codes = await subscribeCodes(client, filters)
  const granted = filters.filter((_filter, i) => codes[i] !== 128)
  return { codes, delivery: { name, clientId, client, inbox, granted, actor } }
}

/** Waits until every message matching the client's granted filters was decided (per phase), then until the allowed ones arrived. */
async function settledInbox(
  forward: ForwardDecisions,
  { name, clientId, inbox, granted }: DeliveryClient,
  decisionsPerMessage: number,
): Promise<void> {
  const matching = CELLS.filter((cell) => granted.some((filter) => filterMatches(filter, cell.address))).length
  const decisions = await forward.until(clientId, matching * decisionsPerMessage)
  const allowed = decisions.filter((decision) => decision.allowed).length
  await inbox.until((messages) => messages.length >= allowed, `${allowed} deliveries to ${name}`)
}

const readableBy = (actor: Actor, granted: string[], cell: Cell): boolean =>
  granted.some((filter) => filterMatches(filter, cell.address)) && mayRead(actor, cell.relation, cell.leaf)

test('subscribe and delivery: exact and wildcard filters, retained on subscribe and live', async (t) => {
  const broker = await startTestBroker(t)
  const forward = new ForwardDecisions(broker.broker.aedes)
  const credentials = await actorCredentials(broker)
  const publisher = await connectClient(t, broker.url, credentials.manager)
  // The retained messages are stored once a manager sees them live (the broker stores before it routes).
  const sync = await connectClient(t, broker.url, credentials.manager)
  const syncInbox = new Inbox(sync)
  await subscribeCodes(sync, ['amt/v1/#'])
  for (const cell of CELLS) publisher.publish(cell.topic, `retained ${cell.topic}`, { qos: 1, retain: true })
  await syncInbox.until((messages) => messages.length === CELLS.length, 'every retained message')

  const grants: Record<string, number> = {}
  const expectedGrants: Record<string, number> = {}
  const deliveries: DeliveryClient[] = []
  for (const actor of ACTORS) {
    const exact = await subscriber(
      t,
      broker,
      actor,
      credentials[actor],
      `${actor}-exact`,
      CELLS.map((cell) => cell.topic),
    )
    CELLS.forEach((cell, i) => {
      grants[`${actor} ⊂ ${cell.topic}`] = exact.codes[i] ?? -1
      expectedGrants[`${actor} ⊂ ${cell.topic}`] = mayRead(actor, cell.relation, cell.leaf) ? 1 : 128
    })
    deliveries.push(exact.delivery)
    const probe = await subscriber(
      t,
      broker,
      actor,
      credentials[actor],
      `${actor}-probe`,
      WILDCARDS.map(([filter]) => filter),
    )
    for (const [i, [filter, granted]] of WILDCARDS.entries()) {
      grants[`${actor} ⊂ ${filter}`] = probe.codes[i] ?? -1
      expectedGrants[`${actor} ⊂ ${filter}`] = granted[actor] ? 1 : 128
      if (granted[actor])
        deliveries.push((await subscriber(t, broker, actor, credentials[actor], `${actor}-${i}`, [filter])).delivery)
    }
  }
  t.deepEqual(grants, expectedGrants)

  // Retained messages replayed on subscribe: exactly the readable ones arrive, flagged retained.
  await Promise.all(deliveries.map((delivery) => settledInbox(forward, delivery, 1)))
  const received = (delivery: DeliveryClient, kind: string) =>
    delivery.inbox.messages
      .filter((m) => m.payload.startsWith(kind))
      .map((m) => `${m.topic}${m.retain ? ' (retained)' : ''}`)
      .sort()
  const expectedFor = (delivery: DeliveryClient, suffix: string) =>
    CELLS.filter((cell) => readableBy(delivery.actor, delivery.granted, cell))
      .map((cell) => `${cell.topic}${suffix}`)
      .sort()
  const retainedSeen = Object.fromEntries(deliveries.map((d) => [d.name, received(d, 'retained')]))
  t.deepEqual(retainedSeen, Object.fromEntries(deliveries.map((d) => [d.name, expectedFor(d, ' (retained)')])))

  // Live messages: the same rights decide.
  for (const cell of CELLS) publisher.publish(cell.topic, `live ${cell.topic}`, { qos: 1 })
  await Promise.all(deliveries.map((delivery) => settledInbox(forward, delivery, 2)))
  const liveSeen = Object.fromEntries(deliveries.map((d) => [d.name, received(d, 'live')]))
  t.deepEqual(liveSeen, Object.fromEntries(deliveries.map((d) => [d.name, expectedFor(d, '')])))
})

test('connections without credentials, with a wrong password or as an unknown user are refused', async (t) => {
  const broker = await startTestBroker(t)
  const device = await broker.addDevice('t1', 'h1')
  t.is(await refusedConnect(broker.url, {}), 5, 'no credentials: not authorized')
  t.is(await refusedConnect(broker.url, { username: device.username }), 5, 'no password: not authorized')
  t.is(
    await refusedConnect(broker.url, { username: device.username, password: `${device.password}x` }),
    4,
    'wrong password',
  )
  t.is(await refusedConnect(broker.url, { username: 'nobody', password: device.password }), 4, 'unknown user')
  t.deepEqual(broker.broker.stats().connectionsRefused, { 'missing-credentials': 2, 'bad-credentials': 2 })
  await t.notThrowsAsync(connectClient(t, broker.url, device))
})

test('last wills are judged like publishes: own presence is delivered, another host is denied', async (t) => {
  const broker = await startTestBroker(t)
  const observer = await connectClient(t, broker.url, await broker.addManager())
  const inbox = new Inbox(observer)
  t.deepEqual(await subscribeCodes(observer, ['amt/v1/#']), [1])
  const presence = (hostId: string) => buildTopic({ tenantId: 't1', hostId, leaf: 'presence' })
  const device = await broker.addDevice('t1', 'h1')
  const dropWith = async (name: string, willTopic: string): Promise<void> => {
    const clientId = agentClientId({ tenantId: 't1', hostId: 'h1' }, name)
    const client = await connectClient(t, broker.url, device, {
      clientId,
      will: { topic: willTopic, payload: Buffer.from(contractPayload(willTopic, name)), qos: 1, retain: true },
    })
    // The broker decides on the will before it announces the disconnect.
    const gone = new Promise<void>((resolve) =>
      broker.broker.aedes.on('clientDisconnect', (c) => c.id === clientId && resolve()),
    )
    client.stream.destroy()
    await within(gone, `the broker to drop ${clientId}`)
  }
  await dropWith('forger', presence('h2'))
  await dropWith('honest', presence('h1'))
  await inbox.until(
    (messages) => messages.some((m) => m.payload === contractPayload(presence('h1'), 'honest')),
    'the honest will',
  )
  t.deepEqual(
    inbox.messages.map((m) => [m.topic, m.payload]),
    [[presence('h1'), contractPayload(presence('h1'), 'honest')]],
  )
  t.deepEqual(broker.broker.stats().publishDenied, { 'out-of-scope': 1 })
})
