import type { K8sObject } from './kubernetes-support.ts'

/** A PodDisruptionBudget as test/deploy/kubernetes.test.ts reads it. */
export interface Budget extends K8sObject {
  spec: {
    selector: { matchLabels: Record<string, string> }
    minAvailable?: number | string
    maxUnavailable?: number | string
    unhealthyPodEvictionPolicy?: string
  }
}

/** An int-or-percent of `total`, rounded up as the disruption controller does for both fields. */
function scaled(value: number | string, total: number): number {
  if (typeof value === 'number') return value
  const percent = /^(\d+)%$/.exec(value)?.[1]
  if (percent === undefined) throw new Error(`not an int or a percentage: ${value}`)
  return Math.ceil((Number(percent) * total) / 100)
}

/**
 * How many pods the budget lets an eviction take while `replicas` pods are all healthy (the disruption
 * controller's disruptionsAllowed: healthy pods minus the desired healthy, at least 0).
 */
export function disruptionsAllowed(budget: Budget, replicas: number): number {
  const { minAvailable, maxUnavailable } = budget.spec
  const desiredHealthy =
    minAvailable !== undefined ? scaled(minAvailable, replicas) : replicas - scaled(maxUnavailable ?? 0, replicas)
  return Math.max(0, replicas - desiredHealthy)
}
