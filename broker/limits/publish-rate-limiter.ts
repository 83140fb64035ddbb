/**
 * The shape of the optional per-connection publish limit that `createAuthorizeHooks` (auth/authorize.ts) accepts.
 * The broker no longer passes one: devices are limited per device, across all their connections, by
 * device-budget.ts and device-publish-limit.ts (a per-connection limit let 25 connections of one device send 25
 * times the budget).
 */
export interface PublishRateLimiter {
  /** Records a publish of `connection`; false when it is over its limit. */
  tryAcquire(connection: object): boolean
}
