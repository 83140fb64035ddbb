import test from 'ava'
import type { AgentMessage } from '../../agent/messages.ts'
import { createOutbox } from '../../agent/outbox.ts'

const event = (message: string): AgentMessage => ({ leaf: 'events', body: { kind: 'rpc.started', message } })
const state = (phase: 'ACTIVATING' | 'PROVISIONED'): AgentMessage => ({
  leaf: 'state',
  body: { phase, observedGeneration: 1, controlMode: 'CCM', remoteStatus: 'connected' },
})
const secretRequest: AgentMessage = {
  leaf: 'secret/req',
  body: { correlationId: '7f3b1c2e-1111-4222-8333-444455556666', purpose: 'deactivate', generation: 2 },
}

test('retained leaves keep only their latest body', (t) => {
  const outbox = createOutbox(2)
  outbox.put(state('ACTIVATING'))
  outbox.put(state('PROVISIONED'))
  t.deepEqual(outbox.retained(), [state('PROVISIONED')])
  t.is(outbox.queued, 0)
})

test('non-retained messages queue in order and drain once', (t) => {
  const outbox = createOutbox(5)
  outbox.put(event('a'))
  outbox.put(secretRequest)
  t.deepEqual(outbox.drain(), [event('a'), secretRequest])
  t.deepEqual(outbox.drain(), [])
})

test('when full, the oldest event is dropped before anything else', (t) => {
  const outbox = createOutbox(2)
  outbox.put(secretRequest)
  outbox.put(event('old'))
  t.deepEqual(outbox.put(event('new')), event('old'))
  t.deepEqual(outbox.drain(), [secretRequest, event('new')])
})

test('when full of non-events, the oldest message is dropped', (t) => {
  const outbox = createOutbox(1)
  outbox.put(secretRequest)
  const newer: AgentMessage = {
    leaf: 'secret/req',
    body: { correlationId: '7f3b1c2e-1111-4222-8333-444455557777', purpose: 'deactivate', generation: 3 },
  }
  t.deepEqual(outbox.put(newer), secretRequest)
  t.deepEqual(outbox.drain(), [newer])
})
