import test from 'ava'
import { isDnsSuffix, isMpsAddress } from '../../schemas/dns-names.ts'
import { DNS_SUFFIXES } from '../fixtures/dns-names.ts'

test("a DNS suffix is valid exactly when MPS accepts it (the cases the fake MPS's conformance test uses)", (t) => {
  for (const { value, valid } of DNS_SUFFIXES) t.is(isDnsSuffix(value), valid, JSON.stringify(value))
  t.false(isDnsSuffix(`${'abcdefg.'.repeat(32)}example`), 'longer than a DNS name can be (253)')
})

test('an MPS address is what RPS accepts in a CIRA config: IPv4 (format 3) or a lower-case FQDN with a TLD (201)', (t) => {
  for (const valid of ['mps.example.com', 'mps-1.edge.example.org', '10.0.0.5', '192.168.255.1', 'mps.xn--p1ai'])
    t.true(isMpsAddress(valid), valid)
  for (const invalid of [
    'MPS.example.com',
    'mps',
    'localhost',
    'mps.example.c0m',
    'mps..example.com',
    'mps_1.example.com',
    '256.1.1.1',
    '10.0.0',
    'mps.example.com.',
    'mps example.com',
  ]) {
    t.false(isMpsAddress(invalid), invalid)
  }
})
