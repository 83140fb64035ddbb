import type { JsonObject } from './json-schemas.ts'

/** Example servers: the same broker on its three listeners. Hosts and ports are placeholders for a deployment's own. */
export const SERVERS: JsonObject = {
  mqtt: {
    host: 'broker.example.com:1883',
    protocol: 'mqtt',
    protocolVersion: '3.1.1',
    title: 'MQTT over TCP',
    description: 'Plain TCP listener: development or a trusted network only. MQTT 5 clients are accepted too.',
    security: [{ $ref: '#/components/securitySchemes/userPassword' }],
  },
  mqtts: {
    host: 'broker.example.com:8883',
    protocol: 'secure-mqtt',
    protocolVersion: '3.1.1',
    title: 'MQTT over TLS',
    description:
      'TLS listener: the production path. Devices authenticate with a client certificate (mTLS) or username/password.',
    security: [{ $ref: '#/components/securitySchemes/userPassword' }, { $ref: '#/components/securitySchemes/X509' }],
  },
  ws: {
    host: 'broker.example.com:8080',
    pathname: '/mqtt',
    protocol: 'ws',
    title: 'MQTT over WebSocket',
    description:
      'Optional WebSocket listener (MQTT over WebSocket), e.g. for browser-based integrators; put it behind TLS (wss).',
    security: [{ $ref: '#/components/securitySchemes/userPassword' }],
  },
}

export const SECURITY_SCHEMES: JsonObject = {
  userPassword: {
    type: 'userPassword',
    description:
      'MQTT username and password of a principal. Roles: `device` (bound to one tenant and host), `manager`, ' +
      '`integrator` (read-only). The broker stores only password hashes and denies by default.',
  },
  X509: {
    type: 'X509',
    description:
      'Mutual TLS: a client certificate issued by the fleet CA identifies a device principal (its tenant and host); ' +
      'see the broker documentation for the certificate fields used.',
  },
}
