import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { StatusIndication } from '../../../schemas/enums.ts'
import { HostId, TenantId } from '../../../schemas/ids.ts'
import type { DmtApi } from '../../dmt/dmt-api.ts'
import { DmtError, type DmtErrorCode } from '../../dmt/errors.ts'
import { POWER_ACTION_CODES, POWER_ACTIONS } from '../../dmt/power-actions.ts'
import { powerViewOf } from '../../core/power-view.ts'
import { POWER_STATES, type Host } from '../../inventory/port.ts'
import { actorOf } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { ApiError, errorResponses, jsonResponse, type ApiErrorCode } from '../errors.ts'
import { HostParams } from '../params.ts'
import { PowerFields } from '../views.ts'

/** Power actions through MPS (the recovery path) and the power state read back from MPS. */

const PowerState = z.enum(POWER_STATES)

const HostPowerView = z
  .object({
    tenantId: TenantId,
    hostId: HostId,
    desiredPowerState: PowerState.describe('the power state last asked for (desired_power_state)'),
    currentPowerState: PowerState.describe('the power state last read from MPS (current_power_state)'),
    powerStatus: z.string().describe('human power status text, e.g. "Power action reset done"'),
    powerStatusIndicator: StatusIndication,
    powerStatusTimestamp: z.int().min(0).describe('unix seconds of the last power status write'),
    ...PowerFields,
  })
  .meta({ id: 'HostPower', description: "A host's power fields" })

const hostPowerView = (host: Host): z.infer<typeof HostPowerView> => ({
  tenantId: host.tenantId,
  hostId: host.hostId,
  desiredPowerState: host.desiredPowerState,
  currentPowerState: host.currentPowerState,
  powerStatus: host.powerStatus,
  powerStatusIndicator: host.powerStatusIndicator,
  powerStatusTimestamp: host.powerStatusTimestamp,
  ...powerViewOf(host),
})

const PowerBody = z.strictObject({
  action: z
    .enum(POWER_ACTIONS)
    .describe(
      `MPS action codes: ${POWER_ACTIONS.map((action) => `${action} ${POWER_ACTION_CODES[action]}`).join(', ')}`,
    ),
})

export const PowerActionAnswer = z.object({
  action: z.enum(POWER_ACTIONS),
  mpsAction: z.int().describe('the MPS action code sent'),
  returnValue: z.int().describe("AMT's answer, 0 = SUCCESS"),
  returnValueStr: z.string(),
  power: HostPowerView,
})

export const PowerStateAnswer = z.object({
  powerState: PowerState,
  mpsPowerState: z.int().describe("MPS's power-state code"),
  power: HostPowerView,
})

const DMT_CODES: Record<DmtErrorCode, ApiErrorCode> = {
  HOST_NOT_PROVISIONED: 'HOST_NOT_PROVISIONED',
  RPS_UNAVAILABLE: 'RPS_UNAVAILABLE',
  RPS_REJECTED: 'RPS_REJECTED',
  MPS_UNAVAILABLE: 'MPS_UNAVAILABLE',
  MPS_REJECTED: 'MPS_REJECTED',
  POWER_ACTION_FAILED: 'POWER_ACTION_FAILED',
  DMT_INVALID: 'BAD_REQUEST',
}

/** Runs an RPS/MPS call for a route: DmtErrors become catalogue answers (their messages hold no secret). */
export async function viaDmt<T>(ctx: ApiContext, call: (dmt: DmtApi) => Promise<T>): Promise<T> {
  if (ctx.dmt === undefined) throw new ApiError('DMT_NOT_CONFIGURED')
  try {
    return await call(ctx.dmt)
  } catch (err) {
    if (err instanceof DmtError) throw new ApiError(DMT_CODES[err.code], err.message, undefined, { cause: err })
    throw err
  }
}

const TAGS = ['power']

export function hostPowerRoutes(ctx: ApiContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.post(
      '/tenants/:tenantId/hosts/:hostId/power',
      {
        config: { access: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'requestHostPowerAction',
          summary: `power action through MPS (${POWER_ACTIONS.join(', ')}); the host must be PROVISIONED; the state is read back after it`,
          params: HostParams,
          body: PowerBody,
          response: {
            200: jsonResponse(
              PowerActionAnswer,
              "AMT carried the action out; the host's power fields, with the state read from MPS after it",
            ),
            ...errorResponses(
              'VALIDATION_FAILED',
              'BAD_REQUEST',
              'UNAUTHENTICATED',
              'FORBIDDEN',
              'TENANT_NOT_FOUND',
              'HOST_NOT_FOUND',
              'HOST_NOT_PROVISIONED',
              'DMT_NOT_CONFIGURED',
              'MPS_REJECTED',
              'POWER_ACTION_FAILED',
              'MPS_UNAVAILABLE',
            ),
          },
        },
      },
      async (request) => {
        const { tenantId, hostId } = request.params
        const result = await viaDmt(ctx, (dmt) =>
          dmt.requestPowerAction({ tenantId, hostId }, request.body.action, actorOf(request)),
        )
        return {
          action: result.action,
          mpsAction: result.code,
          returnValue: result.returnValue,
          returnValueStr: result.returnValueStr,
          power: hostPowerView(result.host),
        }
      },
    )

    app.get(
      '/tenants/:tenantId/hosts/:hostId/power',
      {
        config: { access: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'getHostPowerState',
          summary:
            "read the host's power state from MPS (stored as currentPowerState with the time read); the host must be PROVISIONED",
          params: HostParams,
          response: {
            200: jsonResponse(PowerStateAnswer, 'the power state MPS reports'),
            ...errorResponses(
              'BAD_REQUEST',
              'UNAUTHENTICATED',
              'TENANT_NOT_FOUND',
              'HOST_NOT_FOUND',
              'HOST_NOT_PROVISIONED',
              'DMT_NOT_CONFIGURED',
              'MPS_REJECTED',
              'MPS_UNAVAILABLE',
            ),
          },
        },
      },
      async (request) => {
        const { tenantId, hostId } = request.params
        const reading = await viaDmt(ctx, (dmt) => dmt.readPowerState({ tenantId, hostId }))
        return {
          powerState: reading.powerState,
          mpsPowerState: reading.mpsPowerState,
          power: hostPowerView(reading.host),
        }
      },
    )
    done()
  }
}
