export interface ApiEntry {
  apiKey: number;
  name: string;
  request: string;
  response: string;
}

function fileBase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/**
 * The index re-exports every message and adds, per API key, its name and request/response codecs,
 * plus a type map from API key to the request and response types (for typed handler registration).
 */
export function emitIndex(apis: ApiEntry[], modules: readonly string[]): string {
  apis.sort((a, b) => a.apiKey - b.apiKey);
  const lines: string[] = ["import type { MessageCodec } from '../codec.js';"];
  for (const api of apis) {
    lines.push(
      `import { ${api.request}Codec, type ${api.request} } from './${fileBase(api.request)}.js';`,
      `import { ${api.response}Codec, type ${api.response} } from './${fileBase(api.response)}.js';`,
    );
  }
  lines.push('');
  for (const m of modules) lines.push(`export * from './${m}.js';`);
  lines.push('', '/** Kafka API keys by name. */', 'export const ApiKey = {');
  for (const api of apis) lines.push(`  ${api.name}: ${api.apiKey},`);
  lines.push('} as const;', '', 'export type ApiKeyValue = (typeof ApiKey)[keyof typeof ApiKey];', '');
  lines.push('/** Request and response types per API key. */', 'export interface ApiMessages {');
  for (const api of apis) lines.push(`  ${api.apiKey}: { request: ${api.request}; response: ${api.response} };`);
  lines.push('}', '');
  lines.push('export interface ApiCodecs<K extends ApiKeyValue> {');
  lines.push('  readonly apiKey: K;', '  readonly name: string;');
  lines.push("  readonly request: MessageCodec<ApiMessages[K]['request']>;");
  lines.push("  readonly response: MessageCodec<ApiMessages[K]['response']>;", '}', '');
  lines.push('/** Codecs per API key. */', 'export const apiCodecs: { readonly [K in ApiKeyValue]: ApiCodecs<K> } = {');
  for (const api of apis) {
    lines.push(`  ${api.apiKey}: { apiKey: ${api.apiKey}, name: '${api.name}', request: ${api.request}Codec, response: ${api.response}Codec },`);
  }
  lines.push('};', '');
  return lines.join('\n');
}
