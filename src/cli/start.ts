/** `chronik start`: placeholder until the broker lands (issue 4). */
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('chronik start: the broker is not built yet\n');
  return 1;
}
