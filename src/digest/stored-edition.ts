// Reads a prepared edition back through the Store (either engine) for rendering (archive page, Atom feed, previews,
// the sender): read-only. Invariant: snapshots are checked with zod on the way out, and only `ready` editions are returned.
import type { Section } from '../rank/select.js';
import { checkSnapshot, type PaperSnapshot } from './snapshot.js';
import type { ArchivedEdition, EditionStore } from '../db/stores/editions.js';
import { compileEdition, type CompiledEdition, type RecipientParts, type RenderSettings } from './render.js';

export interface StoredEdition {
  id: number;
  date: string;
  subject: string;
  preparedAt: string;
  /** Every paper any recipient was shown, in global rank order. */
  papers: { snapshot: PaperSnapshot; rank: number; reason: string }[];
}

/** The ready edition of `date` through the Store (either engine), snapshots checked; undefined when there is none. */
export async function readStoredEdition(store: Pick<EditionStore, 'readyEdition'>, date: string): Promise<StoredEdition | undefined> {
  return checked(await store.readyEdition(date));
}

/** The same by the edition's id (the sender compiles each edition it sends from). */
export async function readStoredEditionById(store: Pick<EditionStore, 'readyEditionById'>, id: number): Promise<StoredEdition | undefined> {
  return checked(await store.readyEditionById(id));
}

function checked(e: ArchivedEdition | undefined): StoredEdition | undefined {
  if (!e) return undefined;
  const papers = e.papers.map((p) => ({ snapshot: checkSnapshot(p.snapshot), rank: p.rank, reason: p.reason }));
  return { id: e.id, date: e.date, subject: e.subject, preparedAt: e.preparedAt, papers };
}

/** What everyone sees: the top `size` of the frozen ranking with its reasons. No personal parts. */
export function publicSections(e: StoredEdition, size: number): Section[] {
  const papers = e.papers.filter((p) => p.rank <= size).map((p) => ({ id: p.snapshot.id, reason: p.reason }));
  return papers.length ? [{ kind: 'trending', title: 'Top trending', papers }] : [];
}

export function compileStoredEdition(e: StoredEdition, s: RenderSettings): Promise<CompiledEdition> {
  return compileEdition({ date: e.date, subject: e.subject, papers: e.papers.map((p) => p.snapshot) }, s);
}

/**
 * A stand-in recipient for previews: the public sections plus, when the edition holds papers shown only
 * in topic sections, a sample "For you" section of them. Its links are inert placeholders.
 */
export function previewRecipient(e: StoredEdition, size: number, baseUrl: string): RecipientParts {
  const extra = e.papers.filter((p) => p.rank > size).slice(0, 3);
  const sections = publicSections(e, size);
  if (extra.length)
    sections.push({ kind: 'topic', title: 'For you: preview', topic: 'preview', papers: extra.map((p) => ({ id: p.snapshot.id, reason: 'matches: your topics' })) });
  return { sections, unsubscribeUrl: `${baseUrl}/unsubscribe?token=preview`, preferencesUrl: `${baseUrl}/preferences?token=preview` };
}
