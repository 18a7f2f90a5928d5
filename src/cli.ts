#!/usr/bin/env node
import { loadConfig } from './server/config/index.js';
import { openDb } from './server/db/open.js';
import { seedDemo } from './server/demo/seed.js';
import { createLogger, startServer } from './server/server.js';

const USAGE = `Usage: varde <command>

  start [--demo] [--production]
                   start the server (PGlite in PGLITE_DIR unless DATABASE_URL is set);
                   --production (or NODE_ENV=production) refuses demo data and the local test IdP
  migrate          apply database migrations and exit
  seed             load the demo helsefellesskap into an empty database and exit
  simulate         load a synthetic cohort, or stream its readings to a server (simulate --help)
  gateway          read Bluetooth health devices and upload their readings (gateway --help)

Configuration comes from the environment; see README.md.`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      const config = loadConfig(process.env, {
        ...(rest.includes('--demo') ? { DEMO: 'true' } : {}),
        ...(rest.includes('--production') ? { NODE_ENV: 'production' } : {}),
      });
      const log = createLogger(config.LOG_LEVEL);
      const server = await startServer(config, { log });
      log.info({ url: server.url, db: server.db.kind }, `Varde is running at ${server.url}`);
      // Machine-readable, whatever LOG_LEVEL says: supervisors and the fault tests start servers on port 0.
      if (process.env.VARDE_READY_LINE === '1') console.log(JSON.stringify({ varde: 'listening', url: server.url, db: server.db.kind, pid: process.pid }));
      const stop = async (signal: string) => {
        log.info({ signal }, 'shutting down');
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      return;
    }
    case 'migrate': {
      const config = loadConfig();
      const db = await openDb(config);
      console.log(`migrated (${db.kind})`);
      await db.close();
      return;
    }
    case 'seed': {
      const config = loadConfig();
      const db = await openDb(config);
      const r = await seedDemo(db, { now: new Date() });
      console.log(r ? `seeded: ${JSON.stringify(r)}` : 'database already has data; nothing seeded');
      await db.close();
      return;
    }
    case 'gateway': {
      const { runGatewayCli } = await import('./gateway/cli.js');
      await runGatewayCli(rest);
      return;
    }
    case 'simulate': {
      const { runSimulate } = await import('./sim/cli.js');
      await runSimulate(rest);
      return;
    }
    default:
      console.log(USAGE);
      process.exitCode = command && command !== 'help' && command !== '--help' ? 2 : 0;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
