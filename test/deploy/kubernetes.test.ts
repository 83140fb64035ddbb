import { readFile } from 'node:fs/promises'
import test from 'ava'
import { parseManagerConfig, type ManagerConfigFile } from '../../manager/config/config.ts'
import { configOf, managerOf, mountedFiles, portNumber, secretsOf, selects } from './kubernetes-pod.ts'
import type { ConfigMap, Service } from './kubernetes-pod.ts'
import { leaves, named, OVERLAYS, rendered, renderWith, schemaProblems, type K8sObject } from './kubernetes-support.ts'
import type { Overlay } from './kubernetes-support.ts'

/**
 * deploy/kubernetes/ as kubectl renders it: every overlay (and each with the monitoring component) is valid against
 * the Kubernetes schemas, runs the manager locked down, probes the right paths and ports, routes its Services to
 * the pod's ports, and carries a manager config that the manager's own loader accepts with every file it names
 * mounted from a Secret or ConfigMap. No Secret object and no secret value is in the repository.
 */

/** The config file's listeners (the schema's output: defaults applied). */
type Listeners = { api: ManagerConfigFile['api']; ports: Record<string, number | undefined> }

function portsOf(objects: readonly K8sObject[]): Listeners {
  const result = parseManagerConfig(configOf(objects), { env: {}, readFile: () => 'x' })
  if (!result.ok) throw new Error(result.problems.join('\n'))
  const { api, broker, grpc } = result.config
  const embedded = broker.mode === 'embedded' ? broker : undefined
  return { api, ports: { api: api.port, mqtt: embedded?.tcp.port, mqtts: embedded?.tls?.port, grpc: grpc?.port } }
}

const LOCKED_DOWN = {
  runAsNonRoot: true,
  runAsUser: 10001,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  seccompProfile: { type: 'RuntimeDefault' },
}

/** The kinds each overlay renders: its workload, and never a Secret (Secrets are made by the operator). */
const KINDS: Record<Overlay, string[]> = {
  single: ['ConfigMap', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'StatefulSet'],
  external: ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount'],
}

/** The Services of each overlay and the config's port each must reach. */
const SERVICES: Record<Overlay, Array<[string, string]>> = {
  single: [
    ['amt-manager-api', 'api'],
    ['amt-manager-mqtt', 'mqtt'],
    ['amt-manager-mqtt', 'mqtts'],
  ],
  external: [
    ['amt-manager-api', 'api'],
    ['amt-manager-grpc', 'grpc'],
  ],
}

