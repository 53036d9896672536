import { get } from 'node:http';
import { ErrorCode, KafkaError } from '../../../util/errors.js';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** GETs a JSON document from an admin endpoint, bounded in time and size. */
export function getJson(host: string, port: number, path: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = get({ host, port, path, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_BODY_BYTES) req.destroy(new Error(`response over ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new KafkaError(ErrorCode.NETWORK_EXCEPTION, `GET ${path}: HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(new KafkaError(ErrorCode.NETWORK_EXCEPTION, `GET ${path}: not JSON`, { cause: err }));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new KafkaError(ErrorCode.NETWORK_EXCEPTION, `GET http://${host}:${port}${path}: ${err.message}`, { cause: err })));
  });
}
