/** `chronik inspect`: placeholder until the WAL lands (issue 2). */
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('chronik inspect: not built yet\n');
  return 2;
}
