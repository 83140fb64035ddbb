import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'
import test, { type ExecutionContext } from 'ava'
import { startTcpFront, type TcpFront } from './tcp-front.ts'

const WAIT_MS = 30_000

/** A backend answering every chunk with `<name>:<chunk>`; `kill()` closes it and its connections (a dead pod). */
async function startBackend(t: ExecutionContext, name: string) {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    socket.on('data', (chunk: Buffer) => socket.write(`${name}:${chunk.toString('utf8')}`))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const kill = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
  t.teardown(kill)
  return { port: (server.address() as { port: number }).port, kill }
}

async function front(t: ExecutionContext, ports: number[]): Promise<TcpFront> {
  const started = await startTcpFront(ports)
  t.teardown(() => started.close())
  return started
}

/** Connects through the front and sends `ping`: the answering backend's name, or 'closed'. */
async function ask(t: ExecutionContext, port: number): Promise<{ answer: string; socket: Socket }> {
  const socket = connect({ host: '127.0.0.1', port })
  t.teardown(() => socket.destroy())
  socket.on('error', () => socket.destroy())
  socket.setTimeout(WAIT_MS, () => socket.destroy())
  socket.write('ping')
  const answer = await new Promise<string>((resolve) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8').replace(/:ping$/, '')))
    socket.once('close', () => resolve('closed'))
  })
  return { answer, socket }
}

test('new connections go round-robin over the backends, both ways piped', async (t) => {
  const backends = await Promise.all(['a', 'b', 'c'].map((name) => startBackend(t, name)))
  const service = await front(
    t,
    backends.map((backend) => backend.port),
  )
  const answers: string[] = []
  for (let index = 0; index < 6; index++) answers.push((await ask(t, service.port)).answer)
  t.deepEqual(answers, ['a', 'b', 'c', 'a', 'b', 'c'])
  t.deepEqual([...service.routed.values()], [2, 2, 2])
})

test('a dead backend is skipped and its clients are closed; they reconnect to a live one; none live: closed', async (t) => {
  const [a, b] = await Promise.all(['a', 'b'].map((name) => startBackend(t, name)))
  if (a === undefined || b === undefined) throw new Error('backends')
  const service = await front(t, [a.port, b.port])
  const onA = await ask(t, service.port)
  t.is(onA.answer, 'a')
  const closed = once(onA.socket, 'close')
  await a.kill()
  await closed
  t.pass('the client of the dead backend was closed')
  const again = [(await ask(t, service.port)).answer, (await ask(t, service.port)).answer]
  t.deepEqual(again, ['b', 'b'], 'the dead backend is skipped')
  await b.kill()
  t.is((await ask(t, service.port)).answer, 'closed', 'no live backend: the connection is closed')
})
