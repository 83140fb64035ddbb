import type { Host } from '../../inventory/port.ts'
import type { HostSortKey } from '../../inventory/host-filter.ts'
import { firstPageOf, hostsUrl, type HostTableQuery } from '../data/host-table-query.ts'
import { HostRow } from './host-row.tsx'

const COLUMNS: readonly { label: string; sort?: HostSortKey }[] = [
  { label: 'Host id', sort: 'hostId' },
  { label: 'Name', sort: 'name' },
  { label: 'Capability', sort: 'capability' },
  { label: 'Control mode' },
  { label: 'AMT state', sort: 'condition' },
  { label: 'Online', sort: 'online' },
  { label: 'Last seen', sort: 'lastSeen' },
  { label: 'Power' },
  { label: 'Generation (observed / desired)' },
]

function SortHeader({
  tenantId,
  query,
  label,
  sort,
}: {
  tenantId: string
  query: HostTableQuery
  label: string
  sort: HostSortKey
}) {
  const direction = query.sort === sort ? 'ascending' : query.sort === `-${sort}` ? 'descending' : undefined
  const next = direction === 'ascending' ? (`-${sort}` as const) : sort
  const hint =
    direction === 'ascending' ? ' (sorted ascending)' : direction === 'descending' ? ' (sorted descending)' : ''
  return (
    <th scope="col" {...(direction === undefined ? {} : { 'aria-sort': direction })}>
      <a href={hostsUrl(tenantId, { ...firstPageOf(query), sort: next })} data-testid={`sort-${sort}`}>
        {label}
        {hint === '' ? null : <span class="visually-hidden">{hint}</span>}
        {direction === undefined ? null : <span aria-hidden="true">{direction === 'ascending' ? ' ▲' : ' ▼'}</span>}
      </a>
    </th>
  )
}

/**
 * The hosts of one page: sortable column headers (links), one row per host, a checkbox column for bulk actions. In a
 * container of its own that scrolls sideways when the window is narrower than the table (a tablet), not the page.
 */
export function HostsTable(props: {
  tenantId: string
  query: HostTableQuery
  hosts: readonly Host[]
  caption: string
  selectable: boolean
}) {
  const { tenantId, query, hosts, caption, selectable } = props
  return (
    <div class="table-scroll">
      <table data-testid="hosts-table" data-live-rows={tenantId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {selectable ? (
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select all hosts on this page"
                  data-bulk-page
                  data-testid="select-page"
                />
              </th>
            ) : null}
            {COLUMNS.map(({ label, sort }) =>
              sort === undefined ? (
                <th scope="col" key={label}>
                  {label}
                </th>
              ) : (
                <SortHeader key={label} tenantId={tenantId} query={query} label={label} sort={sort} />
              ),
            )}
          </tr>
        </thead>
        <tbody>
          {hosts.length === 0 ? (
            <tr>
              <td colSpan={COLUMNS.length + (selectable ? 1 : 0)} data-testid="no-hosts">
                No host matches.
              </td>
            </tr>
          ) : (
            hosts.map((host) => <HostRow key={host.hostId} host={host} selectable={selectable} />)
          )}
        </tbody>
      </table>
    </div>
  )
}
