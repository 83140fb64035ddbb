import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import type { AcmEligibility } from '../../manager/core/acm-eligibility.ts'
import { pfxCertificates } from '../../manager/dmt/provisioning-certificate.ts'
import { factsOfPem } from '../../manager/dmt/provisioning-certificate-facts.ts'
import { DEFAULT_CERTIFICATE_HASHES } from '../../agent/amt/device-root-hashes.ts'
import type { HostCredentials } from '../../agent/simulate/index.ts'
import { tempDir } from '../e2e/support/processes.ts'
import { createPfxKit } from '../helpers/pfx.ts'
import { runCli } from '../manager/cli/run-cli.ts'
import { FLEET_TEST_MS, registerFleet, startFleet, startFleetManager, TENANT, until } from './fleet-harness.ts'

// ACM eligibility end to end: simulated hosts (real agent code, per-host DNS suffix and root hashes) report through
// the embedded broker into the real manager's Inventory; GET …/acm-eligibility answers each host's verdict against
// the tenant's provisioning certificate chain from the config (`acm`, a PEM file made with openssl).

const SUFFIX = 'corp.example.com'

test('the capability report carries the suffixes and root hashes into Inventory; the API answers each host’s reason', async (t) => {
  t.timeout(FLEET_TEST_MS)
  const pfx = await (await createPfxKit(t)).make(SUFFIX)
  const chain = pfxCertificates(pfx.provisioningCert, pfx.provisioningCertPassword) ?? []
  const chainFile = path.join(await tempDir(t, 'amt-acm-chain-'), 'chain.pem')
  await writeFile(chainFile, chain.map((cert) => cert.toString()).join(''))
  const root = factsOfPem(chain.map((cert) => cert.toString()).join(''))?.root
  if (!root) throw new Error('the chain holds its root')
  const ourRoot = {
    Name: 'Test Provisioning Root',
    Hash: root.sha256,
    Algorithm: 'SHA256',
    IsActive: true,
    IsDefault: false,
  }

  const manager = await startFleetManager(t, { acm: { provisioningCertificates: [{ tenantId: TENANT, chainFile }] } })
  const registered = await registerFleet(manager, 4)
  const firmware: HostCredentials[] = registered.map((host, index) => {
    const dnsSuffix = index === 2 ? 'other.test' : SUFFIX
    const certificateHashes = index === 1 ? [...DEFAULT_CERTIFICATE_HASHES] : [...DEFAULT_CERTIFICATE_HASHES, ourRoot]
    return {
      ...host,
      firmware: { dnsSuffix, dnsSuffixOS: 'os.example.net', certificateHashes },
      ...(index === 3 ? { faults: { garbageCertificates: true } } : {}),
    }
  })
  const { fleet } = startFleet(t, manager, firmware)
  await fleet.start()
  await until(async () => {
    const waiting = (await manager.hosts()).filter((host) => host.capability === null)
    return waiting.length === 0 || `${waiting.length} hosts without a capability report`
  }, 'every capability report in Inventory')

  const stored = new Map((await manager.hosts()).map((host) => [host.hostId, host.capability]))
  const first = stored.get('node-001')
  t.like(first, { dnsSuffix: SUFFIX, dnsSuffixOS: 'os.example.net' })
  t.deepEqual(
    first?.trustedRootHashes?.map((hash) => hash.hash),
    [...DEFAULT_CERTIFICATE_HASHES.map((hash) => hash.Hash), root.sha256],
  )
  t.false('trustedRootHashes' in (stored.get('node-004') ?? {}), 'unreadable hashes: the report leaves them out')
  t.like(stored.get('node-004'), { capable: true, dnsSuffix: SUFFIX }, 'the rest of the report is intact')

  const verdict = async (hostId: string) => {
    const answer = await manager.api<AcmEligibility>('GET', `/api/v1/tenants/${TENANT}/hosts/${hostId}/acm-eligibility`)
    t.is(answer.status, 200)
    return answer.json
  }
  t.deepEqual(await verdict('node-001'), {
    eligible: true,
    via: { suffix: SUFFIX, suffixSource: 'amt', certificate: `host.${SUFFIX}`, expiresAt: pfx.notAfter.toISOString() },
  })
  t.like(await verdict('node-002'), { eligible: false, reason: 'ROOT_HASH_NOT_TRUSTED' })
  t.deepEqual(await verdict('node-003'), {
    eligible: false,
    reason: 'NO_CERTIFICATE_FOR_SUFFIX',
    message: 'no provisioning certificate for suffix other.test',
  })
  t.like(await verdict('node-004'), { eligible: false, reason: 'NO_ROOT_HASHES' })

  const token = (await readFile(manager.running.adminTokenFile, 'utf8')).trim()
  const env = { AMT_MANAGER_URL: manager.running.apiUrl, AMT_MANAGER_TOKEN: token }
  const shown = await runCli(env, ['hosts', 'show', TENANT, 'node-003'])
  t.is(shown.code, 0, shown.stderr)
  t.regex(
    shown.stdout,
    /^acm eligibility:\s+no — NO_CERTIFICATE_FOR_SUFFIX: no provisioning certificate for suffix other\.test$/m,
  )
  const eligible = await runCli(env, ['hosts', 'show', TENANT, 'node-001', '--json'])
  t.like(JSON.parse(eligible.stdout), { acmEligibility: { eligible: true, via: { suffix: SUFFIX } } })
  const missing = await manager.api('GET', `/api/v1/tenants/${TENANT}/hosts/node-404/acm-eligibility`)
  t.is(missing.status, 404)
})
