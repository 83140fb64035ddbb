#!/usr/bin/env node
// The container image's HEALTHCHECK (deploy/container/Dockerfile): the runtime image has no shell and no curl, so
// node itself asks the manager's liveness endpoint. Exit 0 when GET /healthz answers 200 within the time limit,
// else 1 with one line saying why. Plain JavaScript without dependencies: it must not load the manager.
//   AMT_HEALTHCHECK_URL   default http://127.0.0.1:8080/healthz (set it when api.port is not 8080)
const url = process.env.AMT_HEALTHCHECK_URL || 'http://127.0.0.1:8080/healthz'
const TIMEOUT_MS = 4000

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) })
  await response.body?.cancel()
  if (response.status !== 200) throw new Error(`answered ${response.status}`)
} catch (err) {
  const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)
  process.stderr.write(`healthcheck: ${url}: ${reason}\n`)
  process.exitCode = 1
}
