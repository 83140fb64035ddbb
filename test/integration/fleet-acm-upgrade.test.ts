import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { DEFAULT_CERTIFICATE_HASHES } from '../../agent/amt/device-root-hashes.ts'
import type { HostCredentials } from '../../agent/simulate/index.ts'
import { pfxCertificates } from '../../manager/dmt/provisioning-certificate.ts'
import { factsOfPem } from '../../manager/dmt/provisioning-certificate-facts.ts'
import { tempDir } from '../e2e/support/processes.ts'
import { createPfxKit } from '../helpers/pfx.ts'
import { describeMisses, registerFleet, startFleet, startFleetManager, TENANT, until } from './fleet-harness.ts'

/**
 * The CCM → ACM upgrade end to end: the real manager (embedded broker, SQLite) and a fleet of real agents on simulated
 * AMT. Hosts registered with the label of an `auto` group activate in CCM (the tenant has no provisioning certificate:
 * not ACM-eligible); the manager restarts with the tenant's certificate, which makes most of them eligible; the
 * group's policy applied as a rollout upgrades them (deactivate, activate in ACM), and each REPORTS ACM. Hosts whose
 * DNS suffix no certificate serves stay in CCM, untouched.
 */
const COUNT = 24
/** Every INELIGIBLE_EVERY-th host (index % 4 === 3) has a DNS suffix no certificate serves. */
const INELIGIBLE_EVERY = 4
const SUFFIX = 'corp.example.com'
/** Each wait is bounded: 24 agents and the manager in one process settle in seconds; a loaded 2-core machine is slower. */
const STEP_MS = 60_000

const eligibleIndex = (index: number) => index % INELIGIBLE_EVERY !== INELIGIBLE_EVERY - 1

