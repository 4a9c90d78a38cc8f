// Data for the scale benches (bench:prepare, soak): the recorded HF items cloned under fresh ids over a candidate
// window, ingested day by day through the papers repository like the daily job does (the same recipe as
// bench:rank), and subscribers following 3 topics each drawn, Zipf-like, from a realistic pool.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppDeps } from '../src/app.js';
import { parseHfItem } from '../src/ingest/hf-item.js';
import type { PaperEntry } from '../src/ingest/types.js';

const DAY = 86_400_000;
export const at7 = (date: string) => new Date(`${date}T07:00:00.000Z`);
export const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00.000Z`) + n * DAY).toISOString().slice(0, 10);
export const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** Deterministic pseudo-random numbers (mulberry32), so every run builds the same data. */
export function seeded(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES = ['cs.CL', 'cs.CV', 'cs.LG', 'cs.AI', 'cs.RO', 'stat.ML', 'cs.IR', 'eess.AS'];

/** Ingests `perDay` papers a day over the `windowDays` up to `date`, one ingest per morning re-reading the last week. */
export function ingestBenchPapers(app: Pick<AppDeps, 'papers'>, date: string, o: { windowDays?: number; perDay?: number; random: () => number }): number {
  const windowDays = o.windowDays ?? 30;
  const perDay = o.perDay ?? 200;
  const fixtures = fileURLToPath(new URL('../tests/fixtures/hf-daily/', import.meta.url));
  const recorded = readdirSync(fixtures)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => JSON.parse(readFileSync(join(fixtures, f), 'utf8')) as unknown[])
    .flatMap((raw) => {
      const r = parseHfItem(raw, '2026-01-01');
      return r.ok ? [r.entry] : [];
    });
  const firstDay = addDays(date, -(windowDays - 1));
  const papers: { entry: PaperEntry; date: string; total: number; tauDays: number }[] = [];
  for (let d = 0; d < windowDays; d++) {
    const day = addDays(firstDay, d);
    for (let i = 0; i < perDay; i++) {
      const src = recorded[(d * perDay + i) % recorded.length]!;
      const id = `${day.slice(2, 4)}${day.slice(5, 7)}.${String(10_000 + d * perDay + i).padStart(5, '0')}`;
      papers.push({
        entry: { ...src, id, dailyDate: day, categories: [CATEGORIES[Math.floor(o.random() * CATEGORIES.length)]!] },
        date: day,
        total: Math.round((src.counters?.upvotes ?? 0) * (0.3 + 2 * o.random())),
        tauDays: 0.3 + 3 * o.random(),
      });
    }
  }
  for (let d = 0; d <= windowDays; d++) {
    const day = addDays(firstDay, d);
    const now = at7(day).getTime();
    const batch = papers
      .filter((p) => p.date <= day && p.date > addDays(day, -7))
      .map((p): PaperEntry => {
        const votes = Math.round(p.total * (1 - Math.exp(-(now - Date.parse(`${p.date}T00:00:00.000Z`)) / DAY / p.tauDays)));
        return { ...p.entry, counters: { upvotes: votes, comments: Math.round(votes / 20), githubStars: p.entry.counters?.githubStars } };
      });
    if (batch.length) app.papers.upsertBatch('file', batch, at7(day).toISOString());
  }
  return papers.length;
}

// Phrases readers follow and arXiv categories; popularity falls off like a Zipf law.
const POOL = [
  'agents', 'llm agents', 'reinforcement learning', 'diffusion', 'video generation', 'world model', 'long context',
  'reasoning', 'benchmark', 'multimodal', 'vision-language', 'robotics', 'embodied', 'retrieval-augmented generation',
  'memory', 'mixture of experts', 'distillation', 'scaling laws', 'pretraining', 'tokenizer', 'speech recognition',
  'text-to-speech', 'image editing', 'image generation', '3D generation', 'gaussian splatting', 'autonomous driving',
  'code generation', 'coding agents', 'math reasoning', 'theorem proving', 'chain of thought', 'test-time scaling',
  'reward model', 'preference optimization', 'alignment', 'safety', 'jailbreak', 'hallucination', 'interpretability',
  'quantization', 'speculative decoding', 'KV cache', 'attention', 'state space models', 'time series', 'recommendation',
  'information retrieval', 'question answering', 'summarization', 'machine translation', 'multilingual', 'evaluation',
  'dataset', 'synthetic data', 'continual learning', 'federated learning', 'privacy', 'watermarking', 'medical imaging',
  'chemistry', 'protein', 'materials', 'climate', 'physics', 'GUI agents', 'tool use', 'planning', 'in-context learning',
  'optimizer', 'video understanding', 'audio', 'music generation', 'OCR', 'document parsing',
  'cs.CL', 'cs.CV', 'cs.LG', 'cs.AI', 'cs.RO', 'stat.ML', 'cs.IR', 'eess.AS',
];

/** Three distinct topics, Zipf-like over the pool. */
export function topicPicker(random: () => number): () => string[] {
  const zipf = POOL.map((_, i) => 1 / (i + 1) ** 0.8);
  const total = zipf.reduce((a, b) => a + b, 0);
  const one = () => {
    let r = random() * total;
    for (let i = 0; i < POOL.length; i++) if ((r -= zipf[i]!) <= 0) return POOL[i]!;
    return POOL[POOL.length - 1]!;
  };
  return () => {
    const topics = new Set<string>();
    while (topics.size < 3) topics.add(one());
    return [...topics];
  };
}

/** `n` active subscribers with 3 topics each (10 % weekly readers), through the subscribers repository, in batches. */
export function addBenchSubscribers(app: Pick<AppDeps, 'db' | 'subscriptions'>, n: number, o: { now: string; random: () => number; from?: number }): void {
  const topics = topicPicker(o.random);
  const from = o.from ?? 0;
  for (let start = 0; start < n; start += 20_000) {
    app.db
      .transaction(() => {
        for (let i = start; i < Math.min(n, start + 20_000); i++)
          app.subscriptions.repo.create({ email: `reader${from + i}@bench.example`, status: 'active', now: o.now, topics: topics(), frequency: o.random() < 0.1 ? 'weekly' : 'daily' });
      })
      .immediate();
  }
}
