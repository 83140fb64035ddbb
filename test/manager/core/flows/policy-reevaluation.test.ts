import test, { type ExecutionContext } from 'ava'
import type { AmtPolicy, HostPatch } from '../../../../manager/inventory/port.ts'
import type { BodyOf } from '../../../../schemas/index.ts'
import {
  AgentMessages,
  capable,
  seedHost,
  startTestCore,
  TENANT,
  type TestCore,
} from '../../../helpers/manager-core.ts'

/** A core whose tenant has group `berlin` (label site=berlin) with this policy, and a labelled host. */
async function setUp(t: ExecutionContext, policy: AmtPolicy, patches: HostPatch[] = []) {
  const test: TestCore = await startTestCore(t)
  const host = await seedHost(test.inventory, 'h-1', [{ labels: { site: 'berlin' } }, ...patches])
  await test.inventory.putGroup({
    tenantId: TENANT,
    name: 'berlin',
    selector: { labels: { site: 'berlin' } },
    priority: 10,
    policy,
  })
  const agent = new AgentMessages(host)
  /** Dispatches a capability report and waits for the core (and the policy re-evaluation it started). */
  const report = async (body: BodyOf<'capability'> = capable('AMT')) => {
    const { topic, payload } = agent.encode('capability', body)
    t.like(await test.dispatch(topic, payload, true), { outcome: 'accepted' })
    await test.core.idle()
    return test.inventory.getHost(host)
  }
  const policyAudit = async () =>
    (await test.inventory.listAudit(TENANT, { hostId: host.hostId })).filter((event) =>
      event.actor.startsWith('policy:'),
    )
  return { ...test, host, agent, report, policyAudit }
}

test('a new node in a CCM group gets desired PROVISIONED CCM from its first capability report, audited', async (t) => {
  const { report, policyAudit, outbound, host } = await setUp(t, { amt: 'ccm' })
  const stored = await report()
  t.like(stored, { desiredState: 'PROVISIONED', controlMode: 'CCM', desiredGeneration: 1 })
  t.like(outbound.last(host, 'desired'), { state: 'PROVISIONED', controlMode: 'CCM', generation: 1 })
  const events = await policyAudit()
  t.is(events.length, 1)
  t.like(events[0], { kind: 'desired.set', actor: 'policy:group:berlin', detail: { state: 'PROVISIONED' } })
})

test('the same facts again (a reconnect, a control mode that moved) change nothing: no loop', async (t) => {
  const { report, policyAudit, agent, core, inventory, host } = await setUp(t, { amt: 'ccm' })
  await report()
  // The operator deactivates the host by hand: the policy does not fight it while the facts stay the same.
  await core.setDesired({ keys: [host] }, { state: 'UNPROVISIONED' }, 'api:operator')
  agent.reboot()
  await report()
  await report({ ...capable('AMT'), controlMode: 'CCM' })
  t.like(await inventory.getHost(host), { desiredState: 'UNPROVISIONED', desiredGeneration: 2 })
  t.is((await policyAudit()).length, 1)
})

test('a group with policy "none" leaves its hosts untouched', async (t) => {
  const { report, policyAudit } = await setUp(t, { amt: 'none' })
  t.like(await report(), { desiredState: 'UNSPECIFIED', desiredGeneration: 0 })
  t.deepEqual(await policyAudit(), [])
})

test('a host pending deletion or with an operation in flight is not touched', async (t) => {
  const deleting = await setUp(t, { amt: 'ccm' }, [{ desiredState: 'UNPROVISIONED', deletion: 'pending' }])
  t.like(await deleting.report(), { desiredState: 'UNPROVISIONED', desiredGeneration: 1 })
  const busy = await setUp(t, { amt: 'ccm' }, [{ desiredState: 'PROVISIONED', controlMode: 'ACM' }])
  t.like(await busy.report(), { desiredState: 'PROVISIONED', controlMode: 'ACM', desiredGeneration: 1 })
  t.deepEqual(await busy.policyAudit(), [])
})

test('a FAILED activation is retried by the policy only when the facts change', async (t) => {
  const failed: HostPatch = { desiredState: 'PROVISIONED', controlMode: 'CCM', statusIndicator: 'ERROR' }
  const { report, policyAudit, inventory, host } = await setUp(t, { amt: 'ccm' })
  await report()
  await inventory.updateHost(host, { statusIndicator: 'ERROR', status: 'AMT Activation Failed' })
  await report({ ...capable('AMT'), controlMode: 'PRE_PROVISIONING' })
  t.like(await inventory.getHost(host), { desiredGeneration: 1 }, 'same facts: not retried')
  t.like(await report({ ...capable('AMT'), amtVersion: '16.1.30' }), { ...failed, desiredGeneration: 2 })
  t.is((await policyAudit()).length, 2)
})

test('an override wins over the group: deactivate a host the group would activate', async (t) => {
  const { report, policyAudit } = await setUp(t, { amt: 'ccm' }, [
    { policyOverride: { amt: 'deactivate' }, currentState: 'PROVISIONED' },
  ])
  t.like(await report(), { desiredState: 'UNPROVISIONED', desiredGeneration: 1 })
  t.like((await policyAudit())[0], { actor: 'policy:override' })
})
