import { buildConfig, ConfigError, parseFlags, readConfigFile, settingsHelp, type BrokerConfig } from '../config/index.js';
import { ChronikNode } from '../node/node.js';
import { createLogger } from '../util/logger.js';

const HELP = `Usage: chronik start [options]

Runs one Chronik node. With no options: a single node with Kafka on 127.0.0.1:9092 and data in
./data. Settings come from a JSON file (--config), CHRONIK_* environment variables and flags, in
increasing order of precedence; an unknown or invalid setting is an error.

Options:
  --config <file>                          JSON or YAML (.yaml/.yml: flat name: value lines) file of settings
${settingsHelp()}
`;

const STOP_TIMEOUT_MS = 30_000;

export async function main(argv: string[]): Promise<number> {
  let config: BrokerConfig;
  try {
    const flags = parseFlags(argv);
    if (flags.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const file = flags.configFile === undefined ? undefined : readConfigFile(flags.configFile);
    config = buildConfig({ ...(file === undefined ? {} : { file }), env: process.env, flags: flags.settings });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`chronik start: ${err.message}\n`);
    return 2;
  }
  const logger = createLogger({ level: config.logLevel, nodeId: config.nodeId, pretty: process.stdout.isTTY });
  const node = await ChronikNode.start({ config, logger });
  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'stopping');
      const timer = setTimeout(() => {
        logger.error({ timeoutMs: STOP_TIMEOUT_MS }, 'stop timed out');
        resolve(1);
        // Whatever hung still holds handles that would keep the process alive: exit regardless.
        setImmediate(() => process.exit(1));
      }, STOP_TIMEOUT_MS);
      timer.unref();
      // Graceful: hand leadership to live followers first, then close (bounded by the timer above).
      node.stop({ graceful: true }).then(
        () => resolve(0),
        (err: unknown) => {
          logger.error({ err }, 'stop failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
