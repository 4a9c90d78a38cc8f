// Inputs and outputs of ranking: candidates with their observation history, scored papers with their parts
// and a reason a reader understands. Plain data only: nothing here touches a database or a clock.
export interface ObservationPoint {
  observedAt: string; // ISO
  upvotes: number | null;
  comments: number | null;
  githubStars: number | null;
}

export interface Candidate {
  id: string;
  /** When the paper appeared to the community: its Daily Papers day, else its arXiv date, else when we first saw it (ISO). */
  appearedAt: string;
  /** When any source first showed it to us (ISO); a paper first seen after the last edition is new. */
  firstSeenAt: string;
  observations: ObservationPoint[]; // ascending by observedAt
}

export interface TrendParams {
  windowHours: number;
  gravity: number;
  commentWeight: number;
  starWeight: number;
}

export type Counter = 'upvotes' | 'comments' | 'githubStars';

/** The observed fact behind a reason: "+gain <counter> in sinceHours". */
export interface TrendFact {
  counter: Counter;
  gain: number;
  sinceHours: number;
  /** Measured from an earlier observation (about a day or more ago), or counted from the paper's appearance. */
  since: 'observation' | 'appearance';
}

export interface ScoreParts {
  upvotes: number; // latest total
  upvoteGrowth: number; // growth inside the window (interpolated where observations are sparse)
  commentGrowth: number;
  starGrowth: number; // measured between observations only
  /** upvoteGrowth + commentWeight·commentGrowth + starWeight·starGrowth */
  signal: number;
  /** (ageDays + 1)^gravity, the divisor */
  decay: number;
  ageHours: number;
  /** True when the window's starting value was interpolated from the paper's appearance (no observation before it). */
  estimated: boolean;
  fact: TrendFact | null;
}

export interface ScoredPaper {
  id: string;
  score: number;
  appearedAt: string;
  parts: ScoreParts;
  reason: string;
}

/** A paper matching a followed topic, with its relevance (bm25 scaled to 0–1 within the topic) and blended score. */
export interface TopicMatch {
  paper: ScoredPaper;
  relevance: number;
  score: number;
}

export interface TopicMatches {
  topic: string;
  /** Best first; computed once per topic per edition, shared by everyone who follows it. */
  papers: TopicMatch[];
}
