// A CPU profile of one async run through node:inspector, printed by area (our engine, nodemailer's MIME build,
// quoted-printable, SMTP DATA, socket writes, SQLite, GC, …) and by function: bench:send's --profile, so the next
// person can see where the rest of the time goes without opening a .cpuprofile. Samples are self time.
import { Session } from 'node:inspector/promises';

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export async function profileCpu<T>(fn: () => Promise<T>): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const result = await fn();
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

/** Named areas of a profile: first match wins. */
export type ProfileAreas = [string, (f: CallFrame) => boolean][];

// First match wins. Native frames without a rule (regular expressions, buffer copies) count for their caller's area.
const SEND_AREAS: ProfileAreas = [
  ['idle (waiting for the network)', (f) => f.functionName === '(idle)'],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
  ['socket writes (syscalls)', (f) => ['writeBuffer', 'writev', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString'].includes(f.functionName) && !f.url],
  ['SMTP DATA dot-stuffing (nodemailer)', (f) => f.url.includes('smtp-connection/data-stream')],
  ['SMTP protocol and pool (nodemailer)', (f) => /nodemailer\/.*\/(smtp-connection|smtp-pool|smtp-transport)\//.test(f.url)],
  ['DKIM signing (nodemailer)', (f) => /nodemailer\/.*\/dkim\//.test(f.url)],
  ['quoted-printable (nodemailer qp + ours)', (f) => /nodemailer\/.*\/qp\//.test(f.url) || f.url.includes('src/mail/qp-splice')],
  ['MIME build (nodemailer)', (f) => f.url.includes('nodemailer/')],
  // better-sqlite3's statements are native frames named after their method.
  ['SQLite ledger (better-sqlite3)', (f) => f.url.includes('better-sqlite3') || f.url.includes('src/db/') || (!f.url && ['run', 'all', 'get', 'iterate', 'exec'].includes(f.functionName))],
  ['render (ours, src/digest)', (f) => f.url.includes('src/digest/')],
  ['engine and message (ours, src/mail, src/lib)', (f) => f.url.includes('src/mail/') || f.url.includes('src/lib/')],
  ['node streams', (f) => /^node:(internal\/streams|stream)/.test(f.url)],
  ['node crypto (tokens, random)', (f) => f.url.startsWith('node:internal/crypto')],
  ['node net, timers, events', (f) => /^node:(net|events|internal\/(timers|process|event_target|abort_controller|per_context|stream_base_commons))/.test(f.url)],
];

// Line numbers of our own files are those of tsx's transpiled code, so only the file is shown for them.
const short = (f: CallFrame) => {
  const ours = /^file:\/\/.*?\/(src|scripts)\//.exec(f.url);
  const where = ours ? f.url.slice(ours.index + ours[0].length - ours[1]!.length - 1) : f.url ? `${f.url.replace(/^.*node_modules\//, '')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`;
};

/** Prints the profile by area and by function; `units` are what per-unit figures divide by (messages, readers). */
export function printProfile(profile: CpuProfile, units: number, o: { areas?: ProfileAreas; unit?: string; title?: string } = {}): void {
  const AREAS = o.areas ?? SEND_AREAS;
  const unit = o.unit ?? 'message';
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, ProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const areaCache = new Map<number, string>();
  const areaOf = (n: ProfileNode): string => {
    const cached = areaCache.get(n.id);
    if (cached) return cached;
    const own = AREAS.find(([, test]) => test(n.callFrame))?.[0];
    const p = parent.get(n.id);
    const area = own ?? (!n.callFrame.url && p ? areaOf(p) : 'other (node internals, program)');
    areaCache.set(n.id, area);
    return area;
  };
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const area = areaOf(n);
    areas.set(area, (areas.get(area) ?? 0) + us);
    if (area.startsWith('idle')) continue;
    busy += us;
    functions.set(short(n.callFrame), (functions.get(short(n.callFrame)) ?? 0) + us);
  }
  const line = (name: string, us: number) => `  ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${(us / units).toFixed(1).padStart(6)} µs/${unit}  ${name}`;
  console.log(`CPU profile of ${o.title ?? 'the engine run'} (self time, ${(busy / 1000).toFixed(0)} ms busy; % of busy time):`);
  for (const [name, us] of [...areas].filter(([n]) => !n.startsWith('idle')).sort((a, b) => b[1] - a[1])) console.log(line(name, us));
  console.log('  top functions:');
  for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(line(name, us));
}
