import { z } from 'zod'
import { AgentPhase, AmtControlMode, AmtSku } from '../../../schemas/enums.ts'
import { ApiError } from '../../api/errors.ts'
import { API_MAX_PAGE_SIZE, LabelConditions } from '../../api/params.ts'
import { labelConditionText, type LabelCondition } from '../../inventory/labels.ts'
import { consolePaths } from '../paths.ts'
import { HOST_CAPABILITIES, HOST_CONDITIONS, HOST_SORT_KEYS, type HostSort } from '../../inventory/host-filter.ts'

/** The hosts table's query string: the API's filters and sort, a page size, and where the page is in the list. */

export const PAGE_SIZES = [25, 50, 100, 200] as const
const DEFAULT_PAGE_SIZE = 50
/** Earlier cursors kept for "Previous" (the API pages forward only). */
const MAX_TRAIL = 100
/** The trail's mark for the first page (it has no cursor). */
const FIRST_PAGE = '-'

/** An empty form field or a repeated parameter counts as absent. */
const optional = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => (value === '' || Array.isArray(value) ? undefined : value), schema.optional())

/**
 * `label`: the API's conditions (`key=value`, `key`), repeatable as in the API; the filter form's one text field
 * sends them separated by spaces or commas (neither is in a label key or value). Parsed by the API's parser.
 */
const labelTexts = (value: unknown): unknown[] =>
  (Array.isArray(value) ? (value as unknown[]) : [value]).flatMap((item) =>
    typeof item === 'string' ? item.split(/[\s,]+/).filter((text) => text !== '') : [item],
  )
const Labels = z.preprocess(
  (value) => (value === undefined ? undefined : labelTexts(value)),
  LabelConditions.transform((conditions) => (conditions === undefined || conditions.length === 0 ? undefined : conditions)),
)

const SORTS = [...HOST_SORT_KEYS, ...HOST_SORT_KEYS.map((key) => `-${key}` as const)] as [HostSort, ...HostSort[]]

const TableQuery = z.object({
  capability: optional(z.enum(HOST_CAPABILITIES)),
  condition: optional(z.enum(HOST_CONDITIONS)),
  sku: optional(AmtSku),
  controlMode: optional(AmtControlMode),
  online: optional(z.stringbool()),
  phase: optional(AgentPhase),
  search: optional(z.string().trim().max(128)).transform((value) => (value === '' ? undefined : value)),
  label: Labels,
  sort: optional(z.enum(SORTS)).default('hostId'),
  limit: optional(z.coerce.number().int().min(1).max(API_MAX_PAGE_SIZE)).default(DEFAULT_PAGE_SIZE),
  cursor: optional(z.string().max(512)),
  /** The 1-based position of the page's first row ("51–100 of N"). */
  start: optional(z.coerce.number().int().min(1)).default(1),
  /** The cursors of the pages before this one, dot-separated. */
  back: optional(z.string().max(64 * 1024)).transform((value) => (value === undefined ? [] : value.split('.'))),
})
export type HostTableQuery = z.output<typeof TableQuery>

const FILTER_KEYS = ['capability', 'condition', 'sku', 'controlMode', 'online', 'phase', 'search'] as const
/** The bulk API's `filter` body: the API's filters, the labels as their texts. */
export type HostTableFilter = Partial<Pick<HostTableQuery, (typeof FILTER_KEYS)[number]>> & { label?: string[] }

/** A link's query: any part of a table query. */
type TableLink = Partial<HostTableQuery>

/** Parses the table's query string; a bad value is VALIDATION_FAILED (the console shows it as a 400 page). */
export function parseHostTableQuery(query: unknown): HostTableQuery {
  const parsed = TableQuery.safeParse(query ?? {})
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')
  throw new ApiError('VALIDATION_FAILED', `invalid hosts query: ${problems}`)
}

/** The filters the query sets (absent ones left out): also the bulk API's `filter` body. */
export function filterOfQuery(query: TableLink): HostTableFilter {
  const set = FILTER_KEYS.flatMap((key) => (query[key] === undefined ? [] : [[key, query[key]]]))
  const filter = Object.fromEntries(set) as HostTableFilter
  return query.label === undefined ? filter : { ...filter, label: query.label.map(labelConditionText) }
}

/** The label conditions of a query as the filter form's field shows them (`site=berlin rack`). */
export const labelFieldOf = (query: TableLink): string =>
  (query.label ?? []).map((condition: LabelCondition) => labelConditionText(condition)).join(' ')

/** The table's URL for a query (defaults left out, so links stay short). */
export function hostsUrl(tenantId: string, query: TableLink): string {
  const params = new URLSearchParams()
  for (const key of FILTER_KEYS) if (query[key] !== undefined) params.set(key, String(query[key]))
  for (const condition of query.label ?? []) params.append('label', labelConditionText(condition))
  if (query.sort !== undefined && query.sort !== 'hostId') params.set('sort', query.sort)
  if (query.limit !== undefined && query.limit !== DEFAULT_PAGE_SIZE) params.set('limit', String(query.limit))
  if (query.cursor !== undefined) params.set('cursor', query.cursor)
  if (query.start !== undefined && query.start > 1) params.set('start', String(query.start))
  if (query.back !== undefined && query.back.length > 0) params.set('back', query.back.join('.'))
  const search = params.toString()
  return search === '' ? consolePaths.hosts(tenantId) : `${consolePaths.hosts(tenantId)}?${search}`
}

/** The first page of the same filters, sort and page size. */
export const firstPageOf = (query: HostTableQuery): TableLink => ({
  ...filterOfQuery(query),
  label: query.label,
  sort: query.sort,
  limit: query.limit,
})

/** The page after this one (it showed `shown` rows). */
export function nextPageOf(query: HostTableQuery, nextCursor: string, shown: number): TableLink {
  const back = [...query.back, query.cursor ?? FIRST_PAGE].slice(-MAX_TRAIL)
  return { ...firstPageOf(query), cursor: nextCursor, start: query.start + shown, back }
}

/** The page before this one; null on the first page. */
export function previousPageOf(query: HostTableQuery): TableLink | null {
  if (query.cursor === undefined) return null
  const cursor = query.back.at(-1)
  const start = Math.max(1, query.start - query.limit)
  if (cursor === undefined || cursor === FIRST_PAGE) return firstPageOf(query)
  return { ...firstPageOf(query), cursor, start, back: query.back.slice(0, -1) }
}
