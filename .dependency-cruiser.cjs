// The house's dependency rules, checked by `npm run lint` (docs/architecture.md draws them).
// Layers, lowest first: a folder imports only from itself and from folders of LOWER layers, so the folders form a
// DAG (no folder cycle is possible) and every arrow points down:
//   entry points / wiring → api · grpc · bus · cli → core → ports (inventory, secrets, dmt, bus out) → lib, schemas.
const LAYERS = [
  ['lib', 'schemas'],
  ['broker'],
  ['agent'],
  ['manager/database'],
  ['manager/inventory'],
  ['manager/rollouts'],
  ['manager/metrics'],
  ['manager/ports'],
  ['manager/secrets', 'manager/dmt'],
  ['manager/core'],
  ['manager/config'],
  ['manager/bus'],
  ['manager/dynsec', 'manager/grpc', 'manager/api', 'manager/backup'],
  ['manager/console'],
  ['manager/cli'],
  ['manager/wiring'],
  ['manager/demo'],
  ['manager/main\\.ts'],
  ['manager/cli\\.ts'],
]

const layerRules = LAYERS.flatMap((layer, index) =>
  layer.map((folder) => {
    const above = LAYERS.slice(index)
      .flat()
      .filter((other) => other !== folder)
    return {
      name: `layer:${folder.replace(/\\/g, '')}`,
      comment: `${folder} imports only from lower layers (.dependency-cruiser.cjs LAYERS)`,
      severity: 'error',
      from: { path: `^${folder}(/|$)` },
      to: { path: `^(${above.join('|')})(/|$)` },
    }
  }),
)

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycle anywhere in the repository.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|data|coverage|\\.tmp)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    skipAnalysisNotInRules: true,
  },
}
