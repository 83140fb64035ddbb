/** The manager principal our broker gets in the benchmark; its password travels in this env var, never argv. */
export const BENCH_MANAGER = 'bench-manager'
export const PASSWORD_ENV = 'BENCH_BROKER_PASSWORD'
