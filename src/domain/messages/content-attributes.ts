/**
 * What a message's `content_attributes` must hold for its content type
 * (spec/API.md §1.7, Chatwoot's ContentAttributeValidator): `input_select`,
 * `cards`, `form` and `article` messages need at least one item, every item
 * a hash with only the keys its type allows; every card needs `actions`,
 * each action with only the allowed keys. Other content types are free.
 */

const ITEM_KEYS: Readonly<Record<string, readonly string[]>> = {
  input_select: ['title', 'value'],
  cards: ['title', 'description', 'media_url', 'actions'],
  form: ['type', 'placeholder', 'label', 'name', 'options', 'default', 'required', 'pattern', 'title', 'pattern_error'],
  article: ['title', 'description', 'link'],
};
const CARD_ACTION_KEYS: readonly string[] = ['text', 'type', 'payload', 'uri'];

const isHash = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const invalidKeys = (hashes: Record<string, unknown>[], allowed: readonly string[]) => [
  ...new Set(hashes.flatMap((hash) => Object.keys(hash)).filter((key) => !allowed.includes(key))),
];

/**
 * The problems with `attributes` for a message of `contentType`, each worded
 * to follow the attribute name (`Content attributes <problem>`); empty when valid.
 */
export function contentAttributeProblems(contentType: string, attributes: Record<string, unknown>): string[] {
  const allowed = ITEM_KEYS[contentType];
  if (!allowed) return [];
  const items = attributes.items;
  if (!Array.isArray(items) || items.length === 0) return ['items must not be empty'];
  if (!items.every(isHash)) return ['items must all be hashes'];
  const problems: string[] = [];
  const badItemKeys = invalidKeys(items, allowed);
  if (badItemKeys.length > 0) problems.push(`items have invalid keys: ${badItemKeys.join(', ')}`);
  if (contentType === 'cards') {
    const actions = items.map((item) => item.actions);
    if (actions.some((list) => !Array.isArray(list) || list.length === 0)) problems.push('every card item needs actions');
    else if (!actions.flat().every(isHash)) problems.push('card actions must all be hashes');
    else {
      const badActionKeys = invalidKeys(actions.flat() as Record<string, unknown>[], CARD_ACTION_KEYS);
      if (badActionKeys.length > 0) problems.push(`card actions have invalid keys: ${badActionKeys.join(', ')}`);
    }
  }
  return problems;
}
