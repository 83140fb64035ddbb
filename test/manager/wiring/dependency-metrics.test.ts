import test from 'ava'
import { Registry } from 'prom-client'
import { silentLogger } from '../../../lib/log.ts'
import { dependencyMetrics } from '../../../manager/wiring/dependency-metrics.ts'
import { createDmt } from '../../../manager/dmt/create-dmt.ts'
import { metricSum, parseMetrics } from '../../helpers/metrics-text.ts'
import { dmtConfigOf, MemoryPasswords, startFakeMps, startFakeRps } from '../dmt/dmt-harness.ts'
import { localStore, startFakeVault, vaultStore } from '../secrets/support.ts'

async function scrape(registry: Registry, name: string, dependency: string) {
  const samples = parseMetrics(await registry.metrics())
  const present = samples.some((sample) => sample.name === name && sample.labels.dependency === dependency)
  return present ? metricSum(samples, name, { dependency }) : undefined
}

test('Vault is probed at every scrape: up while it answers, 0 and a failure counted while sealed or down', async (t) => {
  const vault = await startFakeVault(t)
  const registry = new Registry()
  dependencyMetrics(registry, { secretStore: vaultStore(t, vault), healthTimeoutMs: 10_000 })
  t.is(await scrape(registry, 'amt_manager_dependency_up', 'vault'), 1)
  await vault.setFault({ kind: 'sealed' })
  t.is(await scrape(registry, 'amt_manager_dependency_up', 'vault'), 0)
  await vault.setFault({ kind: 'down' })
  t.is(await scrape(registry, 'amt_manager_dependency_up', 'vault'), 0)
  t.true(((await scrape(registry, 'amt_manager_dependency_failures_total', 'vault')) ?? 0) >= 2)
  await vault.setFault(null)
  t.is(await scrape(registry, 'amt_manager_dependency_up', 'vault'), 1, 'up again once it answers')
})

test('a local secret store is no dependency: no vault series', async (t) => {
  const registry = new Registry()
  dependencyMetrics(registry, { secretStore: await localStore(t) })
  t.is(await scrape(registry, 'amt_manager_dependency_up', 'vault'), undefined)
})

test('RPS and MPS: the outcome of the latest call (a 4xx answer is reachable; refused connections are not)', async (t) => {
  const [rps, mps] = await Promise.all([startFakeRps(t), startFakeMps(t)])
  const registry = new Registry()
  const reachability = dependencyMetrics(registry)
  const getTenant = () => Promise.reject(new Error('not used'))
  const findHost = () => Promise.reject(new Error('not used'))
  const dmt = createDmt(dmtConfigOf(rps, mps), {
    getTenant,
    findHost,
    passwords: new MemoryPasswords(),
    log: silentLogger(),
    reachability,
  })
  t.is(await scrape(registry, 'amt_manager_dependency_up', 'rps'), undefined, 'no series before the first call')

  await dmt.rps.listProfiles()
  t.is(await dmt.rps.getProfile('absent'), null, 'a 404 is an answer')
  await dmt.mps.getCiraCertificate()
  t.is(await scrape(registry, 'amt_manager_dependency_up', 'rps'), 1)
  t.is(await scrape(registry, 'amt_manager_dependency_up', 'mps'), 1)

  await rps.server.down()
  await t.throwsAsync(dmt.rps.listProfiles(), { message: /RPS unavailable/ })
  t.is(await scrape(registry, 'amt_manager_dependency_up', 'rps'), 0)
  t.is(await scrape(registry, 'amt_manager_dependency_failures_total', 'rps'), 1)
  t.is(await scrape(registry, 'amt_manager_dependency_up', 'mps'), 1, 'MPS is another series')
})
