import { ApiKey } from '../../kafka/protocol/index.js';

/** Api key → name (Produce, Fetch, …): a frozen table derived from the generated protocol. Unknown keys are labelled by number. */
const NAMES: ReadonlyMap<number, string> = new Map(Object.entries(ApiKey).map(([name, key]) => [key as number, name]));

export function apiName(apiKey: number): string {
  return NAMES.get(apiKey) ?? `api_${apiKey}`;
}
