import { filterOfQuery, hostsUrl, nextPageOf, previousPageOf, type HostTableQuery } from '../data/host-table-query.ts'
import type { HostTablePage } from '../data/host-table-page.ts'
import type { PageFrame } from '../page-frame.ts'
import { BulkActivatePanel } from './bulk-activate-panel.tsx'
import { HostsFilterForm } from './hosts-filter-form.tsx'
import { HostsTable } from './hosts-table.tsx'
import { Layout } from './layout.tsx'

export interface HostsPageProps {
  frame: PageFrame
  tenantId: string
  query: HostTableQuery
  page: HostTablePage
  /** The caller may act (operator, admin): checkboxes and the bulk activation. */
  canAct: boolean
}

/** "1–50 of 10,000": the rows shown and how many match. */
function rangeOf(query: HostTableQuery, page: HostTablePage): string {
  if (page.hosts.length === 0) return `0 of ${page.total.toLocaleString('en')}`
  const last = query.start + page.hosts.length - 1
  return `${query.start.toLocaleString('en')}–${last.toLocaleString('en')} of ${page.total.toLocaleString('en')}`
}

/** The tenant's hosts: filters, a sortable page of rows (kept live by the page script), paging, bulk activation. */
export function HostsPage({ frame, tenantId, query, page, canAct }: HostsPageProps) {
  const range = rangeOf(query, page)
  const previous = previousPageOf(query)
  return (
    <Layout title={`Hosts of ${tenantId}`} tenantId={tenantId} {...frame}>
      <h1>{`Hosts of ${tenantId}`}</h1>
      <HostsFilterForm tenantId={tenantId} query={query} />
      {canAct ? <BulkActivatePanel tenantId={tenantId} filter={filterOfQuery(query)} total={page.total} /> : null}
      <HostsTable
        tenantId={tenantId}
        query={query}
        hosts={page.hosts}
        caption={`Hosts of ${tenantId}: ${range}`}
        selectable={canAct}
      />
      <nav class="table-pager" aria-label="Pages">
        {previous === null ? null : (
          <a href={hostsUrl(tenantId, previous)} rel="prev" data-testid="page-previous">
            Previous
          </a>
        )}
        <span data-testid="page-range">{range}</span>
        {page.nextCursor === null ? null : (
          <a
            href={hostsUrl(tenantId, nextPageOf(query, page.nextCursor, page.hosts.length))}
            rel="next"
            data-testid="page-next"
          >
            Next
          </a>
        )}
      </nav>
    </Layout>
  )
}
