import test from 'ava'
import { z } from 'zod'
import { describeIssues, describeIssuesInline } from '../../schemas/issues.ts'

const Shape = z.strictObject({ port: z.int().max(65535), tls: z.strictObject({ certFile: z.string() }).optional() })

const failureOf = (value: unknown): z.ZodError => {
  const parsed = Shape.safeParse(value)
  if (parsed.success) throw new Error('expected a failure')
  return parsed.error
}

test('one line per issue: the dot-joined path, then the message; (root) for the value itself', (t) => {
  t.deepEqual(describeIssues(failureOf({ port: 70_000, tls: { certFile: 1 } })), [
    'port: Too big: expected number to be <=65535',
    'tls.certFile: Invalid input: expected string, received number',
  ])
  t.deepEqual(describeIssues(failureOf('yes')), ['(root): Invalid input: expected object, received string'])
})

test("unknown keys: zod's message, or listed in the config files' wording", (t) => {
  const error = failureOf({ port: 1, tls: { certFile: 'c', keyfile: 'k' }, extra: 1, more: 2 })
  t.deepEqual(describeIssues(error), ['tls: Unrecognized key: "keyfile"', '(root): Unrecognized keys: "extra", "more"'])
  t.deepEqual(describeIssues(error, { listUnknownKeys: true }), [
    'tls: unknown key(s) keyfile',
    '(root): unknown key(s) extra, more',
  ])
  t.deepEqual(
    describeIssues(error.issues, { listUnknownKeys: true }),
    describeIssues(error, { listUnknownKeys: true }),
    'the issues alone',
  )
})

test('inline: the first max issues on one line', (t) => {
  const error = failureOf({ port: 'x', tls: { certFile: 1 }, extra: 1 })
  t.is(describeIssuesInline(error, { max: 1 }), 'port: Invalid input: expected number, received string')
  t.is(describeIssuesInline(error, { max: 2 }), `${describeIssues(error).slice(0, 2).join('; ')}`)
  t.is(describeIssuesInline(error, { listUnknownKeys: true }).split('; ').length, 3)
  t.regex(describeIssuesInline(error, { listUnknownKeys: true }), /\(root\): unknown key\(s\) extra$/)
})
