import { parseArgs } from 'node:util';
import { collectStatus, renderStatus } from '../node/admin/status/index.js';

const HELP = `Usage: chronik status --bootstrap host:port [options]

A live view of a cluster: nodes (up/down), the __meta leader, term and commit index, every topic's
partitions (leader, epoch, replicas, ISR, high watermark, follower lag) and consumer groups (state,
members, lag). Topology and groups come over the Kafka protocol; Raft details from each node's admin
HTTP endpoint.

Options:
  --bootstrap host:port   a broker's Kafka address (required)
  --admin host:port,...   admin endpoints to read (default: each broker's Kafka port + 1000)
  --internal              include internal topics (__consumer_offsets)
  --json                  print the view as JSON
  --timeout-ms <n>        bound on each request (default 5000)
`;

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        bootstrap: { type: 'string' },
        admin: { type: 'string' },
        internal: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'timeout-ms': { type: 'string', default: '5000' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`chronik status: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const bootstrap = values.bootstrap === undefined ? undefined : parseHostPort(values.bootstrap);
  const admin = values.admin === undefined ? undefined : values.admin.split(',').map(parseHostPort);
  const timeoutMs = Number(values['timeout-ms']);
  if (bootstrap === undefined || admin?.includes(undefined) === true || !Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    process.stderr.write(`chronik status: --bootstrap host:port is required; --admin takes host:port,...; --timeout-ms a positive integer\n\n${HELP}`);
    return 2;
  }
  let status;
  try {
    status = await collectStatus({
      bootstrap,
      ...(admin === undefined ? {} : { admin: admin.filter((a) => a !== undefined) }),
      timeoutMs,
      includeInternal: values.internal,
    });
  } catch (err) {
    // Only the bootstrap broker is essential; anything else unreadable is listed under problems.
    process.stderr.write(`chronik status: cannot read ${values.bootstrap}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
  return 0;
}

function parseHostPort(text: string): { host: string; port: number } | undefined {
  const i = text.lastIndexOf(':');
  const port = Number(text.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) return undefined;
  return { host: text.slice(0, i), port };
}
