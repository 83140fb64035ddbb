import { existsSync } from 'node:fs'
import path from 'node:path'
import type Database from 'better-sqlite3'
import { TOKEN_DATABASE_FILE_NAME, type ManagerConfig } from '../config/config.ts'
import { DEFAULT_FILE_NAME } from '../inventory/sqlite/open.ts'
import { ROLLOUT_DATABASE_FILE_NAME } from '../rollouts/sqlite-rollout-store.ts'
import { backupSqliteDatabase, type SqliteCopy } from './sqlite-backup.ts'

/** One file of a backup: what it is, where it is, where its copy goes, and how it is copied. */
export interface BackupStep {
  what: 'inventory' | 'secret store' | 'API tokens' | 'rollouts'
  from: string
  to: string
  run(): Promise<SqliteCopy>
}

/**
 * What `amt-manager backup --to FILE` copies, from the manager's configuration: the SQLite Inventory to FILE; the
 * local secret store (secrets.kind local) to FILE.secrets.db; the SQLite API token database to FILE.api-tokens.sqlite;
 * the rollouts (rollouts.sqlite) to FILE.rollouts.sqlite. A file that does not exist yet (no host ever needed a
 * password, no token yet) is left out; the Inventory must exist. Never the secret store's key: it is kept apart from the data (docs/secrets.md).
 */
export function planBackup(config: ManagerConfig, to: string): BackupStep[] {
  const target = path.resolve(to)
  const inventory = path.join(config.dataDir, DEFAULT_FILE_NAME)
  const steps: BackupStep[] = [
    { what: 'inventory', from: inventory, to: target, run: () => backupSqliteDatabase(inventory, target, countHosts) },
  ]
  const { secrets } = config
  if (secrets.kind === 'local' && existsSync(secrets.file)) {
    const to = `${target}.secrets.db`
    steps.push({ what: 'secret store', from: secrets.file, to, run: () => backupSqliteDatabase(secrets.file, to) })
  }
  const tokens = path.join(config.dataDir, TOKEN_DATABASE_FILE_NAME)
  if (existsSync(tokens)) {
    const to = `${target}.api-tokens.sqlite`
    steps.push({ what: 'API tokens', from: tokens, to, run: () => backupSqliteDatabase(tokens, to, countTokens) })
  }
  const rollouts = path.join(config.dataDir, ROLLOUT_DATABASE_FILE_NAME)
  if (existsSync(rollouts)) {
    const to = `${target}.rollouts.sqlite`
    steps.push({ what: 'rollouts', from: rollouts, to, run: () => backupSqliteDatabase(rollouts, to, countRollouts) })
  }
  return steps
}

function countHosts(db: Database.Database): string {
  const row = db.prepare('SELECT count(*) AS hosts FROM hosts').get() as { hosts: number }
  return `${row.hosts} hosts`
}

function countTokens(db: Database.Database): string {
  const row = db.prepare('SELECT count(*) AS tokens FROM api_tokens').get() as { tokens: number }
  return `${row.tokens} tokens`
}

function countRollouts(db: Database.Database): string {
  const row = db.prepare('SELECT count(*) AS rollouts FROM rollouts').get() as { rollouts: number }
  return `${row.rollouts} rollouts`
}
