import type { Client, PublishPacket } from 'aedes'
import test from 'ava'
import { orphanWillPrincipal } from '../../../broker/auth/orphan-will.ts'

const will = (clientId: unknown): PublishPacket =>
  ({
    cmd: 'publish',
    topic: 'amt/v1/acme/h1/presence',
    payload: '',
    qos: 1,
    retain: true,
    dup: false,
    clientId,
  }) as PublishPacket

test("a dead instance's stored will (no client) of an agent client id is judged as that device", (t) => {
  t.deepEqual(orphanWillPrincipal(null, will('amt-agent:acme:h1')), {
    id: 'will:amt-agent:acme:h1',
    role: 'device',
    tenantId: 'acme',
    hostId: 'h1',
  })
  t.like(orphanWillPrincipal(null, will('amt-agent:acme:h1:status')), {
    role: 'device',
    tenantId: 'acme',
    hostId: 'h1',
  })
})

test('any other will without a client, or any packet of a connected client, has no principal from here', (t) => {
  for (const clientId of ['manager', 'amt-agent:acme', 'amt-agent::h1', 'amt-agent:ac me:h1', undefined, 7])
    t.is(orphanWillPrincipal(null, will(clientId)), undefined, String(clientId))
  t.is(orphanWillPrincipal({ id: 'amt-agent:acme:h1' } as Client, will('amt-agent:acme:h1')), undefined)
})
