import { z } from 'zod'
import { DEFAULT_ROLLOUT_RETENTION } from '../core/rollouts/rollout-retention.ts'

const retention = DEFAULT_ROLLOUT_RETENTION

/**
 * `rollouts` (docs/operations.md "Rollout retention", docs/rollouts.md): how long final rollouts (aborted, cancelled,
 * completed) and their members are kept; `maxAgeDays: 0` keeps them for ever. The defaults are the core's.
 */
export const RolloutsSection = z
  .strictObject({
    retention: z
      .strictObject({
        maxAgeDays: z.int().min(0).max(36_500).default(retention.maxAgeDays),
        intervalMs: z.int().min(1000).max(86_400_000).default(retention.intervalMs),
        batchSize: z.int().min(10).max(10_000).default(retention.batchSize),
      })
      .prefault({}),
  })
  .prefault({})
