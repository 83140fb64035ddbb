import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { parseAllDocuments } from 'yaml'

/** Rendering and schema validation of deploy/kubernetes/ for test/deploy/kubernetes.test.ts. */

export const KUSTOMIZE_ROOT = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url))

/** A rendered Kubernetes object, as plain data. */
export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string> }
  [field: string]: unknown
}

/**
 * `kubectl kustomize <dir>`, parsed. kubectl is a declared tool of this project's machines (Debian image): when it
 * is missing the test fails with this message, it never skips.
 */
export async function render(dir: string): Promise<K8sObject[]> {
  const result = await execa('kubectl', ['kustomize', dir], { reject: false, timeout: 60_000, stdin: 'ignore' })
  if ((result as { code?: string }).code === 'ENOENT') {
    throw new Error(
      'kubectl is not on PATH: install it (Debian package kubectl); the overlays are rendered with `kubectl kustomize`',
    )
  }
  if (result.exitCode !== 0) throw new Error(`kubectl kustomize ${dir} failed (${result.exitCode}): ${result.stderr}`)
  return parseAllDocuments(result.stdout).map((document) => {
    if (document.errors.length > 0) throw new Error(`kubectl kustomize ${dir}: ${document.errors.join('; ')}`)
    return document.toJS() as K8sObject
  })
}

/** The overlays of deploy/kubernetes/overlays. */
export const OVERLAYS = ['single', 'external'] as const
export type Overlay = (typeof OVERLAYS)[number]

const renderedOverlays = new Map<Overlay, Promise<K8sObject[]>>()

/** An overlay as `kubectl kustomize` renders it, rendered once per test file. */
export function rendered(overlay: Overlay): Promise<K8sObject[]> {
  const found = renderedOverlays.get(overlay) ?? render(path.join(KUSTOMIZE_ROOT, 'overlays', overlay))
  renderedOverlays.set(overlay, found)
  return found
}

/**
 * Renders an overlay with extra components, as an operator's own kustomization would (resources: [overlay],
 * components: [...]): in a temporary directory, with paths relative to it (kustomize refuses absolute ones).
 */
export async function renderWith(overlay: string, components: readonly string[]): Promise<K8sObject[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-kustomize-'))
  try {
    const relative = (name: string) => path.relative(dir, path.join(KUSTOMIZE_ROOT, name))
    const lines = [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `resources: [${relative(overlay)}]`,
    ]
    lines.push(`components: [${components.map(relative).join(', ')}]`)
    await writeFile(path.join(dir, 'kustomization.yaml'), `${lines.join('\n')}\n`)
    return await render(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

type Model = new (data: unknown) => { validate(): void }

/** The kubernetes-models module of each API group/version that the manifests use. */
const MODELS: Record<string, () => Promise<Record<string, unknown>>> = {
  v1: () => import('kubernetes-models/v1'),
  'apps/v1': () => import('kubernetes-models/apps/v1'),
  'policy/v1': () => import('kubernetes-models/policy/v1'),
  'monitoring.coreos.com/v1': () => import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'),
}

/**
 * Validates one object against the Kubernetes OpenAPI schema of its kind (kubernetes-models: the official schemas
 * compiled for ajv). Returns the problems, or [] when valid.
 */
export async function schemaProblems(object: K8sObject): Promise<string[]> {
  const where = `${object.kind} ${object.metadata.name}`
  const load = MODELS[object.apiVersion]
  if (load === undefined) return [`${where}: no schema known for apiVersion ${object.apiVersion}`]
  const model = (await load())[object.kind] as Model | undefined
  if (model === undefined) return [`${where}: no schema known for kind ${object.kind} in ${object.apiVersion}`]
  try {
    new model(object).validate()
    return []
  } catch (err) {
    return [`${where}: ${err instanceof Error ? err.message : String(err)}`]
  }
}

/** The object of this kind and name; `generated`: a configMapGenerator's, whose name ends with a content hash. */
export function named<T extends K8sObject = K8sObject>(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
  generated = false,
): T | undefined {
  const matches = (found: string) => found === name || (generated && new RegExp(`^${name}-[a-z0-9]{10}$`).test(found))
  return objects.find((object) => object.kind === kind && matches(object.metadata.name)) as T | undefined
}

/** Every leaf of a parsed YAML/JSON document as [dotted key path, value]. */
export function leaves(value: unknown, prefix = ''): Array<[string, unknown]> {
  if (typeof value !== 'object' || value === null) return [[prefix, value]]
  return Object.entries(value).flatMap(([key, child]) => leaves(child, prefix === '' ? key : `${prefix}.${key}`))
}
