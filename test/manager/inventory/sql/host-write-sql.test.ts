import test from 'ava'
import { applyHostPatch, newHost } from '../../../../manager/inventory/host-patch.ts'
import type { Host } from '../../../../manager/inventory/port.ts'
import { hostWriteOf } from '../../../../manager/inventory/sql/host-write-sql.ts'
import { HOST_COLUMNS, HOST_FIELD_COLUMNS, hostToRow } from '../../../../manager/inventory/sql/rows.ts'

const now = new Date('2030-01-02T03:04:05.678Z')
const later = new Date('2030-01-02T03:05:00.000Z')
const stored: Host = {
  ...newHost({ tenantId: 'acme', hostId: 'h1', labels: { site: 'berlin' } }, now),
  capability: null,
  bootId: 'boot-1',
  lastSeq: { state: 3 },
  phase: 'ACTIVATING',
}

test('every column of the hosts table is the column of one Host field', (t) => {
  t.deepEqual(Object.values(HOST_FIELD_COLUMNS).sort(), [...HOST_COLUMNS].sort())
  t.deepEqual(Object.keys(hostToRow(stored)).sort(), [...HOST_COLUMNS].sort())
})

test('a write names only the columns the patch and its derived fields change, encoded as the full row has them', (t) => {
  const patch = {
    phase: 'PROVISIONED' as const,
    status: 'AMT provisioned',
    statusIndicator: 'IDLE' as const,
    lastSeq: { state: 4 },
    bootId: 'boot-1',
    online: false,
    lastSeen: later.toISOString(),
  }
  const next = applyHostPatch(stored, patch, later)
  const { columns, params } = hostWriteOf(stored, next, patch)
  t.deepEqual(columns.sort(), [
    'last_seen',
    'last_seq',
    'phase',
    'status',
    'status_indicator',
    'status_timestamp',
    'updated_at',
    'version',
  ])
  const row = hostToRow(next)
  for (const column of [...columns, 'tenant_id', 'host_id'] as const) t.is(params[column], row[column], column)
  t.is(params['last_seq'], '{"state":4}')
})

test('a patch that changes nothing visible still writes the version and the time; JSON fields by their value', (t) => {
  const next = applyHostPatch(stored, { phase: 'ACTIVATING', labels: { site: 'paris' } }, later)
  const { columns, params } = hostWriteOf(stored, next, { phase: 'ACTIVATING', labels: { site: 'paris' } })
  t.deepEqual(columns.sort(), ['labels', 'updated_at', 'version'])
  t.is(params['labels'], '{"site":"paris"}')
  t.is(params['version'], stored.version + 1)
})