test(`auto group: ${COUNT} hosts activate in CCM, become ACM-eligible, and a policy rollout upgrades the eligible ones to ACM`, async (t) => {
  t.timeout(200_000)
  const pfx = await (await createPfxKit(t)).make(SUFFIX)
  const chain = (pfxCertificates(pfx.provisioningCert, pfx.provisioningCertPassword) ?? []).map((c) => c.toString())
  const chainFile = path.join(await tempDir(t, 'amt-acm-upgrade-'), 'chain.pem')
  await writeFile(chainFile, chain.join(''))
  const root = factsOfPem(chain.join(''))?.root
  if (!root) throw new Error('the chain holds its root')
  const ourRoot = {
    Name: 'Test Provisioning Root',
    Hash: root.sha256,
    Algorithm: 'SHA256',
    IsActive: true,
    IsDefault: false,
  }

  // No provisioning certificate yet: no host is ACM-eligible.
  const manager = await startFleetManager(t)
  const registered = await registerFleet(manager, COUNT, { site: 'berlin' })
  const group = await manager.api('PUT', `/api/v1/tenants/${TENANT}/groups/berlin`, {
    selector: { labels: { site: 'berlin' } },
    priority: 10,
    policy: { amt: 'auto' },
  })
  t.is(group.status, 200)
  const hosts: HostCredentials[] = registered.map((host, index) => ({
    ...host,
    kind: 'amt',
    firmware: {
      dnsSuffix: eligibleIndex(index) ? SUFFIX : 'other.test',
      certificateHashes: [...DEFAULT_CERTIFICATE_HASHES, ourRoot],
    },
  }))
  const eligible = new Set(hosts.filter((_, index) => eligibleIndex(index)).map((host) => host.hostId))
  const { fleet } = startFleet(t, manager, hosts)
  await fleet.start()

  await until(
    async () => {
      const stored = await manager.hosts()
      const misses = stored.filter(
        (host) =>
          !(host.currentState === 'PROVISIONED' && host.reportedControlMode === 'CCM' && host.observedGeneration === 1),
      )
      return misses.length === 0 || describeMisses(misses, COUNT)
    },
    'every host activated in CCM by its group (auto, not eligible) at its first report',
    STEP_MS,
  )
  const first = await manager.hosts()
  t.true(
    first.every(
      (host) => host.desiredState === 'PROVISIONED' && host.controlMode === 'CCM' && host.desiredGeneration === 1,
    ),
  )
  const before = await manager.api<{ total: number }>('GET', `/api/v1/tenants/${TENANT}/groups/berlin/drift`)
  t.is(before.json.total, 0, 'CCM is what auto asks of a host that is not eligible')

  // The tenant gets its provisioning certificate: the manager restarts with it; the agents reconnect.
  await manager.restart(undefined, { acm: { provisioningCertificates: [{ tenantId: TENANT, chainFile }] } })
  const eligibility = await manager.api<{ eligible: boolean; reason?: string }>(
    'GET',
    `/api/v1/tenants/${TENANT}/hosts/${registered[0]?.hostId ?? ''}/acm-eligibility`,
  )
  t.like(eligibility.json, { eligible: true })
  const ineligible = await manager.api<{ eligible: boolean; reason?: string }>(
    'GET',
    `/api/v1/tenants/${TENANT}/hosts/${registered[INELIGIBLE_EVERY - 1]?.hostId ?? ''}/acm-eligibility`,
  )
  t.like(ineligible.json, { eligible: false, reason: 'NO_CERTIFICATE_FOR_SUFFIX' })
  const drift = await manager.api<{ total: number }>('GET', `/api/v1/tenants/${TENANT}/groups/berlin/drift`)
  t.is(drift.json.total, eligible.size, 'the eligible hosts drift (desired CCM, policy ACM); nothing changed by itself')
  t.true(
    (await manager.hosts()).every((host) => host.desiredGeneration === 1),
    'no desired written before the rollout',
  )

  const applied = await manager.api<{
    rollouts: Array<{ rolloutId: string; amtControlMode?: string }>
    skipped: unknown[]
  }>('POST', `/api/v1/tenants/${TENANT}/groups/berlin/rollout`, {
    controls: { maxConcurrent: 8, maxStartsPerMinute: 6000 },
  })
  t.is(applied.status, 200)
  t.is(applied.json.rollouts.length, 1, 'one action: PROVISIONED ACM for one suffix')
  const rolloutId = applied.json.rollouts[0]?.rolloutId ?? ''
  const rolloutOf = async () =>
    (
      await manager.api<{ state: string; progress: Record<string, unknown> }>(
        'GET',
        `/api/v1/tenants/${TENANT}/rollouts/${rolloutId}`,
      )
    ).json
  await until(
    async () => {
      const rollout = await rolloutOf()
      return rollout.state === 'completed' || `${rollout.state}: ${JSON.stringify(rollout.progress)}`
    },
    'the upgrade rollout completed',
    STEP_MS,
  )
  t.like((await rolloutOf()).progress, { targeted: eligible.size, succeeded: eligible.size, failed: 0 })

  const stored = await manager.hosts()
  const upgraded = stored.filter((host) => eligible.has(host.hostId))
  const stayed = stored.filter((host) => !eligible.has(host.hostId))
  t.is(upgraded.length, eligible.size)
  t.deepEqual(
    upgraded
      .filter(
        (host) =>
          !(
            host.reportedControlMode === 'ACM' &&
            host.currentState === 'PROVISIONED' &&
            host.controlMode === 'ACM' &&
            host.observedGeneration === 2
          ),
      )
      .map((host) => host.hostId),
    [],
    'every eligible host REPORTS ACM on the rollout generation',
  )
  t.true(stayed.length > 0)
  t.deepEqual(
    stayed
      .filter(
        (host) => !(host.reportedControlMode === 'CCM' && host.controlMode === 'CCM' && host.desiredGeneration === 1),
      )
      .map((host) => host.hostId),
    [],
    'the hosts that are not eligible stay in CCM, untouched',
  )

  // What each agent ran, from its rpc.finished events (operation@generation): activate in CCM (generation 1), then
  // deactivate and activate in ACM (generation 2, the rollout's), each once.
  for (const host of stored) {
    const events = await manager.running.inventory.listAudit(TENANT, { hostId: host.hostId, limit: 1000 })
    const operations = events
      .filter((event) => event.kind === 'agent.rpc.finished')
      .reverse()
      .map((event) => event.detail as { generation?: number; detail?: { operation?: string } })
      .map(({ generation, detail }) => `${detail?.operation ?? '?'}@${generation ?? '?'}`)
    t.deepEqual(
      operations,
      eligible.has(host.hostId) ? ['activate@1', 'deactivate@2', 'activate@2'] : ['activate@1'],
      host.hostId,
    )
  }
})
