/** The streams a command writes to: by default the process's stdout and stderr. */
type Output = Pick<NodeJS.WritableStream, 'on'>

const guarded = new WeakSet<Output>()

/** The exit code set so far (`process.exitCode`), 0 when none. */
function exitCodeSoFar(): number {
  const code = Number(process.exitCode ?? 0)
  return Number.isInteger(code) ? code : 1
}

/**
 * For a CLI command (not a service): when the reader of its output went away (`amt-manager hosts list | head -1`),
 * the next write fails with EPIPE. The command then ends at once and quietly, as a SIGPIPE would end a C program,
 * but with the exit code it had so far (0 unless a failure was already reported) rather than 141, and no stack
 * trace. Other write errors stay fatal as before. Idempotent per stream.
 */
export function endQuietlyOnClosedPipe(
  streams: readonly Output[] = [process.stdout, process.stderr],
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  for (const stream of streams) {
    if (guarded.has(stream)) continue
    guarded.add(stream)
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err
      exit(exitCodeSoFar())
    })
  }
}
