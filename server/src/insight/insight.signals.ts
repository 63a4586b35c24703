/**
 * Public signals imported offline: a CSV with a header line, one repository a line. The OpenSSF
 * criticality_score tool's CSV works as it comes (`repo.url`, `default_score`,
 * `depsdev.dependent_count`), and so does the older Python tool's (`url`, `criticality_score`,
 * `dependents_count`), or any CSV with a repository column and a score or dependents column.
 * Read line by line, so the public 600,000-line file needs no more memory than its three columns.
 */
import { normalizeRepositoryUrl } from '@surplus/deps';
import type { SignalRow } from './insight.repository.ts';

const REPOSITORY_COLUMNS = ['repo.url', 'url', 'repo', 'repository', 'repo_url'];
const SCORE_COLUMNS = ['default_score', 'criticality_score', 'score'];
const DEPENDENTS_COLUMNS = ['depsdev.dependent_count', 'dependents_count', 'legacy.dependents_count', 'dependent_count', 'dependents'];
/** Problems listed in the answer; the count says how many there were in all. */
const MAX_PROBLEMS = 20;

export type SignalProblem = { line: number; message: string };
export type SignalsFile = { rows: SignalRow[]; problems: SignalProblem[]; problemCount: number; lines: number };

/** One CSV line into cells (RFC 4180 quoting within the line; these files have no line breaks inside fields). */
export function splitCsvLine(line: string): string[] | null {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return null;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += line[i++];
      }
      if (i < line.length && line[i] !== ',') return null;
    } else {
      const end = line.indexOf(',', i);
      cell = end === -1 ? line.slice(i) : line.slice(i, end);
      i = end === -1 ? line.length : end;
    }
    cells.push(cell.trim());
    if (i >= line.length) return cells;
    i++; // the comma
  }
}

export async function readSignals(lines: AsyncIterable<string>): Promise<SignalsFile> {
  const byRepository = new Map<string, SignalRow>();
  const problems: SignalProblem[] = [];
  let problemCount = 0;
  const problem = (line: number, message: string) => {
    problemCount++;
    if (problems.length < MAX_PROBLEMS) problems.push({ line, message });
  };
  let lineNumber = 0;
  let columns: { repository: number; score: number; dependents: number } | null = null;
  for await (const raw of lines) {
    lineNumber++;
    const line = lineNumber === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line.replace(/\r$/, ''));
    if (!cells) {
      problem(lineNumber, 'a quoted field is not closed on its line');
      continue;
    }
    if (!columns) {
      const names = cells.map((cell) => cell.toLowerCase());
      const find = (candidates: string[]) => names.findIndex((name) => candidates.includes(name));
      columns = { repository: find(REPOSITORY_COLUMNS), score: find(SCORE_COLUMNS), dependents: find(DEPENDENTS_COLUMNS) };
      if (columns.repository === -1) {
        problem(lineNumber, `the header names no repository column (one of ${REPOSITORY_COLUMNS.join(', ')})`);
        break;
      }
      if (columns.score === -1 && columns.dependents === -1) {
        problem(
          lineNumber,
          `the header names neither a score (${SCORE_COLUMNS.join(', ')}) nor dependents (${DEPENDENTS_COLUMNS.join(', ')})`,
        );
        break;
      }
      continue;
    }
    const url = cells[columns.repository] ?? '';
    const repository = normalizeRepositoryUrl(url);
    if (!repository) {
      problem(lineNumber, url ? `${url} is not a repository URL` : 'the repository is empty');
      continue;
    }
    const scoreText = columns.score === -1 ? '' : (cells[columns.score] ?? '');
    const dependentsText = columns.dependents === -1 ? '' : (cells[columns.dependents] ?? '');
    const score = scoreText === '' ? null : Number(scoreText);
    const dependents = dependentsText === '' ? null : Number(dependentsText);
    if (score !== null && !(Number.isFinite(score) && score >= 0 && score <= 1)) {
      problem(lineNumber, `the score ${scoreText} is not a number from 0 to 1`);
      continue;
    }
    if (dependents !== null && !(Number.isSafeInteger(dependents) && dependents >= 0)) {
      problem(lineNumber, `the dependents count ${dependentsText} is not a whole number`);
      continue;
    }
    if (score === null && dependents === null) continue;
    // The same repository twice (URLs differing in case or .git): the later line wins.
    byRepository.set(repository, { repository, criticality_score: score, dependents_count: dependents });
  }
  if (!columns && problemCount === 0) problem(1, 'the file is empty: it needs a header line');
  return { rows: [...byRepository.values()], problems, problemCount, lines: lineNumber };
}
