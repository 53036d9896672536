import { Progress, ProgressState } from './progress.js';
import type { ConfState } from './types.js';

export const VoteResult = { PENDING: 0, WON: 1, LOST: 2 } as const;
export type VoteResult = (typeof VoteResult)[keyof typeof VoteResult];

/**
 * The membership of a group and the leader's per-member progress, with the majority questions
 * asked of it (commit index, election tally, check-quorum, ReadIndex confirmation). Learners have
 * progress but never count towards a majority.
 */
export class ProgressTracker {
  readonly prs = new Map<number, Progress>();
  voterIds: number[] = [];
  learnerIds: number[] = [];
  private readonly votes = new Map<number, boolean>();
  private readonly matchScratch: number[] = [];

  constructor(
    private readonly selfId: number,
    private readonly maxInflightMsgs: number,
    private readonly maxInflightBytes: number,
  ) {}

  get(id: number): Progress | undefined {
    return this.prs.get(id);
  }

  confState(): ConfState {
    return { voters: [...this.voterIds], learners: [...this.learnerIds] };
  }

  isVoter(id: number): boolean {
    const pr = this.prs.get(id);
    return pr !== undefined && !pr.isLearner;
  }

  quorum(): number {
    return Math.floor(this.voterIds.length / 2) + 1;
  }

  /**
   * Makes `cs` the membership, keeping the progress of members that stay (idempotent, so a replayed
   * change is harmless). New members start at `next`; our own match at `selfMatch`.
   */
  adopt(cs: ConfState, next: number, selfMatch: number): void {
    const voters = new Set(cs.voters);
    const learners = new Set(cs.learners);
    for (const id of [...this.prs.keys()]) if (!voters.has(id) && !learners.has(id)) this.prs.delete(id);
    for (const [ids, isLearner] of [[voters, false], [learners, true]] as const) {
      for (const id of ids) {
        const pr = this.prs.get(id);
        if (pr === undefined) this.add(id, next, isLearner, selfMatch);
        else pr.isLearner = isLearner;
      }
    }
    this.voterIds = [...voters].sort((a, b) => a - b);
    this.learnerIds = [...learners].filter((id) => !voters.has(id)).sort((a, b) => a - b);
  }

  private add(id: number, next: number, isLearner: boolean, selfMatch: number): void {
    const pr = new Progress(next, isLearner, this.maxInflightMsgs, this.maxInflightBytes);
    // A new member counts as active so check-quorum does not fire before it had a chance to answer.
    pr.recentActive = true;
    if (id === this.selfId) pr.match = selfMatch;
    this.prs.set(id, pr);
  }

  /** The highest index stored by a majority of voters. */
  committedIndex(): number {
    const matches = this.matchScratch;
    matches.length = 0;
    for (const id of this.voterIds) matches.push(this.prs.get(id)?.match ?? 0);
    sortDescending(matches);
    return matches[this.quorum() - 1] ?? 0;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a vote (the first answer of each voter counts) and tallies the election. */
  recordVote(id: number, granted: boolean): VoteResult {
    if (!this.votes.has(id)) this.votes.set(id, granted);
    let yes = 0;
    let no = 0;
    for (const voter of this.voterIds) {
      const v = this.votes.get(voter);
      if (v === true) yes++;
      else if (v === false) no++;
    }
    const q = this.quorum();
    if (yes >= q) return VoteResult.WON;
    if (this.voterIds.length - no < q) return VoteResult.LOST;
    return VoteResult.PENDING;
  }

  /** Check-quorum: did a majority answer during the last election timeout? Starts a new period. */
  quorumActive(): boolean {
    let active = 0;
    for (const id of this.voterIds) {
      if (id === this.selfId || this.prs.get(id)?.recentActive === true) active++;
    }
    this.forgetActivity();
    return active >= this.quorum();
  }

  /**
   * Quiescence: has every member (learners too) stored the whole log `last`, with nothing in
   * flight, and answered during this election timeout? A member not heard from lately may be
   * down, and a leader that went quiet could not notice it through check-quorum.
   */
  allCaughtUp(last: number): boolean {
    for (const [id, pr] of this.prs) {
      if (pr.match !== last) return false;
      if (id === this.selfId) continue;
      // Probing is fine (a follower back from a lost connection is probed until the next append,
      // which an idle group never sends); a snapshot in flight is not.
      if (!pr.recentActive || pr.state === ProgressState.SNAPSHOT || pr.inflights.size() !== 0) return false;
    }
    return true;
  }

  /** Wake-up of a quiesced leader: nobody counts as heard from until it answers again. */
  forgetActivity(): void {
    for (const [id, pr] of this.prs) if (id !== this.selfId) pr.recentActive = false;
  }

  /** ReadIndex: has a majority acknowledged heartbeat round `round` (or a later one)? */
  roundConfirmed(round: number): boolean {
    let acks = 0;
    for (const id of this.voterIds) {
      if (id === this.selfId || (this.prs.get(id)?.readRound ?? 0) >= round) acks++;
    }
    return acks >= this.quorum();
  }
}

/**
 * In-place insertion sort, largest first. Voter sets are a handful of ids and this runs for every
 * append response a leader steps; Array.prototype.sort with a comparator allocates a work array
 * each call (1 % of a node's allocations under load).
 */
function sortDescending(xs: number[]): void {
  for (let i = 1; i < xs.length; i++) {
    const x = xs[i] as number;
    let j = i - 1;
    while (j >= 0 && (xs[j] as number) < x) {
      xs[j + 1] = xs[j] as number;
      j--;
    }
    xs[j + 1] = x;
  }
}
