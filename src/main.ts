/**
 * The process entry: parse the environment (a bad value exits non-zero
 * with one line naming the variable), start the roles, print how to reach
 * them, and stop cleanly on SIGINT/SIGTERM.
 */
import { ConfigError, loadConfig, type Config } from './config/env';
import { startGateway, type Gateway } from './gateway';
import { createLogger } from './log';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`smsgw: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

const log = createLogger(config.logLevel);
let gateway: Gateway;
try {
  gateway = await startGateway(config, log, { seedDemo: config.simulator });
} catch (error) {
  log.fatal({ err: error }, 'start-up failed');
  process.stderr.write(`smsgw: start-up failed: ${(error as Error).message}\n`);
  process.exit(1);
}

printBanner(gateway);
// Started by src/launcher.ts: tell it this process is up (the IPC channel must not keep it alive).
if (process.send) {
  process.send({ type: 'ready', httpPort: gateway.httpPort });
  process.channel?.unref();
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    void gateway.stop().then(() => process.exit(0));
  });
}

function printBanner(g: Gateway): void {
  const host = g.config.host === '0.0.0.0' || g.config.host === '::' ? '127.0.0.1' : g.config.host;
  const base = `http://${host}:${g.httpPort}`;
  const lines = [
    '',
    'smsgw is running',
    `  roles:        ${g.config.roles.join(',')}`,
    g.config.roles.includes('api')
      ? `  HTTP API:     ${base}/api/v1   (health ${base}/healthz, ready ${base}/readyz, metrics ${base}/metrics)`
      : `  HTTP:         health ${base}/healthz, ready ${base}/readyz, metrics ${base}/metrics (no API here: role api runs elsewhere)`,
    `  admin token:  ${g.adminToken}${g.config.adminToken ? ' (from ADMIN_TOKEN)' : ' (generated; set ADMIN_TOKEN to keep one)'}`,
  ];
  if (g.smppPort !== undefined) {
    lines.push(`  SMPP:         ${host}:${g.smppPort}${g.smppTlsPort !== undefined ? `, TLS ${host}:${g.smppTlsPort}` : ''}   (bind with the app's smppSystemId / smppPassword)`);
  }
  if (g.simulatorPort !== undefined) lines.push(`  simulator:    SMSC on 127.0.0.1:${g.simulatorPort}, seeded as carrier "simulator"`);
  if (g.demo) {
    const auth = `${g.demo.appId}:${g.demo.secret}`;
    lines.push(
      '',
      'Send a message with the demo app (its secret is new at every start):',
      `  curl -s -u '${auth}' -H 'content-type: application/json' \\`,
      `    -d '{"to":"+989121234567","text":"Hello from smsgw"}' ${base}/api/v1/messages`,
      'then look at it (use the id from the answer):',
      `  curl -s -u '${auth}' ${base}/api/v1/messages/<id>`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}
