import test from 'ava'
import {
  decidingGroup,
  differsFromTarget,
  effectivePolicy,
  groupHolds,
} from '../../../manager/core/effective-policy.ts'
import type { ProvisioningCertificateFacts } from '../../../manager/dmt/provisioning-certificate-facts.ts'
import { newHost } from '../../../manager/inventory/host-patch.ts'
import type { AmtPolicy, Host, HostGroup } from '../../../manager/inventory/port.ts'
import { EXAMPLES } from '../../../schemas/contract/examples.ts'
import type { Capability } from '../../../schemas/messages/capability.ts'

const NOW = new Date('2026-06-01T00:00:00.000Z')
const ROOT = { commonName: 'Root', sha256: 'cd'.repeat(32), sha384: 'ef'.repeat(48) }
const CERT: ProvisioningCertificateFacts = {
  domainSuffix: 'corp.example.com',
  commonName: 'prov.corp.example.com',
  notBefore: new Date('2026-01-01T00:00:00.000Z'),
  notAfter: new Date('2027-01-01T00:00:00.000Z'),
  root: ROOT,
}
const ELIGIBLE: Partial<Capability> = {
  dnsSuffix: 'site.corp.example.com',
  trustedRootHashes: [{ name: 'Root', algorithm: 'SHA256', hash: ROOT.sha256, active: true, default: false }],
}

function host(more: Partial<Host> = {}, capability: Partial<Capability> | null = {}): Host {
  const base = newHost({ tenantId: 't', hostId: 'h' }, NOW)
  const report = capability === null ? null : { ...EXAMPLES.capability, ...capability }
  const sku = report === null || !report.capable ? 'UNSPECIFIED' : report.sku
  return { ...base, capability: report, sku, ...more }
}

const group = (name: string, policy: AmtPolicy, more: Partial<HostGroup> = {}): HostGroup => ({
  tenantId: 't',
  name,
  selector: {},
  priority: 10,
  policy,
  version: 1,
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  ...more,
})

test('a selector holds a host when every label and every fact matches', (t) => {
  const berlin = host({ labels: { site: 'berlin', model: 'nuc' } }, { amtVersion: '16.1.27', sku: 'AMT' })
  const holds = (selector: HostGroup['selector']) => groupHolds({ selector }, berlin)
  t.true(holds({}))
  t.true(holds({ labels: { site: 'berlin' } }))
  t.true(holds({ labels: { site: 'berlin', model: 'nuc' }, facts: { capability: 'AMT', amtVersionPrefix: '16.' } }))
  t.false(holds({ labels: { site: 'berlin', model: 'other' } }))
  t.false(holds({ labels: { rack: '' } }))
  t.false(holds({ facts: { capability: 'ISM' } }))
  t.false(holds({ facts: { sku: 'ISM' } }))
  t.true(holds({ facts: { sku: 'AMT' } }))
  t.false(holds({ facts: { amtVersionPrefix: '15.' } }))
  t.false(groupHolds({ selector: { facts: { capability: 'AMT' } } }, host({}, null)))
  t.true(groupHolds({ selector: { facts: { capability: 'UNKNOWN' } } }, host({}, null)))
  t.true(groupHolds({ selector: { facts: { capability: 'NONE' } } }, host({}, { capable: false, reason: 'x' })))
})

test('the holding group of the lowest priority decides; ties by name; the override wins over every group', (t) => {
  const groups = [
    group('zeta', { amt: 'ccm' }, { priority: 5 }),
    group('alpha', { amt: 'deactivate' }, { priority: 5 }),
    group('first', { amt: 'acm' }, { priority: 1, selector: { labels: { site: 'paris' } } }),
    group('late', { amt: 'none' }, { priority: 100 }),
  ]
  t.is(decidingGroup(host(), groups)?.name, 'alpha')
  t.is(decidingGroup(host({ labels: { site: 'paris' } }), groups)?.name, 'first')
  t.is(decidingGroup(host(), []), null)
  const viaGroup = effectivePolicy(host(), groups, [], NOW)
  t.is(viaGroup.source, 'group:alpha')
  t.deepEqual(viaGroup.target, { state: 'UNPROVISIONED' })
  const overridden = effectivePolicy(host({ policyOverride: { amt: 'ccm' } }), groups, [], NOW)
  t.is(overridden.source, 'override')
  t.deepEqual(overridden.policy, { amt: 'ccm' })
  t.deepEqual(overridden.target, { state: 'PROVISIONED', controlMode: 'CCM' })
})

