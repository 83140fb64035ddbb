import type { AuditEventView } from '../../api/views.ts'
import type { AuditClass } from '../../inventory/port.ts'
import { consolePaths } from '../paths.ts'

const AUDIT_PANEL_ID = 'host-audit'

/** Which page of the audit trail: older than `before` (absent: the newest), of one class or all. */
export interface AuditQuery {
  before?: number
  class?: AuditClass
}

export interface AuditPage {
  events: AuditEventView[]
  /** Pass as `before` for the older page; null on the oldest page. */
  nextBefore: number | null
}

const CLASSES: readonly { value: AuditClass | undefined; label: string }[] = [
  { value: undefined, label: 'All' },
  { value: 'security', label: 'Security' },
  { value: 'activity', label: 'Device activity' },
]

/** The host page's URL of an audit page (query string only; the route reads `before` and `class`). */
function auditHref(tenantId: string, hostId: string, query: AuditQuery): string {
  const params = new URLSearchParams()
  if (query.class !== undefined) params.set('class', query.class)
  if (query.before !== undefined) params.set('before', String(query.before))
  const search = params.toString()
  return `${consolePaths.host(tenantId, hostId)}${search === '' ? '' : `?${search}`}#${AUDIT_PANEL_ID}`
}

/**
 * The audit trail, newest first, one page at a time ("Older" / "Newest" links), filtered by class. A fragment of its
 * own (GET …/fragments/audit): the page script swaps in the first page when the host changes.
 */
export function HostAuditPanel(props: { tenantId: string; hostId: string; query: AuditQuery; page: AuditPage }) {
  const { tenantId, hostId, query, page } = props
  const firstPage = query.before === undefined
  return (
    <section
      id={AUDIT_PANEL_ID}
      data-testid="host-audit"
      data-first-page={String(firstPage)}
      aria-labelledby="audit-title"
    >
      <h2 id="audit-title">Audit trail</h2>
      <nav aria-label="Audit class" class="filters">
        {CLASSES.map(({ value, label }) => (
          <a
            key={label}
            href={auditHref(tenantId, hostId, value === undefined ? {} : { class: value })}
            data-testid={`audit-class-${value ?? 'all'}`}
            {...(query.class === value ? { 'aria-current': 'page' } : {})}
          >
            {label}
          </a>
        ))}
      </nav>
      <table data-testid="audit-table">
        <caption>{`Newest first${firstPage ? '' : `, older than event ${query.before}`}`}</caption>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Time</th>
            <th scope="col">Kind</th>
            <th scope="col">Class</th>
            <th scope="col">Actor</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {page.events.length === 0 ? (
            <tr>
              <td colSpan={6}>No events.</td>
            </tr>
          ) : (
            page.events.map((event) => (
              <tr key={event.id} data-testid="audit-event" data-event-id={event.id}>
                <td>{event.id}</td>
                <td>
                  <time dateTime={event.ts}>{event.ts}</time>
                </td>
                <td>{event.kind}</td>
                <td>{event.class}</td>
                <td>{event.actor}</td>
                <td>
                  <code class="detail">{event.detail === null ? '' : JSON.stringify(event.detail)}</code>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <p class="pager">
        {firstPage ? null : (
          <a href={auditHref(tenantId, hostId, withClass({}, query))} data-testid="audit-newest">
            Newest
          </a>
        )}
        {page.nextBefore === null ? null : (
          <a
            href={auditHref(tenantId, hostId, withClass({ before: page.nextBefore }, query))}
            data-testid="audit-older"
          >
            Older
          </a>
        )}
      </p>
    </section>
  )
}

const withClass = (target: AuditQuery, { class: auditClass }: AuditQuery): AuditQuery =>
  auditClass === undefined ? target : { ...target, class: auditClass }
