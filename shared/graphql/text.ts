import { badInput } from './errors';

/**
 * Folds Vietnamese text for search: strips every diacritic (so tone-mark placement such as
 * "Hoà"/"Hòa" stops mattering), maps đ to d, lower-cases and collapses whitespace.
 * The same function builds the stored search column and the query, so both sides always agree.
 */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Escapes LIKE wildcards so user text matches literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A search text as a LIKE pattern over a column filled with {@link foldForSearch}. */
export function searchPattern(argument: string, text: string): string {
  const folded = foldForSearch(text);
  if (folded.length === 0 || folded.length > 100) throw badInput(argument, text, 'must have between 1 and 100 characters');
  return `%${escapeLike(folded)}%`;
}
