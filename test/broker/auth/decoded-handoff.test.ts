import test from 'ava'
import { DecodedHandoff } from '../../../broker/auth/decoded-handoff.ts'
import { decodeMessage, type DecodedMessage } from '../../../schemas/decode.ts'
import { buildTopic } from '../../../schemas/topics.ts'
import { contractPayload } from '../support/contract-payloads.ts'

const TOPIC = buildTopic({ tenantId: 't1', hostId: 'h1', leaf: 'state' })

function decoded(topic: string, payload: Buffer): DecodedMessage {
  const result = decodeMessage(topic, payload)
  if (result.kind !== 'message') throw new Error(`not a valid message: ${JSON.stringify(result)}`)
  return result
}

test('a decoded message is handed over once, for the very payload object it was decoded from', (t) => {
  const handoff = new DecodedHandoff()
  const payload = Buffer.from(contractPayload(TOPIC, 'handed'))
  const message = decoded(TOPIC, payload)
  handoff.remember(TOPIC, payload, message)
  t.is(handoff.take(TOPIC, Buffer.from(payload)), undefined, 'the same bytes in another Buffer: not handed over')
  t.is(handoff.take(TOPIC, payload), message)
  t.is(handoff.take(TOPIC, payload), undefined, 'taken once')
})

test('a payload object under another topic is not handed over, and the entry is gone', (t) => {
  const handoff = new DecodedHandoff()
  const payload = Buffer.from(contractPayload(TOPIC, 'other topic'))
  handoff.remember(TOPIC, payload, decoded(TOPIC, payload))
  t.is(handoff.take(buildTopic({ tenantId: 't1', hostId: 'h2', leaf: 'state' }), payload), undefined)
  t.is(handoff.take(TOPIC, payload), undefined)
})

test('what is never taken is forgotten after two generations', (t) => {
  const handoff = new DecodedHandoff({ generation: 3 })
  const payloads = Array.from({ length: 7 }, (_, i) => Buffer.from(contractPayload(TOPIC, `n${i}`)))
  for (const payload of payloads) handoff.remember(TOPIC, payload, decoded(TOPIC, payload))
  // Generations of 3: [0 1 2] set aside at the third, [3 4 5] at the sixth, [6] current.
  t.deepEqual(
    payloads.map((payload) => handoff.take(TOPIC, payload) !== undefined),
    [false, false, false, true, true, true, true],
  )
})
