/**
 * "Did you mean …?" for misspelt step names, types and fields: the closest candidate by Levenshtein
 * distance, if it is close enough to be a plausible typo.
 */

/**
 * Edit distance (insertions, deletions, substitutions) between two strings.
 *
 * @example levenshtein('Edn', 'End') // 2
 */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidate closest to `word`, or undefined when none is within a typo's reach (a third of the
 * longer word, at least 2 edits; a case-only difference always counts). Ties go to the earlier
 * candidate, so the answer is deterministic.
 *
 * @example closest('Edn', ['Init', 'End']) // 'End'
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance =
      candidate.toLowerCase() === word.toLowerCase() ? 0.5 : levenshtein(word, candidate);
    const reach = Math.max(2, Math.floor(Math.max(word.length, candidate.length) / 3));
    if (distance <= reach && distance < bestDistance) {
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
