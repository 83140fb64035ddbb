/**
 * Whether a concrete topic matches an MQTT subscription filter (MQTT 3.1.1 §4.7): `+` is exactly one level, a final
 * `#` is every remaining level and the parent level itself (`a/#` matches `a`). A topic starting with `$` is never
 * matched by a filter whose first level is a wildcard (MQTT-4.7.2-1).
 */
export function topicMatchesFilter(topic: string, filter: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false
  const topicLevels = topic.split('/')
  const filterLevels = filter.split('/')
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i]
    if (level === '#') return i === filterLevels.length - 1
    if (i >= topicLevels.length) return false
    if (level !== '+' && level !== topicLevels[i]) return false
  }
  return filterLevels.length === topicLevels.length
}
