/**
 * What a host's AMT can do, in one word: AMT / ISM by its SKU; NONE: the agent reported that the node cannot do
 * AMT (not capable; the host's condition is then NOT_SUPPORTED); UNKNOWN: no capability report yet (or a capable
 * report whose SKU could not be read). The rule: manager/core/host-condition.ts.
 */
export const HOST_CAPABILITIES = ['AMT', 'ISM', 'NONE', 'UNKNOWN'] as const
export type HostCapability = (typeof HOST_CAPABILITIES)[number]
