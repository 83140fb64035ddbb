import { AgentPhase, AmtControlMode, AmtSku } from '../../../schemas/enums.ts'
import { HOST_CAPABILITIES, HOST_CONDITIONS } from '../../inventory/host-filter.ts'
import { labelFieldOf, PAGE_SIZES, type HostTableQuery } from '../data/host-table-query.ts'
import { consolePaths } from '../paths.ts'
import { CAPABILITY_LABELS, CONDITION_LABELS } from './host-labels.ts'

interface Choice {
  value: string
  label: string
}

const choices = (values: readonly string[], labels?: Readonly<Record<string, string>>): Choice[] =>
  values.map((value) => ({ value, label: labels?.[value] ?? value }))

interface SelectProps {
  name: string
  label: string
  value: string
  options: Choice[]
  /** Offer "any" (no filter); default true. */
  any?: boolean
}

function Select({ name, label, value, options, any = true }: SelectProps) {
  const id = `filter-${name}`
  return (
    <p class="field">
      <label for={id}>{label}</label>
      <select id={id} name={name} data-testid={id}>
        {any ? <option value="">any</option> : null}
        {options.map((option) => (
          <option key={option.value} value={option.value} selected={option.value === value}>
            {option.label}
          </option>
        ))}
      </select>
    </p>
  )
}

/** The table's filters as a plain GET form: works without the script; the names are the API's query parameters. */
export function HostsFilterForm({ tenantId, query }: { tenantId: string; query: HostTableQuery }) {
  const value = (key: 'capability' | 'condition' | 'sku' | 'controlMode' | 'online' | 'phase') =>
    query[key] === undefined ? '' : String(query[key])
  return (
    <form
      class="host-filters"
      method="get"
      action={consolePaths.hosts(tenantId)}
      role="search"
      aria-label="Filter hosts"
    >
      <p class="field">
        <label for="filter-search">Search id or name</label>
        <input id="filter-search" name="search" type="search" value={query.search ?? ''} maxLength={128} />
      </p>
      <p class="field">
        <label for="filter-label">Labels</label>
        <input
          id="filter-label"
          name="label"
          type="text"
          value={labelFieldOf(query)}
          placeholder="site=berlin rack"
          aria-describedby="filter-label-hint"
          autocomplete="off"
          spellcheck={false}
          data-testid="filter-label"
        />
        <small id="filter-label-hint">key=value or key, separated by spaces; every one must hold</small>
      </p>
      <Select
        name="capability"
        label="Capability"
        value={value('capability')}
        options={choices(HOST_CAPABILITIES, CAPABILITY_LABELS)}
      />
      <Select
        name="condition"
        label="AMT state"
        value={value('condition')}
        options={choices(HOST_CONDITIONS, CONDITION_LABELS)}
      />
      <Select name="sku" label="SKU" value={value('sku')} options={choices(AmtSku.options)} />
      <Select
        name="controlMode"
        label="Control mode"
        value={value('controlMode')}
        options={choices(AmtControlMode.options)}
      />
      <Select
        name="online"
        label="Presence"
        value={value('online')}
        options={[
          { value: 'true', label: 'online' },
          { value: 'false', label: 'offline' },
        ]}
      />
      <Select name="phase" label="Agent phase" value={value('phase')} options={choices(AgentPhase.options)} />
      <Select
        name="limit"
        label="Per page"
        value={String(query.limit)}
        any={false}
        options={[...new Set([...PAGE_SIZES, query.limit])]
          .sort((a, b) => a - b)
          .map((size) => ({ value: String(size), label: String(size) }))}
      />
      {query.sort === 'hostId' ? null : <input type="hidden" name="sort" value={query.sort} />}
      <p class="field actions">
        <button type="submit" class="primary" data-testid="filter-apply">
          Apply
        </button>{' '}
        <a href={consolePaths.hosts(tenantId)}>Clear</a>
      </p>
    </form>
  )
}
