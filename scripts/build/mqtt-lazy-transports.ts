import path from 'node:path'
import type { Plugin } from 'esbuild'

/**
 * An esbuild plugin for the agent's bundle: mqtt.js' WebSocket (`ws`) and SOCKS (`socks`, `ip-address`,
 * `smart-buffer`) transports are loaded when a connection uses them, not at the first connect. mqtt.js requires
 * every Node transport when it builds its first client (connect/index.js) and the SOCKS client from tcp.js and
 * tls.js on import; an agent connects over mqtt:// or mqtts:// and never needs them, yet held their modules in
 * memory. Here those two requires get a stand-in that requires the real module on its first call, so ws:// and
 * wss:// broker URLs and MQTTJS_SOCKS_PROXY keep working (docs/benchmarks.md, agent memory).
 */
export const mqttLazyTransports: Plugin = {
  name: 'mqtt-lazy-transports',
  setup(build) {
    const connectDir = `${path.sep}mqtt${path.sep}build${path.sep}lib${path.sep}connect`
    build.onResolve({ filter: /^\.\/(ws|socks)$/ }, (args) => {
      if (!args.importer.includes(connectDir)) return undefined
      return { path: path.join(path.dirname(args.importer), `${args.path}.js`), namespace: 'mqtt-lazy' }
    })
    build.onLoad({ filter: /.*/, namespace: 'mqtt-lazy' }, (args) => {
      const real = JSON.stringify(args.path)
      const exportsOf = path.basename(args.path) === 'ws.js' ? ['streamBuilder', 'browserStreamBuilder'] : ['default']
      const lines = exportsOf.map((name) => `exports.${name} = (...args) => require(${real}).${name}(...args)`)
      return { contents: ['exports.__esModule = true', ...lines].join('\n'), loader: 'js', resolveDir: '/' }
    })
  },
}
