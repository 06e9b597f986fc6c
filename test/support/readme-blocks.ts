/**
 * The fenced code blocks of a Markdown file (README.md), with what the
 * walk-through test needs to know about each: its language, the `## ` section
 * it sits in, its line, and whether the paragraph right before it carries the
 * visible label `**Browser only.**` (a snippet that cannot run in a shell or
 * in Node 20). Fences may be indented (blocks inside list items); the
 * indentation of the opening fence is removed from the block's lines.
 */

export const BROWSER_ONLY_LABEL = '**Browser only.**';

export interface FencedBlock {
  /** The info string's first word: `sh`, `js`, `graphql`, or '' for none. */
  lang: string;
  code: string;
  /** The `## ` heading above the block, without the hashes. */
  section: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The paragraph right before the block starts with BROWSER_ONLY_LABEL. */
  browserOnly: boolean;
}

export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const heading = /^## (.*)$/.exec(lines[i]!);
    if (heading) section = heading[1]!.trim();
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(Math.min(indent, leadingSpaces(lines[j]!))));
    if (j === lines.length) throw new Error(`README.md:${i + 1}: a fence that is never closed`);
    blocks.push({ lang: open[2]!, code: body.join('\n'), section, line: i + 1, browserOnly: labelled(lines, i) });
    i = j;
  }
  return blocks;
}

function leadingSpaces(line: string): number {
  return line.length - line.trimStart().length;
}

/** Whether the paragraph ending right before line `fence` (0-based) starts with the label. */
function labelled(lines: string[], fence: number): boolean {
  let end = fence - 1;
  while (end >= 0 && lines[end]!.trim() === '') end--;
  let start = end;
  while (start > 0 && lines[start - 1]!.trim() !== '' && !/^\s*```/.test(lines[start - 1]!)) start--;
  return start >= 0 && lines[start]!.trim().startsWith(BROWSER_ONLY_LABEL);
}

/**
 * Code that only a browser runs: page globals (`localStorage`, `document`,
 * `window`), or a WebSocket (Action Cable's consumer included) without the
 * `ws` package that Node 20 needs for one.
 */
export function needsBrowser(code: string): boolean {
  if (/\b(localStorage|sessionStorage|document|window)\b/.test(code)) return true;
  return /\b(createConsumer|new WebSocket)\(/.test(code) && !/['"]ws['"]/.test(code);
}
