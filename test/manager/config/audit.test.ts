import test from 'ava'
import { parseManagerConfig } from '../../../manager/config/config.ts'
import { DEFAULT_AUDIT_RETENTION } from '../../../manager/core/audit-retention.ts'
import { DEFAULT_DEADLINES } from '../../../manager/core/flows/deadlines.ts'
import { DEFAULT_EVENT_BUDGET, DEFAULT_SECRET_REQUEST_BUDGET } from '../../../manager/core/report-budgets.ts'

const parse = (document: unknown) => parseManagerConfig(document, { env: {}, baseDir: '/etc/amt', readFile: () => 'x' })

test('audit: the defaults of the config are the core defaults', (t) => {
  const result = parse({})
  if (!result.ok) return t.fail(result.problems.join('\n'))
  t.deepEqual(result.config.audit.retention, DEFAULT_AUDIT_RETENTION)
  t.deepEqual(result.config.audit.events, DEFAULT_EVENT_BUDGET)
  t.deepEqual(result.config.audit.secretRequests, DEFAULT_SECRET_REQUEST_BUDGET)
})

test('deadlines: the defaults of the config are the core defaults', (t) => {
  const result = parse({})
  if (!result.ok) return t.fail(result.problems.join('\n'))
  t.deepEqual(result.config.deadlines, DEFAULT_DEADLINES)
})

test('audit: set values pass through; bad ones are reported with their key paths', (t) => {
  const result = parse({
    audit: { retention: { maxAgeDays: 7, securityMaxAgeDays: 3650 }, events: { perMinute: 120 } },
  })
  if (!result.ok) return t.fail(result.problems.join('\n'))
  t.like(result.config.audit, {
    retention: { maxAgeDays: 7, maxEventsPerHost: 1000, securityMaxAgeDays: 3650 },
    events: { perMinute: 120, burst: 60 },
  })
  const bad = parse({ audit: { retention: { maxEventsPerHost: 0, keepForever: true }, events: { burst: 0 } } })
  t.false(bad.ok)
  const problems = bad.ok ? '' : bad.problems.join('\n')
  t.regex(problems, /audit\.retention\.maxEventsPerHost/)
  t.regex(problems, /audit\.events\.burst/)
  t.regex(problems, /keepForever/)
})
