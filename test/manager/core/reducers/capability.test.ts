import test from 'ava'
import type { HostPatch } from '../../../../manager/inventory/port.ts'
import { AgentMessages, capable, notCapable, seedHost, startTestCore } from '../../../helpers/manager-core.ts'

const REQUESTED_AT = new Date().toISOString()

interface Row {
  before: HostPatch[]
  report: ReturnType<typeof capable>
  expect: { sku: string; status: string; statusIndicator: string; activationPending?: boolean }
}

/** The correlation table: host state × capability report → stored fields. */
const TABLE: Record<string, Row> = {
  'fresh host, AMT': {
    before: [],
    report: capable('AMT'),
    expect: { sku: 'AMT', status: 'Unknown', statusIndicator: 'UNSPECIFIED' },
  },
  'fresh host, ISM': {
    before: [],
    report: capable('ISM'),
    expect: { sku: 'ISM', status: 'Unknown', statusIndicator: 'UNSPECIFIED' },
  },
  'fresh host, not capable: an error with the reason': {
    before: [],
    report: notCapable('no AMT Pro or ISM bit in the SKU (0x2)'),
    expect: {
      sku: 'UNSPECIFIED',
      status: 'AMT not supported: no AMT Pro or ISM bit in the SKU (0x2)',
      statusIndicator: 'ERROR',
    },
  },
  'activation asked, not capable: the deadline is dropped': {
    before: [{ desiredState: 'PROVISIONED', activationRequestedAt: REQUESTED_AT }],
    report: notCapable('no ME device'),
    expect: { sku: 'UNSPECIFIED', status: 'AMT not supported: no ME device', statusIndicator: 'ERROR' },
  },
  'activation asked, capable: the deadline runs on': {
    before: [{ desiredState: 'PROVISIONED', activationRequestedAt: REQUESTED_AT }],
    report: capable('AMT'),
    expect: { sku: 'AMT', status: 'Unknown', statusIndicator: 'UNSPECIFIED', activationPending: true },
  },
  'was not supported, now capable: status back to Unknown': {
    before: [{ sku: 'UNSPECIFIED', status: 'AMT not supported: ME disabled', statusIndicator: 'ERROR' }],
    report: capable('AMT'),
    expect: { sku: 'AMT', status: 'Unknown', statusIndicator: 'UNSPECIFIED' },
  },
  'provisioned AMT host, capable again: status kept': {
    before: [{ sku: 'AMT', status: 'AMT Activation Done', statusIndicator: 'IDLE', currentState: 'PROVISIONED' }],
    report: capable('AMT'),
    expect: { sku: 'AMT', status: 'AMT Activation Done', statusIndicator: 'IDLE' },
  },
}

for (const [name, row] of Object.entries(TABLE)) {
  test(`capability: ${name}`, async (t) => {
    const { dispatch, inventory, outbound } = await startTestCore(t)
    const before = await seedHost(inventory, 'h-1', row.before)
    const agent = new AgentMessages(before)
    const { topic, payload } = agent.encode('capability', row.report)
    t.like(await dispatch(topic, payload, true), { outcome: 'accepted' })
    const stored = await inventory.getHost(before)
    const { activationPending = false, ...fields } = row.expect
    t.like(stored, { ...fields, lastSeq: { capability: 0 }, agentKind: 'mqtt' })
    t.like(stored.capability, { capable: row.report.capable, sku: row.report.sku, bootId: agent.bootId })
    t.is(stored.activationRequestedAt !== null, activationPending)
    t.like(outbound.last(before, 'status'), fields)
  })
}

test('capability: the same content again (new seq) is not stored again', async (t) => {
  const { dispatch, inventory } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  const first = agent.encode('capability', capable('AMT'))
  await dispatch(first.topic, first.payload, false)
  const stored = await inventory.getHost(host)
  const again = agent.encode('capability', capable('AMT'))
  t.like(await dispatch(again.topic, again.payload, false), { outcome: 'accepted', changed: false })
  const after = await inventory.getHost(host)
  t.deepEqual(after.capability, stored.capability)
  t.is(after.lastSeq.capability, 1)
})

test('capability from a gRPC agent (ReportAMTStatus ENABLED ISM) sets the sku only', async (t) => {
  const { core, inventory } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  await core.record(host, { kind: 'capability', facts: { capable: true, sku: 'ISM' } }, { kind: 'grpc' })
  t.like(await inventory.getHost(host), { sku: 'ISM', capability: null, agentKind: 'grpc', status: 'Unknown' })
  const disabled = { capable: false, sku: 'UNSPECIFIED', reason: 'reported DISABLED by the agent' } as const
  await core.record(host, { kind: 'capability', facts: disabled }, { kind: 'grpc' })
  t.like(await inventory.getHost(host), {
    sku: 'UNSPECIFIED',
    status: 'AMT not supported: reported DISABLED by the agent',
    statusIndicator: 'ERROR',
  })
})
