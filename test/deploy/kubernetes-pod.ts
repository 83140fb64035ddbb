import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { named, type K8sObject } from './kubernetes-support.ts'

/** The parts of the rendered manager objects that test/deploy/kubernetes.test.ts checks, typed. */

interface Port {
  name?: string
  containerPort: number
}
interface Probe {
  httpGet?: { path: string; port: string | number }
}
export interface Container {
  name: string
  ports?: Port[]
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[]; add?: string[] } }
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> }
  livenessProbe?: Probe
  readinessProbe?: Probe
  startupProbe?: Probe
  volumeMounts?: Array<{ name: string; mountPath: string }>
  env?: Array<{
    name: string
    value?: string
    valueFrom?: { secretKeyRef?: { name: string }; fieldRef?: { fieldPath: string } }
  }>
}
interface Volume {
  name: string
  secret?: { secretName: string; defaultMode?: number; items?: Array<{ path: string }> }
  configMap?: { name: string; items?: Array<{ path: string }> }
  projected?: { sources: Array<{ serviceAccountToken?: { path: string; audience?: string } }> }
  emptyDir?: { medium?: string; sizeLimit?: string }
  hostPath?: unknown
}
type LabelSelector = { matchLabels?: Record<string, string> }
export interface PodSpec {
  securityContext?: Record<string, unknown>
  containers: Container[]
  initContainers?: Container[]
  volumes?: Volume[]
  automountServiceAccountToken?: boolean
  serviceAccountName?: string
  hostNetwork?: boolean
  hostPID?: boolean
  hostIPC?: boolean
  affinity?: {
    podAntiAffinity?: {
      preferredDuringSchedulingIgnoredDuringExecution?: Array<{
        weight: number
        podAffinityTerm: { topologyKey: string; labelSelector?: LabelSelector }
      }>
    }
  }
  topologySpreadConstraints?: Array<{
    topologyKey: string
    whenUnsatisfiable: string
    maxSkew: number
    labelSelector?: LabelSelector
  }>
}
/** The manager's workload: overlays/single's StatefulSet or overlays/external's Deployment. */
export interface Workload extends K8sObject {
  kind: 'StatefulSet' | 'Deployment'
  spec: {
    replicas: number
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec }
    volumeClaimTemplates?: Array<{ metadata: { name: string } }>
    strategy?: { type: string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } }
  }
}
interface ServicePort {
  name: string
  port: number
  targetPort: string | number
}
export interface Service extends K8sObject {
  spec: { selector?: Record<string, string>; ports: ServicePort[] }
}

export interface ConfigMap extends K8sObject {
  data?: Record<string, string>
}

/** The workload amt-manager (StatefulSet or Deployment), its pod spec and its container `manager`. */
export function managerOf(objects: readonly K8sObject[]): { set: Workload; pod: PodSpec; manager: Container } {
  const sets = ['StatefulSet', 'Deployment'].flatMap((kind) => named<Workload>(objects, kind, 'amt-manager') ?? [])
  const [set] = sets
  if (set === undefined || sets.length > 1) throw new Error(`not one workload amt-manager: ${sets.length}`)
  const manager = set.spec.template.spec.containers.find((container) => container.name === 'manager')
  if (manager === undefined) throw new Error('no container "manager"')
  return { set, pod: set.spec.template.spec, manager }
}

/** The container port a probe or Service port refers to (by number or by name). */
export const portNumber = (container: Container, port: string | number): number | undefined =>
  typeof port === 'number' ? port : container.ports?.find((candidate) => candidate.name === port)?.containerPort

/** Files the pod provides: mountPath/item path of each Secret, ConfigMap and projected token volume mounted. */
export function mountedFiles(pod: PodSpec, container: Container): Set<string> {
  const files = new Set<string>()
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes?.find((candidate) => candidate.name === mount.name)
    const sources = volume?.projected?.sources ?? []
    const tokens = sources.flatMap(({ serviceAccountToken }) => (serviceAccountToken ? [serviceAccountToken] : []))
    const items = [...(volume?.secret?.items ?? []), ...(volume?.configMap?.items ?? []), ...tokens]
    for (const item of items) files.add(path.posix.join(mount.mountPath, item.path))
  }
  return files
}

/** Secrets the pod refers to: Secret volumes and secretKeyRef variables. */
export function secretsOf(pod: PodSpec, container: Container): string[] {
  const volumes = (pod.volumes ?? []).flatMap((volume) => (volume.secret ? [volume.secret.secretName] : []))
  const env = (container.env ?? []).flatMap(({ valueFrom }) =>
    valueFrom?.secretKeyRef ? [valueFrom.secretKeyRef.name] : [],
  )
  return [...volumes, ...env]
}

/** The manager config file carried by the generated ConfigMap amt-manager-config, parsed. */
export function configOf(objects: readonly K8sObject[]): unknown {
  const map = named<ConfigMap>(objects, 'ConfigMap', 'amt-manager-config', true)
  const text = map?.data?.['config.yaml']
  if (text === undefined) throw new Error('no ConfigMap amt-manager-config with config.yaml')
  return parseYaml(text)
}

/** Whether every label of `selector` is on `labels`. */
export const selects = (
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean => selector !== undefined && Object.entries(selector).every(([key, value]) => labels?.[key] === value)
