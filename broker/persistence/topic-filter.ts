import { QlobberTrue } from 'qlobber'

/** MQTT's filter syntax in qlobber's terms; an empty level is a level (`a/+/b` matches `a//b`). */
const MQTT_FILTERS = { separator: '/', wildcard_one: '+', wildcard_some: '#', match_empty_levels: true } as const

/**
 * A test of concrete topics against one MQTT subscription filter (MQTT 3.1.1 §4.7), built once per filter and scan:
 * qlobber (what aedes and aedes-persistence match with) does the levels, `+` exactly one level, a final `#` every
 * remaining level and the parent level itself (`a/#` matches `a`). qlobber knows nothing of `$` topics: a topic
 * starting with `$` is never matched by a filter whose first level is a wildcard (MQTT-4.7.2-1).
 * Topics and filters have at most 100 levels (aedes refuses more before they reach the persistence; qlobber's limit).
 */
export function topicFilterTest(filter: string): (topic: string) => boolean {
  const matcher = new QlobberTrue(MQTT_FILTERS).add(filter)
  const wildcardFirst = filter.startsWith('+') || filter.startsWith('#')
  return (topic) => !(wildcardFirst && topic.startsWith('$')) && matcher.test(topic)
}
