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
  observations: ObservationPoint[]; // ascending by observedAt, all at or before the ranking's cut-off
  /**
   * Only for a paper with no observation up to the cut-off: its earliest observation after it (a late run, a
   * catch-up after downtime). The source's later count is the best estimate of its counters at the cut-off.
   */
  late?: ObservationPoint | undefined;
}

export interface TrendParams {
  /** Only growth inside the last windowHours before the cut-off counts. */
  windowHours: number;
  /** Each unit of growth counts 2^(−its age / halfLifeHours) at the cut-off; Infinity = plain growth. */
  halfLifeHours: number;
  commentWeight: number;
  starWeight: number;
  /** A reason's baseline observation is at least this much older than the latest one (default 20 h: "in 24 h"). */
  factBaselineHours?: number | undefined;
}

export type Counter = 'upvotes' | 'comments' | 'githubStars';

/** The observed fact behind a reason: "+gain <counter> in sinceHours". */
export interface TrendFact {
  counter: Counter;
  gain: number;
  sinceHours: number;
  /** Measured from an earlier observation (about a day or more ago), or counted from the paper's appearance. */
  since: 'observation' | 'appearance';
  /** The latest value was read after the cut-off (an estimate of the value at the edition's time): "~". */
  estimated: boolean;
}

export interface ScoreParts {
  upvotes: number; // latest total (at the cut-off, or the late estimate)
  upvoteGrowth: number; // growth inside the window (interpolated where observations are sparse)
  commentGrowth: number;
  starGrowth: number; // measured between observations only
  /** The score: upvote + commentWeight·comment + starWeight·star growth in the window, each unit weighted by its recency. */
  signal: number;
  ageHours: number;
  /**
   * True when the window's starting value was interpolated from the paper's appearance (no observation before
   * it), or when the counters were read after the cut-off (`late`).
   */
  estimated: boolean;
  /** The counters were read after the cut-off (no observation up to it): an estimate, marked "~". */
  late: boolean;
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
