import test from 'ava'
import { parseManagerConfig } from '../../manager/config/config.ts'
import { disruptionsAllowed, type Budget } from './kubernetes-budget.ts'
import { configOf, managerOf, mountedFiles, secretsOf, selects, type Workload } from './kubernetes-pod.ts'
import { named, OVERLAYS, rendered, type K8sObject } from './kubernetes-support.ts'

/**
 * The manager's workload per overlay, as kubectl renders it: `single` is a StatefulSet of one pod on SQLite and its
 * PersistentVolumeClaim; `external` a Deployment of replicas on PostgreSQL (no claim), rolled one at a time, spread
 * over nodes and zones, with a PodDisruptionBudget that lets a drain through yet keeps replicas up. Both pods carry
 * their own name for the MQTT client id.
 */

const budgetOf = (objects: readonly K8sObject[]): Budget => {
  const budget = named<Budget>(objects, 'PodDisruptionBudget', 'amt-manager')
  if (budget === undefined) throw new Error('no PodDisruptionBudget amt-manager')
  return budget
}

const dataVolume = (set: Workload) => set.spec.template.spec.volumes?.find((volume) => volume.name === 'data')

for (const overlay of OVERLAYS) {
  test(`${overlay}: the pod's name is its AMT_MANAGER_INSTANCE (one MQTT client id per replica)`, async (t) => {
    const { manager } = managerOf(await rendered(overlay))
    const instance = manager.env?.find((variable) => variable.name === 'AMT_MANAGER_INSTANCE')
    t.is(instance?.valueFrom?.fieldRef?.fieldPath, 'metadata.name')
  })
}

test('single: a StatefulSet of one pod on SQLite, its data on a PersistentVolumeClaim', async (t) => {
  const objects = await rendered('single')
  const { set, manager } = managerOf(objects)
  t.is(set.kind, 'StatefulSet')
  t.is(set.spec.replicas, 1, 'SQLite: one writer')
  t.deepEqual(
    set.spec.volumeClaimTemplates?.map((claim) => claim.metadata.name),
    ['data'],
  )
  t.is(dataVolume(set), undefined, 'data is the claim, not a pod volume')
  const config = configOf(objects) as { database?: { engine: string } }
  t.is(config.database?.engine ?? 'sqlite', 'sqlite')
  const configFile = manager.env?.find((variable) => variable.name === 'AMT_MANAGER_CONFIG')?.value
  t.is(configFile, '/etc/amt-manager/config.yaml', '`tokens` exec’d in the pod open the configured store on the claim')
  t.is(disruptionsAllowed(budgetOf(objects), 1), 1, 'a drain restarts the one pod, it never waits')
})

test('external: a Deployment of replicas rolled one at a time, with no PersistentVolumeClaim', async (t) => {
  const objects = await rendered('external')
  const { set, manager } = managerOf(objects)
  t.is(set.kind, 'Deployment')
  t.true(set.spec.replicas >= 2, `replicas ${set.spec.replicas}`)
  t.deepEqual(set.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } })
  t.is(set.spec.volumeClaimTemplates, undefined)
  t.false(
    objects.some((object) => object.kind === 'PersistentVolumeClaim'),
    'no claim',
  )
  t.like(dataVolume(set), { emptyDir: { medium: 'Memory' } }, 'the bootstrap admin token never on a node disk')
  t.false(
    (manager.env ?? []).some((variable) => variable.name === 'AMT_MANAGER_TOKENS_FILE'),
    'API tokens are in the database, not in a file',
  )
  t.true(
    (manager.env ?? []).some((variable) => variable.name === 'AMT_MANAGER_CONFIG'),
    '`tokens` exec’d in a pod open the database of its configuration',
  )
})

test('external: replicas prefer distinct nodes and spread over zones, selecting their own pods', async (t) => {
  const { set, pod } = managerOf(await rendered('external'))
  const labels = set.spec.template.metadata.labels
  const terms = pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
  const onNodes = terms.find(({ podAffinityTerm }) => podAffinityTerm.topologyKey === 'kubernetes.io/hostname')
  t.truthy(onNodes, 'preferred anti-affinity on kubernetes.io/hostname')
  t.true(selects(onNodes?.podAffinityTerm.labelSelector?.matchLabels, labels), 'it selects the replicas')
  const zones = pod.topologySpreadConstraints?.find(({ topologyKey }) => topologyKey === 'topology.kubernetes.io/zone')
  t.like(zones, { whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 1 })
  t.true(selects(zones?.labelSelector?.matchLabels, labels), 'the spread counts the replicas')
})

test('external: the PodDisruptionBudget lets a drain evict one replica and keeps the others up, for any N >= 2', async (t) => {
  const objects = await rendered('external')
  const { set } = managerOf(objects)
  const budget = budgetOf(objects)
  t.true(selects(budget.spec.selector.matchLabels, set.spec.template.metadata.labels), 'the budget covers the pods')
  const replicas = set.spec.replicas
  const allowed = disruptionsAllowed(budget, replicas)
  t.true(allowed >= 1, `a drain can evict (${allowed} of ${replicas})`)
  t.true(replicas - allowed >= 1, `${replicas - allowed} of ${replicas} stay up`)
  for (const n of [2, 3, 5]) {
    t.is(disruptionsAllowed(budget, n), 1, `one at a time at N = ${n}`)
  }
  t.is(budget.spec.unhealthyPodEvictionPolicy, 'AlwaysAllow', 'a crash-looping replica never blocks a drain')
})

test('external: config.yaml uses PostgreSQL over verified TLS, its password and CA from the Secret amt-manager-postgres', async (t) => {
  const objects = await rendered('external')
  const { pod, manager } = managerOf(objects)
  const read: string[] = []
  const readFile = (file: string) => {
    read.push(file)
    return 'from-a-mounted-file\n'
  }
  const result = parseManagerConfig(configOf(objects), { env: {}, readFile })
  if (!result.ok) return t.fail(result.problems.join('\n'))
  const { database } = result.config
  if (database.engine !== 'postgres') return t.fail(`database.engine ${database.engine}`)
  t.regex(database.postgres.url, /[?&]sslmode=verify-full(&|$)/)
  t.is(database.postgres.password?.reveal(), 'from-a-mounted-file')
  t.is(database.postgres.ca, 'from-a-mounted-file\n')
  const files = ['/run/secrets/amt-manager/postgres/password', '/run/secrets/amt-manager/postgres/ca.crt']
  const mounted = mountedFiles(pod, manager)
  for (const file of files) {
    t.true(read.includes(file), `the config names ${file}`)
    t.true(mounted.has(file), `${file} is mounted`)
  }
  t.true(secretsOf(pod, manager).includes('amt-manager-postgres'))
  const volume = pod.volumes?.find((candidate) => candidate.secret?.secretName === 'amt-manager-postgres')
  t.like(volume, { secret: { defaultMode: 0o440 } }, 'read by group 10001 only, as the other Secrets')
})
