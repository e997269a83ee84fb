import { diffWords } from 'diff';

/** One run of a diff between two versions of a text: kept, added in the later one, or removed from the earlier one. */
export interface DiffPart {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

/** Words as Chinese is read (ICU's dictionary segmentation): 「遭入侵」→「遭到入侵」 marks 遭/遭到, not the whole line. */
const words = new Intl.Segmenter('zh-TW', { granularity: 'word' });

/**
 * The changes from one version of a notice to the next, word by word, with jsdiff (`diff`). The parts are plain
 * text: the template escapes them and wraps them in <ins>/<del>.
 */
export function versionDiff(before: string, after: string): DiffPart[] {
  return diffWords(before, after, { intlSegmenter: words }).map((c) => ({
    kind: c.added ? 'added' : c.removed ? 'removed' : 'same',
    text: c.value,
  }));
}
