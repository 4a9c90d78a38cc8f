// Inputs and outputs of ranking: candidates with their observation history, scored papers with reasons.
export interface ObservationPoint {
  observedAt: string; // ISO
  upvotes: number | null;
  comments: number | null;
  githubStars: number | null;
}

export interface Candidate {
  id: string;
  /** When the paper appeared to the community: its Daily Papers day, else when we first saw it (ISO). */
  appearedAt: string;
  observations: ObservationPoint[]; // ascending by observedAt
}

export interface TrendParams {
  windowHours: number;
  gravity: number;
  commentWeight: number;
  starWeight: number;
}

export interface ScoreParts {
  upvotes: number; // latest total
  upvoteGrowth: number; // growth inside the window
  commentGrowth: number;
  starGrowth: number;
  ageHours: number;
  /** Growth over the last 24 h, when observations allow saying so. */
  upvotes24h: number | null;
}

export interface ScoredPaper {
  id: string;
  score: number;
  appearedAt: string;
  parts: ScoreParts;
  reason: string;
}
