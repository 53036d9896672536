/** --help texts of the tool and its subcommands (docs/inspect.md has the long form). */

const EXIT_CODES = `Exit codes: 0 ok, 1 corruption found (verify, index, meta, groups, partition), 2 usage error,
3 the target could not be read.`;

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
  groups <datadir>               consumer groups: membership and committed offsets
  partition <datadir> <topic> <partition>
                                 one partition's batches with Kafka offsets; high watermark

<dir> is a data dir (containing logs/ and index/), one log dir (logs/<log>), or for some
commands a segment file. Every command takes --json and --help ('chronik inspect <command> --help').
groups and partition see only the replicas this node holds: a full picture may need every node's
data dir (or the partition leaders').
Segments inside a data dir are read with the records of its redo journal (journal/) applied, as
opening the store would redo them after a crash.
${EXIT_CODES}`;

export const COMMAND_HELP: Readonly<Record<string, string>> = {
  segments: `Usage: chronik inspect segments <datadir|logdir|segment> [--json]

For each log, its segment files: first and last entry index, size in bytes, frame count,
bad-CRC frame count and a status (ok, torn tail, DAMAGED, BAD HEADER). When the data dir's redo
journal holds records (after a crash), one line says how many, for how many logs and bytes.
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
table. The redo journal is checked too: records to redo and a torn journal tail are warnings,
damage opening would refuse is corruption. Prints the exact location of the first problem; --json
lists all problems (up to
--max-problems, default 1000). Shows a progress bar when stderr is a terminal.
${EXIT_CODES}`,
  index: `Usage: chronik inspect index <datadir|logdir> [--json]

Checks the LevelDB index (on a copy) against the segments: the "indexed up to" marker is at a
frame end and not past the segments, every index point names a frame with that index, term-run,
offset and timestamp keys agree with the frames and batches. Needs <datadir>/index.
${EXIT_CODES}`,
  raft: `Usage: chronik inspect raft <datadir|logdir> [--json]

For each log: hard state (term, vote, commit), first and last index, last term, the snapshot
installed from a leader (index, term), the group's own local snapshot (LevelDB; "(file)" when a
data directory not migrated yet still has it in raft/) and index epoch, from a LevelDB copy plus
the segments.
${EXIT_CODES}`,
  meta: `Usage: chronik inspect meta <datadir> [--json]

The committed __meta events (BrokerRegistered, TopicCreated, LeaderElected, ...) with their Raft
index and term, then the metadata image they replay to (brokers, topics, partition leaders and
epochs, ISR) and its digest. Replay starts from the newest __meta snapshot the node would load
(its local one in LevelDB, or one installed from a leader), when there is one. Entries past the saved commit index are listed as uncommitted and not applied.
${EXIT_CODES}`,
  groups: `Usage: chronik inspect groups <datadir> [--group G] [--json]

Replays this node's __consumer_offsets partitions (committed entries only, tombstones applied,
as the coordinator does when it loads them) and prints, per group, its generation, protocol,
leader and members from the last group metadata record, and its committed offsets per
topic-partition (offset, leader epoch, metadata, commit time). First a table of the offsets
partitions found: leader and replicas (from this node's __meta image), commit index, entries
applied, uncommitted entries, problems.
A node holds only the offsets partitions whose replicas are assigned to it: for every group,
run this on every node's data dir (or on the partition leaders'). A line names the offsets
partitions that are on other nodes only.
  --group G      show only group G
  --json         one JSON object: partitions and groups
Exit 1 when an offsets partition has damaged frames or undecodable records (the rest is shown).
${EXIT_CODES}`,
  partition: `Usage: chronik inspect partition <datadir> <topic> <partition> [--topic-id ID]
                                        [--from-offset N] [--count N] [--deep]
                                        [--max-bytes N] [--json]

The log of one partition replica on this node, one line per Kafka batch (dump's format): entry
index and term, base/last offset, record count, leader epoch, first/max timestamp, codec,
producer id/epoch/base sequence, batch CRC; "(uncommitted)" past the saved commit index. Then the
log start offset, the high watermark (the offset after the last committed batch), the log end
offset and the commit index. The log is found by topic name; when a deleted and re-created topic
left several logs of that name, they are listed and --topic-id (8 or more characters) picks one.
  --from-offset N  start at the batch holding offset N
  --count N        print at most N batches (the summary still covers the whole log)
  --deep           print each record: offset, timestamp, key, value, headers
  --max-bytes N    show at most N bytes of each key/value/header (default 64)
  --json           one JSON object per batch or damage (NDJSON), then {"summary": ...}
Exit 1 when frames or batches are damaged (everything readable is still printed).
${EXIT_CODES}`,
};
