/**
 * `npm run gen:protocol`: node dist/tools/gen-protocol/generate.js [schemaDir] [outDir]
 * Defaults: ../shared/kafka-protocol/message and src/kafka/protocol/generated.
 */
import { resolve } from 'node:path';
import { generate } from './generator.js';

const [schemaArg, outArg] = process.argv.slice(2);
const outDir = resolve(outArg ?? 'src/kafka/protocol/generated');
const result = generate(resolve(schemaArg ?? '../shared/kafka-protocol/message'), outDir);
process.stdout.write(`generated ${result.messages} messages, ${result.apis} APIs into ${outDir}\n`);
