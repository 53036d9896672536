/** --help texts of the tool and its subcommands (docs/inspect.md has the long form). */

const EXIT_CODES = `Exit codes: 0 ok, 1 corruption found (verify, index), 2 usage error, 3 the target could not be read.`;

export const TOOL_HELP = `Usage: chronik inspect <command> <path> [options]

Read-only inspection of a Chronik data directory. Never takes the node's LevelDB lock and never
writes into the data directory: safe against a running node.

Commands:
  segments <dir>                 segments of each log: index range, size, frames, bad-CRC frames
  dump <segment|logdir>          one line per frame; Kafka batch fields; --deep for records
  verify <dir>                   check everything; exit 1 on corruption
  index <datadir|logdir>         check the LevelDB index against the segments (on a copy)
  raft <dir>                     hard state, first/last index, last term, snapshot of each log
  meta <datadir>                 the committed __meta events and the image they replay to

<dir> is a data dir (containing logs/ and index/), one log dir (logs/<log>), or for some
commands a segment file. Every command takes --json and --help.
${EXIT_CODES}`;

export const COMMAND_HELP: Readonly<Record<string, string>> = {
  segments: `Usage: chronik inspect segments <datadir|logdir|segment> [--json]

For each log, its segment files: first and last entry index, size in bytes, frame count,
bad-CRC frame count and a status (ok, torn tail, DAMAGED, BAD HEADER).
${EXIT_CODES}`,
  dump: `Usage: chronik inspect dump <logdir|segment> [--from N | --offset N] [--count N] [--deep]
                                   [--max-bytes N] [--json]

One line per frame: byte position, entry index, term, type, size, CRC ok/BAD. Kafka batch entries
(type 2) add base/last offset, record count, first/max timestamp, codec, producer id/epoch/sequence
and batch CRC. Damaged regions are shown where they are, and decoding resumes after them.
  --from N       start at entry index N
  --offset N     start at the batch holding Kafka offset N
  --count N      print at most N frames
  --deep         print each record: offset, timestamp, key, value, headers
  --max-bytes N  show at most N bytes of each key/value/header (default 64)
  --json         one JSON object per line (NDJSON)
${EXIT_CODES}`,
  verify: `Usage: chronik inspect verify <datadir|logdir|segment> [--json] [--max-problems N]

Checks every frame CRC, index continuity and term monotonicity, segment headers and names, Kafka
batch CRCs of type-2 entries and, with a LevelDB index, the index against the segments. A torn
tail at the end of a log's last segment is a warning (opening cuts it), as in the WAL's recovery
table. Prints the exact location of the first problem; --json lists all problems (up to
--max-problems, default 1000). Shows a progress bar when stderr is a terminal.
${EXIT_CODES}`,
  index: `Usage: chronik inspect index <datadir|logdir> [--json]

Checks the LevelDB index (on a copy) against the segments: the "indexed up to" marker is at a
frame end and not past the segments, every index point names a frame with that index, term-run,
offset and timestamp keys agree with the frames and batches. Needs <datadir>/index.
${EXIT_CODES}`,
  raft: `Usage: chronik inspect raft <datadir|logdir> [--json]

For each log: hard state (term, vote, commit), first and last index, last term, snapshot
(index, term) and index epoch, from a LevelDB copy plus the segments.
${EXIT_CODES}`,
  meta: `Usage: chronik inspect meta <datadir> [--json]

The committed __meta events (BrokerRegistered, TopicCreated, LeaderElected, ...) with their Raft
index and term, then the metadata image they replay to (brokers, topics, partition leaders and
epochs, ISR) and its digest. Replay starts from the node's local __meta snapshot when there is
one. Entries past the saved commit index are listed as uncommitted and not applied.
${EXIT_CODES}`,
};
