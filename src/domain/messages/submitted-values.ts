/**
 * A contact's answer to an interactive message (Client API `PATCH
 * …/messages/{id}`, spec/API.md §5.2): `submitted_values` replaces
 * `content_attributes.submitted_values`. Chatwoot permits a list of
 * `{name, title, value}` (forms, selects) or `{csat_survey_response:
 * {feedback_message, rating}}` (a CSAT survey); other keys are dropped. A
 * CSAT survey can be answered for 14 days; its rating is 1 to 5.
 */
import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import type { Message } from '../../generated/prisma/client.ts';
import { LIMITS, isStorable } from '../validation.ts';

export const CSAT_LOCKED = 'You cannot update the CSAT survey after 14 days';
const CSAT_DAYS = 14;

const scalar = z.union([z.string().max(LIMITS.text).refine(isStorable, { message: 'is invalid' }), z.number(), z.boolean(), z.null()]);

/** A rating sent as a number or, from a form, as a numeric string. */
const rating = z.preprocess(
  (value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
  z.number().int().min(1).max(5),
);

const csatSurveyResponse = z.object({
  feedback_message: scalar.optional(),
  rating: z.unknown().optional(),
});

const entry = z.object({
  name: scalar.optional(),
  title: scalar.optional(),
  value: scalar.optional(),
  csat_survey_response: csatSurveyResponse.optional(),
});

export const submittedValuesInput = z.object({
  submittedValues: z.union([z.array(entry).max(100), entry]),
});
export type SubmittedValuesInput = z.input<typeof submittedValuesInput>;

/** Whole days between two instants' UTC dates, as Rails' `to_date` subtraction counts them. */
const daysBetween = (earlier: Date, later: Date) =>
  Math.round((Date.UTC(later.getUTCFullYear(), later.getUTCMonth(), later.getUTCDate()) -
    Date.UTC(earlier.getUTCFullYear(), earlier.getUTCMonth(), earlier.getUTCDate())) / 86_400_000);

/**
 * The message's content attributes with the submitted values in place.
 * Refuses a CSAT survey answered after 14 days (a rule, Chatwoot's 422
 * `{"error": ...}`) and a CSAT rating outside 1 to 5.
 */
export function withSubmittedValues(
  message: Pick<Message, 'contentType' | 'contentAttributes' | 'createdAt'>,
  input: z.output<typeof submittedValuesInput>,
  now = new Date(),
): Record<string, unknown> {
  const csat = message.contentType === 'input_csat';
  if (csat && daysBetween(message.createdAt, now) > CSAT_DAYS) throw ValidationError.rule('submittedValues', CSAT_LOCKED);
  const values = input.submittedValues;
  const survey = Array.isArray(values) ? undefined : values.csat_survey_response;
  if (csat && survey) {
    const parsed = rating.safeParse(survey.rating);
    if (!parsed.success) throw ValidationError.of('rating', 'Rating is not included in the list');
    survey.rating = parsed.data;
  }
  return { ...(message.contentAttributes as Record<string, unknown>), submitted_values: values };
}
