import { z } from 'zod'

/**
 * DNS names the Device Management Toolkit servers accept, checked where the user types them so that nothing is
 * written (Inventory, RPS, MPS) for a value a server refuses later (issue #13 facts 4 and 9):
 * - an AMT DNS suffix, as MPS validates a device's `dnsSuffix`: empty, or dot-separated labels of 1-63 letters,
 *   digits and hyphens, no hyphen at either end, the last label not all digits; no TLD required; at most 253
 *   characters. So no spaces, no underscores, no empty label (`a..b`, a leading or trailing dot).
 * - the MPS address RPS puts in a CIRA config: an IPv4 address (format 3) or a lower-case FQDN with a TLD of two or
 *   more letters (format 201).
 * The fakes model the servers' rules on their own (manager/demo/simulated-dmt/mps/validate-device.ts); the tests run both over the
 * same cases (test/fixtures/dns-names.ts).
 */

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
/** Empty, or at most 253 characters of labels joined by dots, the last not all digits (also in the OpenAPI document). */
const DNS_SUFFIX_PATTERN = new RegExp(`^(?:(?=.{1,253}$)(?:${LABEL}\\.)*(?![0-9]+$)${LABEL})?$`)
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

const DNS_SUFFIX_RULE =
  'empty or a DNS name: dot-separated labels of 1-63 letters, digits and hyphens (no hyphen at either end, no spaces, underscores or empty labels), the last not all digits, at most 253 characters'

export const isDnsSuffix = (value: string): boolean => DNS_SUFFIX_PATTERN.test(value)

/** The rule as a zod string for API bodies; `field` names it in the message. */
export const dnsSuffixOf = (field: string) =>
  z
    .string()
    .max(253)
    .regex(DNS_SUFFIX_PATTERN, { message: `${field} must be a valid DNS suffix: ${DNS_SUFFIX_RULE}` })

export const MPS_ADDRESS_RULE =
  'an IPv4 address, or a lower-case FQDN with a top-level domain of two or more letters (RPS refuses anything else)'

const isIpv4 = (value: string): boolean => IPV4.test(value)

export function isMpsAddress(value: string): boolean {
  if (isIpv4(value)) return true
  const labels = value.split('.')
  return (
    value === value.toLowerCase() &&
    labels.length >= 2 &&
    isDnsSuffix(value) &&
    /^(?:[a-z]{2,}|xn--[a-z0-9-]+)$/.test(labels[labels.length - 1] ?? '')
  )
}
