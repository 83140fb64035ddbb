import type { HostView } from '../../api/views.ts'
import type { AmtSummary } from './host-amt-summary.ts'
import { FIELD_GROUPS, labelOf, ungroupedFields } from './host-field-groups.ts'
import { FieldValue } from './field-values.tsx'

const FIELDS_PANEL_ID = 'host-fields'

/**
 * The host's fields panel: the AMT summary, then every field of the API's host view by group. A fragment of its own
 * (GET …/fragments/fields): the page script swaps it in when the host changes.
 */
export function HostFieldsPanel({ view, summary, now }: { view: HostView; summary: AmtSummary; now: Date }) {
  const other = ungroupedFields(view)
  const groups =
    other.length === 0
      ? FIELD_GROUPS
      : [...FIELD_GROUPS, { id: 'other', title: 'Other fields', fields: other, wide: false }]
  return (
    <section
      id={FIELDS_PANEL_ID}
      data-testid="host-fields"
      data-condition={summary.condition}
      data-deletion={view.deletion}
      aria-label="Host fields"
    >
      <AmtSummaryBox summary={summary} />
      <div class="field-groups">
        {groups.map((group) => (
          <section
            key={group.id}
            class={group.wide === true ? 'field-group wide' : 'field-group'}
            aria-labelledby={`group-${group.id}`}
          >
            <h2 id={`group-${group.id}`}>{group.title}</h2>
            <dl class="fields">
              {group.fields.map((field) => (
                <div key={field}>
                  <dt>{labelOf(field)}</dt>
                  <dd data-testid={`field-${field}`} data-field={field}>
                    <FieldValue field={field} view={view} now={now} />
                  </dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </section>
  )
}

/** The AMT state in words (never colour alone): NOT_SUPPORTED reads apart from FAILED, with reason and rpc error. */
function AmtSummaryBox({ summary }: { summary: AmtSummary }) {
  const { rpcError } = summary
  return (
    <div class={`amt-summary tone-${summary.tone}`} data-testid="amt-summary">
      <p>
        {'AMT: '}
        <strong class={`state-${summary.tone}`} data-testid="amt-condition" data-condition={summary.condition}>
          {summary.label}
        </strong>
      </p>
      {summary.reason === null ? null : (
        <p data-testid="amt-reason">
          {summary.condition === 'NOT_SUPPORTED' ? 'Why: ' : 'Status: '}
          {summary.reason}
        </p>
      )}
      {rpcError === null ? null : (
        <p data-testid="amt-rpc-error">
          {'rpc error: '}
          <code>{rpcError.name}</code>
          {rpcError.code === null ? ' (rpc did not exit by itself)' : ` (exit code ${rpcError.code})`}
          {rpcError.message === '' ? null : ` — ${rpcError.message}`}
        </p>
      )}
    </div>
  )
}

/** The panel of a host that is gone: deleted (its audit trail stays readable). */
export function DeletedHostPanel({ hostId }: { hostId: string }) {
  return (
    <section id={FIELDS_PANEL_ID} data-testid="host-fields" data-condition="DELETED" aria-label="Host fields">
      <div class="amt-summary tone-na" data-testid="host-deleted">
        <p>
          <strong>Deleted</strong>
          {`: host ${hostId} is no longer in the inventory. Its audit trail stays below.`}
        </p>
      </div>
    </section>
  )
}
