/**
 * "Did you mean …?" for misspelt step names, types and fields: the closest candidate by edit
 * distance, if it is close enough to be a plausible typo.
 */

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of two neighbouring
 * characters (Levenshtein with transpositions, "optimal string alignment"), so `Edn` → `End` is 1.
 *
 * @example editDistance('Edn', 'End') // 1
 * @example editDistance('kitten', 'sitting') // 3
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/**
 * The candidate closest to `word`, or undefined when none is within a typo's reach: at most a third
 * of the longer word's length (at least 1), and fewer edits than `word` has characters (so `B` does
 * not suggest `A`); a case-only difference always counts. Ties go to the earlier candidate.
 *
 * @example closest('Edn', ['Init', 'End']) // 'End'
 * @example closest('B', ['A']) // undefined
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const caseOnly = candidate.toLowerCase() === word.toLowerCase();
    const distance = caseOnly ? 0.5 : editDistance(word, candidate);
    const reach = Math.max(1, Math.floor(Math.max(word.length, candidate.length) / 3));
    const plausible = caseOnly || (distance <= reach && distance < word.length);
    if (plausible && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * ` (did you mean "X"?)` when there is a plausible correction, else an empty string; ready to append
 * to a message.
 *
 * @example `unknown step "Edn"${didYouMean('Edn', ['Init', 'End'])}` // 'unknown step "Edn" (did you mean "End"?)'
 */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const suggestion = closest(word, candidates);
  return suggestion === undefined ? '' : ` (did you mean ${JSON.stringify(suggestion)}?)`;
}

/** Names people bring from Step Functions, Workflows or habit, and firestep's word for them. */
const ALIASES: Record<string, string> = {
  retries: 'retry',
  retrier: 'retry',
  timeout: 'timeout_seconds',
  timeoutseconds: 'timeout_seconds',
  params: 'parameters',
  args: 'parameters',
  arguments: 'parameters',
  choice: 'Condition',
  switch: 'Condition',
  succeed: 'End',
  success: 'End',
  sleep: 'Wait',
  assign: 'Pass',
  fail: 'Fail',
  iterator: 'Map',
  foreach: 'Map',
  startat: 'start',
  states: 'steps',
  resultpath: 'parameters',
};

/**
 * The allowed name a person most likely meant by `word`: a close spelling (`paramters` →
 * `parameters`), a known synonym (`retries` → `retry`, `timeout` → `timeout_seconds`, `Choice` →
 * `Condition`), or a name that starts with it. Undefined when nothing is plausible.
 *
 * @example suggestField('timeout', ['type', 'timeout_seconds']) // 'timeout_seconds'
 * @example suggestField('Choice', ['Task', 'Condition']) // 'Condition'
 */
export function suggestField(word: string, allowed: Iterable<string>): string | undefined {
  const candidates = [...allowed];
  const near = closest(word, candidates);
  if (near !== undefined) return near;
  const alias = ALIASES[word.toLowerCase().replace(/[_-]/g, '')];
  if (alias !== undefined && candidates.includes(alias)) return alias;
  if (word.length >= 4)
    return candidates.find((c) => c.startsWith(word) || (c.length >= 4 && word.startsWith(c)));
  return undefined;
}
