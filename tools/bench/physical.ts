/**
 * Physical limits of this machine, measured in the same run as the scenarios so ratios compare like
 * with like: write+fdatasync on the data disk (runWalBench's raw loop only) and loopback TCP.
 */
import { runNetBench } from './net.js';
import type { PhysicalLimits } from './scenarios/types.js';
import { KIB, MIB } from './scenarios/types.js';
import { runWalBench } from './wal.js';

export interface PhysicalOptions {
  dataDir: string;
  /** Per disk size, summed over slices. */
  diskMs: number;
  /** Per network measurement (runNetBench runs five). */
  netMs: number;
}

export async function measurePhysical(o: PhysicalOptions): Promise<PhysicalLimits> {
  // appenders: [] leaves only the raw write+fdatasync loop of the WAL bench.
  const wal = await runWalBench({ dir: o.dataDir, durationMs: o.diskMs, entrySizes: [KIB, 64 * KIB, MIB], appenders: [], slices: 2 });
  const disk = wal.rows.filter((r) => r.kind === 'raw').map((r) => ({ entryBytes: r.entryBytes, opsPerSec: Math.round(r.opsPerSec), mbPerSec: Math.round(r.mbPerSec * 10) / 10 }));
  const net = await runNetBench({ durationMs: o.netMs });
  return {
    dataDir: o.dataDir,
    disk,
    tcpMbPerSec: Math.round(net.rawTcp.mbPerSec),
    tcpRttP50Us: net.rawRtt.p50Us,
    tcpRttP99Us: net.rawRtt.p99Us,
    net,
  };
}

export function diskMbPerSec(p: PhysicalLimits | undefined, entryBytes: number): number | undefined {
  return p?.disk.find((d) => d.entryBytes === entryBytes)?.mbPerSec;
}
