/**
 * Topic ids are canonical UUID strings in the metadata image; the Kafka codecs carry UUIDs as
 * Kafka's own string form (base64url of the 16 bytes, no padding).
 */
export const ZERO_UUID_KAFKA = 'AAAAAAAAAAAAAAAAAAAAAA';

export function toKafkaUuid(uuid: string): string {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url');
}

export function fromKafkaUuid(kafkaUuid: string): string {
  const hex = Buffer.from(kafkaUuid, 'base64url').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
