import type { AuthErrorCode } from 'aedes'

/** CONNACK return codes of MQTT 3.1.1 (§3.2.2.3) that the broker sends when it refuses a CONNECT. */
export const CONNACK_IDENTIFIER_REJECTED: AuthErrorCode = 2
export const CONNACK_SERVER_UNAVAILABLE: AuthErrorCode = 3
export const CONNACK_BAD_USERNAME_OR_PASSWORD: AuthErrorCode = 4
export const CONNACK_NOT_AUTHORIZED: AuthErrorCode = 5

/**
 * An error the broker raised on purpose (refused CONNECT, denied PUBLISH, violated limit). It was logged and
 * counted where it was raised; aedes' error events recognise it and do not report it twice.
 */
export class BrokerRejection extends Error {
  readonly reason: string
  readonly returnCode: AuthErrorCode

  constructor(reason: string, returnCode: AuthErrorCode = CONNACK_NOT_AUTHORIZED) {
    super(reason)
    this.name = 'BrokerRejection'
    this.reason = reason
    this.returnCode = returnCode
  }
}

/**
 * A CONNECT that breaks the protocol (broker/connect-violations.ts): refused in preConnect, so the connection is
 * closed without CONNACK (§4.8); the reason is counted under `connectionsRefused`.
 */
export const protocolViolation = (reason: string): BrokerRejection =>
  new BrokerRejection(reason, CONNACK_SERVER_UNAVAILABLE)
