import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgliteDatabase, migrateToLatest } from '@tracktrove/event-store';
import { describe, expect, it } from 'vitest';
import { loadOrCreateWebhookSecret, simulatorMigrations, type SimulatorTables } from '../src/index.ts';

describe('the webhook secret kept with the data', () => {
  it('is made once per PGlite data directory and survives a restart', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tracktrove-secret-'));
    const secretOf = async (dataDir: string) => {
      const database = await createPgliteDatabase(dataDir);
      try {
        await migrateToLatest(database.db, simulatorMigrations);
        return await loadOrCreateWebhookSecret(database.db.withTables<SimulatorTables>());
      } finally {
        await database.close();
      }
    };
    try {
      const first = await secretOf(join(root, 'one'));
      expect(first).toMatch(/^[\w-]{43}$/);
      expect(await secretOf(join(root, 'one'))).toBe(first);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
