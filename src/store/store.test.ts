import fs from 'node:fs';
import pino from 'pino';
import { tempDir } from '../../test/helpers/net.ts';
import { storeContract } from '../../test/store-contract.ts';
import { systemClock } from '../clock.ts';
import { openDatabase } from '../database.ts';
import { SqliteStore } from './store.ts';

storeContract('SQLite store', (limits) => {
  const dir = tempDir();
  const log = pino({ level: 'silent' });
  let db = openDatabase(dir);
  return {
    store: new SqliteStore(db, limits, log, systemClock),
    reopen() {
      db.close();
      db = openDatabase(dir);
      return new SqliteStore(db, limits, log, systemClock);
    },
    close() {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
