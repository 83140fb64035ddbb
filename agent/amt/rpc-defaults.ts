/**
 * What the rpc adapters do when not told otherwise (rpc-cli.ts, simulated.ts, classify.ts), written once: the
 * agent's config section `rpc` defaults to the same values (agent/config-schema.ts).
 */
export const RPC_DEFAULTS = {
  /** Where the rpc binary is installed. */
  path: '/usr/bin/rpc',
  /** Timeout of `amtinfo` and `version`. */
  amtinfoTimeoutMs: 60_000,
  /** Timeout of `activate` and `deactivate`. */
  operationTimeoutMs: 300_000,
  /** Delay between SIGTERM and SIGKILL when a call times out or the adapter stops. */
  killGraceMs: 5_000,
  /** Skip RPS certificate verification unless a request says otherwise. */
  skipCertCheck: false,
  /** Where the ME interface devices mei0..mei3 are probed. */
  devDir: '/dev',
} as const
