/**
 * How many ticks a follower that just lost its leader's connection waits before it campaigns
 * (with pre-vote), instead of a full randomised election timeout.
 *
 * Every follower of the dead leader sees the disconnect within milliseconds of the others (a
 * killed process's sockets close at once), so if they all campaigned on the next tick they would
 * often split the vote and fall back to the election timeout. Instead they take turns in an order
 * they all agree on without talking: the surviving voters sorted by id, rotated by the term (so
 * the groups a dead node led spread their new leadership over the survivors instead of all
 * landing on the lowest id). The first waits one tick (its phase against the disconnect is
 * effectively random), each next one `strideTicks` more. If the first cannot win (its log is
 * behind, or the others had not yet noticed and ignored its pre-vote while their lease held),
 * the next one takes over — the first, leaderless, grants it a pre-vote and a vote.
 *
 * Returns undefined when `self` is not among the surviving voters (a learner never campaigns).
 */
export function peerDownCampaignTicks(voterIds: readonly number[], self: number, downLeader: number, term: number, strideTicks: number): number | undefined {
  const survivors = voterIds.filter((id) => id !== downLeader).sort((a, b) => a - b);
  const position = survivors.indexOf(self);
  if (position < 0) return undefined;
  const rank = (position + term) % survivors.length;
  return 1 + rank * strideTicks;
}
