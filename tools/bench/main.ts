/** `chronik bench`: placeholder until the benchmarks land. */
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('chronik bench: not built yet\n');
  return 2;
}
