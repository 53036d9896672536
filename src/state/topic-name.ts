/**
 * Kafka's topic name rules. A client creating a topic that Kafka would refuse must be refused
 * here too, with the same error (INVALID_TOPIC_EXCEPTION), or tools behave differently against us.
 */
export const MAX_TOPIC_NAME_LENGTH = 249;

const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Returns why the name is invalid, or undefined when it is valid. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'topic name is empty';
  if (name === '.' || name === '..') return `topic name cannot be "${name}"`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `topic name is longer than ${MAX_TOPIC_NAME_LENGTH} characters`;
  if (!LEGAL.test(name)) return `topic name "${name}" contains characters other than ASCII alphanumerics, '.', '_' and '-'`;
  return undefined;
}

/**
 * Kafka's metric names replace '.' with '_', so "a.b" and "a_b" would share metrics; Kafka refuses
 * to create one when the other exists. Topics are compared by this key to detect that.
 */
export function topicCollisionKey(name: string): string {
  return name.replaceAll('.', '_');
}