test('no policy, "none", no capability report and a host that cannot do AMT imply nothing, with the reason', (t) => {
  const none = effectivePolicy(host(), [], [], NOW)
  t.deepEqual(none, {
    policy: null,
    source: 'none',
    target: null,
    reason: { code: 'NOT_MANAGED', message: 'no group holds the host and it has no override' },
  })
  const unmanaged = effectivePolicy(host(), [group('g', { amt: 'none' })], [], NOW)
  t.is(unmanaged.source, 'group:g')
  t.is(unmanaged.target, null)
  t.is(unmanaged.reason?.code, 'NOT_MANAGED')
  const ccm = [group('g', { amt: 'ccm' })]
  t.deepEqual(effectivePolicy(host({}, null), ccm, [], NOW).reason, {
    code: 'NO_CAPABILITY_FACTS',
    message: 'the agent has not reported its capability yet',
  })
  const notCapable = effectivePolicy(host({}, { capable: false, reason: 'no ME device' }), ccm, [], NOW)
  t.is(notCapable.target, null)
  t.deepEqual(notCapable.reason, { code: 'AMT_NOT_CAPABLE', message: 'AMT is not capable: no ME device' })
})

test('acm and auto follow ACM eligibility: ACM when eligible, else the fallback (auto: CCM) or nothing', (t) => {
  const policyOf = (policy: AmtPolicy, capability: Partial<Capability>) =>
    effectivePolicy(host({}, capability), [group('g', policy)], [CERT], NOW)
  for (const policy of [{ amt: 'acm' }, { amt: 'acm', acmFallback: 'none' }, { amt: 'auto' }] as AmtPolicy[]) {
    const eligible = policyOf(policy, ELIGIBLE)
    t.deepEqual(eligible.target, { state: 'PROVISIONED', controlMode: 'ACM' }, policy.amt)
    t.is(eligible.acmEligibility?.eligible, true)
    t.is(eligible.reason, undefined)
  }
  const auto = policyOf({ amt: 'auto' }, { dnsSuffix: 'other.example.net' })
  t.deepEqual(auto.target, { state: 'PROVISIONED', controlMode: 'CCM' })
  t.deepEqual(auto.reason, {
    code: 'ACM_NOT_ELIGIBLE',
    message: 'not ACM-eligible: no provisioning certificate for suffix other.example.net',
  })
  const fallback = policyOf({ amt: 'acm', acmFallback: 'ccm' }, { ...ELIGIBLE, trustedRootHashes: [] })
  t.deepEqual(fallback.target, { state: 'PROVISIONED', controlMode: 'CCM' })
  t.is(fallback.acmEligibility?.eligible === false && fallback.acmEligibility.reason, 'ROOT_HASH_NOT_TRUSTED')
  const strict = policyOf({ amt: 'acm', acmFallback: 'none' }, { dnsSuffix: '', dnsSuffixOS: '' })
  t.is(strict.target, null)
  t.is(strict.reason?.code, 'ACM_NOT_ELIGIBLE')
  t.regex(strict.reason?.message ?? '', /neither AMT nor the operating system reports a DNS suffix/)
})

test('a desired differs from the target in state or, when PROVISIONED, control mode', (t) => {
  const ccm = { state: 'PROVISIONED', controlMode: 'CCM' } as const
  t.true(differsFromTarget(host(), ccm))
  t.false(differsFromTarget(host({ desiredState: 'PROVISIONED', controlMode: 'CCM' }), ccm))
  t.true(differsFromTarget(host({ desiredState: 'PROVISIONED', controlMode: 'ACM' }), ccm))
  t.true(differsFromTarget(host({ desiredState: 'UNPROVISIONED' }), ccm))
  const off = { state: 'UNPROVISIONED' } as const
  t.false(differsFromTarget(host(), off), 'never asked for and not reported on: nothing to deactivate')
  t.true(differsFromTarget(host({ currentState: 'PROVISIONED' }), off))
  t.true(differsFromTarget(host({}, { controlMode: 'ACM' }), off), 'activated elsewhere: the capability report says so')
  t.true(differsFromTarget(host({ desiredState: 'PROVISIONED' }), off))
  t.false(differsFromTarget(host({ desiredState: 'UNPROVISIONED', controlMode: 'ACM' }), off))
  t.false(differsFromTarget(host(), null))
})
