export default {
  files: ['test/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  // ava's timeout is GLOBAL inactivity: it fires when no test of ANY worker reported for this long (a test's own
  // t.timeout extends it). At 60 s an e2e test that legitimately ran ~60 s on a loaded machine made ava abort and
  // report another file's not-yet-started tests as pending (test/manager/grpc/auth.test.ts: "17 pending"). A real
  // hang is still caught, later; tests that wait on something bound each wait themselves.
  timeout: '240s',
  workerThreads: false,
  concurrency: 2,
}
