import { BrokerConfig } from '../../broker/config.ts'
import type { Logger } from '../../lib/log.ts'
import { SERVICE_EXIT, StartupError } from '../../lib/service-exit.ts'
import { createBrokerAuthDecisions } from '../api/broker-auth/decisions.ts'
import type { BrokerAuthEndpoint } from '../api/broker-auth/plugin.ts'
import { createBrokerCredentials, loadIntegratorsFile, type BrokerPrincipals } from '../bus/broker-credentials.ts'
import type { ManagerConfig } from '../config/config.ts'
import type { Inventory } from '../inventory/port.ts'
import type { BrokerLink } from './broker-link.ts'

/**
 * The broker-auth endpoints (config `api.brokerAuth`): with the embedded broker they share its credential store
 * (one set of KDF lanes per process); with an external broker, a store of their own over the same Inventory, with
 * `api.brokerAuth.integratorsFile` and the manager's own login to that broker (`broker.external.username` and its
 * password), so the manager is allowed as the manager. Undefined when the endpoints are off.
 */
export async function brokerAuthEndpoint(
  config: ManagerConfig,
  link: BrokerLink,
  deps: { inventory: Inventory; log: Logger },
): Promise<BrokerAuthEndpoint | undefined> {
  const settings = config.brokerAuth
  if (settings === null) return undefined
  const { credentials, maxTopicLevels } = link.embedded ?? {
    credentials: await externalPrincipals(config, settings.integratorsFile, deps),
    maxTopicLevels: BrokerConfig.shape.limits.parse(undefined).maxTopicLevels,
  }
  const decisions = createBrokerAuthDecisions({ credentials, log: deps.log, maxTopicLevels })
  return { decisions, secret: settings.secret, allowedSources: settings.allowedSources }
}

async function externalPrincipals(
  config: ManagerConfig,
  integratorsFile: string | undefined,
  { inventory, log }: { inventory: Inventory; log: Logger },
): Promise<BrokerPrincipals> {
  const { broker } = config
  const password = config.credentials.brokerPassword?.reveal()
  const username = broker.mode === 'external' ? broker.username : undefined
  const loaded = integratorsFile === undefined ? null : await loadIntegratorsFile(integratorsFile, username)
  if (loaded !== null && !loaded.ok) {
    const what = `invalid integrators file ${integratorsFile ?? ''}`
    throw new StartupError(what, loaded.problems, SERVICE_EXIT.BAD_CONFIG)
  }
  return createBrokerCredentials({
    inventory,
    log,
    integrators: loaded?.entries ?? [],
    ...(username === undefined || password === undefined ? {} : { manager: { username, password } }),
  })
}