for (const overlay of OVERLAYS) {
  test(`${overlay}: every object is valid against the Kubernetes schemas, and no Secret is in the repository`, async (t) => {
    const objects = await rendered(overlay)
    t.deepEqual((await Promise.all(objects.map(schemaProblems))).flat(), [])
    const kinds = [...new Set(objects.map((object) => object.kind))].sort()
    t.deepEqual(kinds, KINDS[overlay])
    t.true(
      objects.every((object) => object.metadata.namespace === 'amt'),
      'every object in the namespace amt',
    )
  })

  test(`${overlay}: the pod runs as 10001, read-only, without privileges, capabilities or host access`, async (t) => {
    const { pod } = managerOf(await rendered(overlay))
    const podContext = { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 }
    t.like(pod.securityContext, { ...podContext, seccompProfile: { type: 'RuntimeDefault' } })
    t.false(pod.automountServiceAccountToken ?? true, 'no API token mounted by default')
    t.is(pod.serviceAccountName, 'amt-manager')
    t.falsy(pod.hostNetwork ?? pod.hostPID ?? pod.hostIPC, 'no host namespaces')
    t.true(
      (pod.volumes ?? []).every((volume) => volume.hostPath === undefined),
      'no hostPath volume',
    )
    for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
      const context = container.securityContext ?? {}
      t.like(context, LOCKED_DOWN, container.name)
      t.not(context.privileged, true, container.name)
      t.deepEqual(context.capabilities?.drop, ['ALL'], container.name)
      t.is(context.capabilities?.add, undefined, container.name)
      for (const bound of ['requests', 'limits'] as const) {
        const resources = container.resources?.[bound]
        t.truthy(resources?.memory && resources.cpu, `${container.name} ${bound}`)
      }
    }
  })

  test(`${overlay}: liveness probes /healthz, readiness /readyz, on the API port the config listens on`, async (t) => {
    const objects = await rendered(overlay)
    const { manager } = managerOf(objects)
    const { api } = portsOf(objects)
    t.is(api.host, '0.0.0.0', 'the kubelet probes the pod address')
    const probes = [
      ['livenessProbe', '/healthz'],
      ['startupProbe', '/healthz'],
      ['readinessProbe', '/readyz'],
    ] as const
    for (const [probe, pathName] of probes) {
      const get = manager[probe]?.httpGet
      t.is(get?.path, pathName, probe)
      t.is(get && portNumber(manager, get.port), api.port, probe)
    }
  })

  test(`${overlay}: every Service selects the pod and targets its ports, those the config listens on`, async (t) => {
    const objects = await rendered(overlay)
    const { set, manager } = managerOf(objects)
    const labels = set.spec.template.metadata.labels
    for (const service of objects.filter((object): object is Service => object.kind === 'Service')) {
      t.true(selects(service.spec.selector, labels), `${service.metadata.name} selects the pod`)
      for (const port of service.spec.ports)
        t.truthy(portNumber(manager, port.targetPort), `${service.metadata.name} ${port.name}`)
    }
    const { ports } = portsOf(objects)
    for (const [name, listener] of SERVICES[overlay]) {
      const service = named<Service>(objects, 'Service', name)
      const targets = (service?.spec.ports ?? []).map((port) => portNumber(manager, port.targetPort))
      const port = ports[listener]
      t.true(port !== undefined && targets.includes(port), `${name} reaches ${listener} (${port})`)
    }
    type Budget = K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } }
    const budget = named<Budget>(objects, 'PodDisruptionBudget', 'amt-manager')
    t.true(selects(budget?.spec.selector.matchLabels, labels), 'the budget covers the pod')
  })

  test(`${overlay}: config.yaml loads with the manager's config loader, and every file it names is mounted`, async (t) => {
    const objects = await rendered(overlay)
    const { pod, manager } = managerOf(objects)
    const read: string[] = []
    const readFile = (file: string) => {
      read.push(file)
      return 'from-a-mounted-file\n'
    }
    const result = parseManagerConfig(configOf(objects), { env: {}, readFile })
    t.true(result.ok, result.ok ? '' : result.problems.join('\n'))
    const mounted = mountedFiles(pod, manager)
    t.deepEqual(
      read.filter((file) => !mounted.has(file)),
      [],
      'files the config names that no volume provides',
    )
    t.true(mounted.has('/etc/amt-manager/config.yaml'), "the image's default --config path")
    const data = manager.volumeMounts?.find((mount) => mount.name === 'data')?.mountPath
    t.is(result.ok ? result.config.dataDir : undefined, data, 'dataDir is the volume "data"')
  })

  test(`${overlay}: no secret value in a ConfigMap, and every Secret the pod uses is in docs/deployment.md`, async (t) => {
    const objects = await rendered(overlay)
    const secretKey = (key: string) => /password|token|secret|key|cert/i.test(key) && !/(File|Files|Env)$/.test(key)
    const lastKey = (dotted: string) => dotted.split('.').pop() ?? ''
    const secretish = leaves(configOf(objects)).filter(
      ([key, value]) => secretKey(lastKey(key)) && typeof value === 'string',
    )
    t.deepEqual(secretish, [], 'a secret-looking key with a value: use a ...File key and a Secret')
    const inline = /-----BEGIN|amt_[0-9a-f]{16}_|^\s*\w*(password|token|secretId):\s*[^\s#]/im
    for (const map of objects.filter((object) => object.kind === 'ConfigMap')) {
      const values = Object.values((map as ConfigMap).data ?? {}).join('\n')
      t.false(inline.test(values.replace(/\w+File:/g, '')), map.metadata.name)
    }
    const { pod, manager } = managerOf(objects)
    const docs = await readFile(new URL('../../docs/deployment.md', import.meta.url), 'utf8')
    const inDocs = (name: string) => new RegExp(`(?<![\\w-])${name}(?![\\w-])`).test(docs)
    t.deepEqual(
      secretsOf(pod, manager).filter((name) => !inDocs(name)),
      [],
      'Secrets the docs do not tell to create',
    )
  })

  test(`${overlay} with components/monitoring: a valid ServiceMonitor scraping /metrics of amt-manager-api only`, async (t) => {
    const objects = await renderWith(`overlays/${overlay}`, ['components/monitoring'])
    t.deepEqual((await Promise.all(objects.map(schemaProblems))).flat(), [])
    type Endpoint = { port: string; path: string }
    type Monitor = K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: Endpoint[] } }
    const monitor = named<Monitor>(objects, 'ServiceMonitor', 'amt-manager')
    const selector = monitor?.spec.selector.matchLabels
    const selected = objects.filter(
      (object): object is Service => object.kind === 'Service' && selects(selector, object.metadata.labels),
    )
    t.deepEqual(
      selected.map((service) => service.metadata.name),
      ['amt-manager-api'],
    )
    const endpoints = monitor?.spec.endpoints.map(({ port, path: urlPath }) => ({ port, path: urlPath }))
    t.deepEqual(endpoints, [{ port: 'http', path: '/metrics' }])
    t.true(selected[0]?.spec.ports.some((port) => port.name === 'http'))
  })
}

test('external: Vault logs in with a projected ServiceAccount token made for Vault (audience "vault")', async (t) => {
  const objects = await rendered('external')
  const { pod, manager } = managerOf(objects)
  const config = configOf(objects) as { secrets: { auth: { method: string; jwtFile: string } } }
  t.is(config.secrets.auth.method, 'kubernetes')
  const token = pod.volumes
    ?.flatMap((volume) => volume.projected?.sources ?? [])
    .find((source) => source.serviceAccountToken)
  t.is(token?.serviceAccountToken?.audience, 'vault')
  t.true(mountedFiles(pod, manager).has(config.secrets.auth.jwtFile))
  t.truthy(named(objects, 'ServiceAccount', 'amt-manager'))
})
