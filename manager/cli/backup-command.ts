import { Command } from 'commander'
import { CliError, runCommand, type CliIo } from './io.ts'

const DEFAULT_CONFIG_FILE = '/etc/amt-manager/config.yaml'

/**
 * `amt-manager backup --to FILE [--config FILE]`: an online backup, safe while the manager runs (docs/deployment.md,
 * docs/operations.md "Data directory"). Reads the manager's configuration to find its files; writes FILE (the
 * Inventory), FILE.secrets.db (the local secret store), FILE.api-tokens.sqlite and FILE.rollouts.sqlite, each 0600; prints one line per file.
 * Restore: stop the manager, copy the files back under their names in dataDir, start it.
 */
export function backupCommand(io: CliIo): Command {
  return new Command('backup')
    .description(
      'consistent copies of the Inventory, the local secret store, the API tokens and the rollouts, safe while it runs',
    )
    .requiredOption(
      '--to <file>',
      'the Inventory copy; the others get .secrets.db, .api-tokens.sqlite, .rollouts.sqlite appended',
    )
    .option('-c, --config <file>', 'the manager configuration (where the data is)', DEFAULT_CONFIG_FILE)
    .action((options: { to: string; config: string }) =>
      runCommand(io, async () => {
        // Loaded when the command runs: a client command's cold start stays free of the config and the database.
        const [{ loadManagerConfig }, { planBackup }] = await Promise.all([
          import('../config/config.ts'),
          import('../backup/backup-plan.ts'),
        ])
        const loaded = loadManagerConfig(options.config)
        if (!loaded.ok) throw new CliError(`invalid configuration ${options.config}: ${loaded.problems.join('; ')}`)
        for (const step of planBackup(loaded.config, options.to)) {
          const { bytes, summary } = await step.run()
          io.out(`${step.what}: ${step.from} -> ${step.to} (${bytes} bytes${summary === '' ? '' : `, ${summary}`})\n`)
        }
        io.err('the secret store key is not part of the backup: keep your copy of it apart (docs/secrets.md)\n')
      }),
    )
}
