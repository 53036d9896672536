import { assert } from '../../util/assert.js';
import type { MemberState } from './member.js';

/**
 * Kafka's GroupMetadata.selectProtocol: among the protocols every member supports, each member
 * votes for the first one in its own preference order; the most votes win. Ties go to the
 * candidate listed first by the group's first member, which keeps the choice deterministic.
 */
export function selectProtocol(members: Iterable<MemberState>): string {
  const all = [...members];
  const first = all[0];
  assert(first !== undefined, 'selectProtocol on an empty group');
  const candidates = first.protocols
    .map((p) => p.name)
    .filter((name) => all.every((m) => m.protocols.some((p) => p.name === name)));
  assert(candidates.length > 0, 'members share no protocol');
  const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
  for (const member of all) {
    const vote = member.protocols.find((p) => votes.has(p.name));
    assert(vote !== undefined, 'member has no candidate protocol');
    votes.set(vote.name, (votes.get(vote.name) ?? 0) + 1);
  }
  let best = candidates[0] as string;
  for (const c of candidates) if ((votes.get(c) ?? 0) > (votes.get(best) ?? 0)) best = c;
  return best;
}
