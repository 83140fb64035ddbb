import type { z } from 'zod'

/**
 * The one way a failed zod parse is told to a person: config files, credential and token files, device models, rpc
 * output, MQTT payloads and the answers of RPS/MPS all say `path: message`, the path dot-joined and `(root)` for the
 * value itself, so an operator finds the key at once. Here, in schemas/, because every layer may import it.
 */

/** A failed parse: the ZodError (classic or zod/mini) or its issues. */
export type IssueSource = z.core.$ZodError | readonly z.core.$ZodIssue[]

export interface DescribeIssuesOptions {
  /** An unknown key reads `unknown key(s) a, b` (the wording of the config files) instead of zod's message. */
  listUnknownKeys?: boolean
}

/** One line per issue: `path: message`. */
export function describeIssues(source: IssueSource, options: DescribeIssuesOptions = {}): string[] {
  const issues = 'issues' in source ? source.issues : source
  return issues.map((issue) => `${pathOf(issue)}: ${messageOf(issue, options)}`)
}

/** The first `max` issues (default: all) of describeIssues on one line, `; ` between them: for an error message. */
export function describeIssuesInline(
  source: IssueSource,
  { max, ...options }: DescribeIssuesOptions & { max?: number } = {},
): string {
  return describeIssues(source, options).slice(0, max).join('; ')
}

function pathOf(issue: z.core.$ZodIssue): string {
  return issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'
}

function messageOf(issue: z.core.$ZodIssue, { listUnknownKeys = false }: DescribeIssuesOptions): string {
  if (listUnknownKeys && issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.join(', ')}`
  return issue.message
}
