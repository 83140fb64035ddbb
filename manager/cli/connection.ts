import type { Command } from 'commander'
import { DEFAULT_API_URL } from '../api/server-paths.ts'
import { createApiClient, type ApiClient } from './api-client.ts'
import type { CliIo } from './io.ts'

/** `--url` / `--token` on a command group; environment AMT_MANAGER_URL / AMT_MANAGER_TOKEN otherwise. */
export function withConnectionOptions(command: Command): Command {
  return command
    .option('--url <url>', `manager base URL (env AMT_MANAGER_URL, default ${DEFAULT_API_URL})`)
    .option('--token <token>', 'API token (env AMT_MANAGER_TOKEN; prefer the environment: arguments show in ps)')
}

/** The client for a leaf command, from its own and its parents' options. */
export function clientFor(command: Command, io: CliIo): ApiClient {
  const { url, token } = command.optsWithGlobals<{ url?: string; token?: string }>()
  return createApiClient({
    baseUrl: url ?? io.env.AMT_MANAGER_URL ?? DEFAULT_API_URL,
    token: (token ?? io.env.AMT_MANAGER_TOKEN)?.trim(),
    fetch: io.fetch,
  })
}
