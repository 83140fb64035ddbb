import type { Logger } from '../../lib/log.ts'

/**
 * Runs a benchmark's `main` as a program: exit 0 when it finishes, 1 when it fails or runs past `deadlineMs` (a hung
 * broker or client must not keep a benchmark running forever).
 */
export function runBench(main: () => Promise<void>, log: Logger, deadlineMs: number): void {
  const deadline = setTimeout(() => {
    log.fatal({ deadlineMs }, 'benchmark exceeded its deadline')
    process.exit(1)
  }, deadlineMs)
  deadline.unref()
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      log.fatal({ err }, 'benchmark failed')
      process.exit(1)
    },
  )
}
