import test from 'ava'
import { topicFilterTest } from '../../../broker/persistence/topic-filter.ts'

const cases: ReadonlyArray<[topic: string, filter: string, matches: boolean]> = [
  ['amt/v1/t1/h1/desired', 'amt/v1/t1/h1/desired', true],
  ['amt/v1/t1/h1/desired', 'amt/v1/t1/h1/status', false],
  ['amt/v1/t1/h1/desired', 'amt/v1/+/+/desired', true],
  ['amt/v1/t1/h1/secret/res', 'amt/v1/+/+/+', false], // `+` is one level
  ['amt/v1/t1/h1/secret/res', 'amt/v1/+/+/+/res', true],
  ['amt/v1/t1/h1/secret/res', 'amt/v1/t1/#', true],
  ['amt/v1/t1', 'amt/v1/t1/#', true], // `#` covers the parent level too (MQTT 3.1.1 §4.7.1.2)
  ['amt/v1/t2/h1/desired', 'amt/v1/t1/#', false],
  ['amt/v1/t1/h1/desired', '#', true],
  ['amt/v1/t1/h1/desired', 'amt/v1/t1/h1/desired/+', false],
  ['amt/v1/t1/h1/desired', 'amt/v1/t1/h1', false],
  ['amt/v1/t1/h1/desired', 'amt/+', false],
  ['$SYS/broker/heartbeat', '#', false], // MQTT-4.7.2-1
  ['$SYS/broker/heartbeat', '+/broker/heartbeat', false],
  ['$SYS/broker/heartbeat', '$SYS/#', true],
  ['a//b', 'a/+/b', true], // an empty level is a level
]

for (const [topic, filter, matches] of cases)
  test(`${filter} ${matches ? 'matches' : 'does not match'} ${topic}`, (t) => {
    t.is(topicFilterTest(filter)(topic), matches)
  })
