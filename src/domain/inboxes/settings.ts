/**
 * Inbox settings shared by create and update (spec/API.md §3.1): the zod
 * inputs, Chatwoot's working-hours schedule, and the `changed_attributes`
 * list an `inbox.updated` event carries (spec/EVENTS.md §1.4).
 */
import { z } from 'zod';
import type { Inbox } from '../../generated/prisma/client.ts';
import { isoTime } from '../wire-time.ts';
import { jsonObject, snakeCase, stringColumn } from '../validation.ts';
import { webhookUrl } from '../webhooks/destination.ts';

/** One day of Chatwoot's `working_hours`, as stored (snake_case). */
export interface WorkingHoursDay {
  day_of_week: number;
  closed_all_day: boolean;
  open_hour: number | null;
  open_minutes: number | null;
  close_hour: number | null;
  close_minutes: number | null;
  open_all_day: boolean;
}

/** Chatwoot's default schedule: Sunday and Saturday closed, Monday–Friday 9:00–17:00. */
export const DEFAULT_WORKING_HOURS: WorkingHoursDay[] = Array.from({ length: 7 }, (_, day) => {
  const weekday = day >= 1 && day <= 5;
  return {
    day_of_week: day,
    closed_all_day: !weekday,
    open_hour: weekday ? 9 : null,
    open_minutes: weekday ? 0 : null,
    close_hour: weekday ? 17 : null,
    close_minutes: weekday ? 0 : null,
    open_all_day: false,
  };
});

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const hour = () => z.number().int().min(0).max(23).nullish();
const minutes = () => z.number().int().min(0).max(59).nullish();

/**
 * One day of the schedule to change. A day that is neither closed nor open
 * all day needs its opening and closing time, closing after opening
 * (Chatwoot's WorkingHour validations).
 */
export const workingHoursDayInput = z
  .object({
    dayOfWeek: z.number().int().min(0).max(6),
    closedAllDay: z.boolean().optional(),
    openAllDay: z.boolean().optional(),
    openHour: hour(),
    openMinutes: minutes(),
    closeHour: hour(),
    closeMinutes: minutes(),
  })
  .superRefine((day, context) => {
    if (day.closedAllDay || day.openAllDay) return;
    for (const key of ['openHour', 'openMinutes', 'closeHour', 'closeMinutes'] as const)
      if (day[key] == null) context.addIssue({ code: 'custom', path: [key], message: "can't be blank" });
    if ([day.openHour, day.openMinutes, day.closeHour, day.closeMinutes].some((v) => v == null)) return;
    if (day.closeHour! * 60 + day.closeMinutes! <= day.openHour! * 60 + day.openMinutes!)
      context.addIssue({ code: 'custom', path: ['closeHour'], message: 'Closing time cannot be before opening time' });
  });

/** Root attributes of an inbox and the API channel's settings. */
export const inboxAttributesInput = z.object({
  name: stringColumn().min(1),
  /** The API channel's webhook_url: a webhook destination (src/domain/webhooks/destination.ts); blank or null removes it. */
  webhookUrl: webhookUrl({ inbox: true }).nullish(),
  hmacMandatory: z.boolean().optional(),
  additionalAttributes: jsonObject().optional(),
  greetingEnabled: z.boolean().optional(),
  greetingMessage: z.string().max(10_000).nullish(),
  enableEmailCollect: z.boolean().optional(),
  csatSurveyEnabled: z.boolean().optional(),
  csatConfig: jsonObject().optional(),
  enableAutoAssignment: z.boolean().optional(),
  autoAssignmentConfig: jsonObject().optional(),
  workingHoursEnabled: z.boolean().optional(),
  outOfOfficeMessage: z.string().max(10_000).nullish(),
  timezone: stringColumn().refine(isTimeZone, { message: 'is not included in the list' }).optional(),
  allowMessagesAfterResolved: z.boolean().optional(),
  lockToSingleConversation: z.boolean().optional(),
  senderNameType: z.enum(['friendly', 'professional']).optional(),
  businessName: stringColumn().nullish(),
});

/** Applies changed days to a schedule; days not named keep their hours. Open all day is 00:00–23:59. */
export function mergeWorkingHours(
  current: unknown,
  changes: z.output<typeof workingHoursDayInput>[],
): WorkingHoursDay[] {
  const days = Array.isArray(current) && current.length === 7 ? (current as WorkingHoursDay[]) : DEFAULT_WORKING_HOURS;
  return days.map((day) => {
    const change = [...changes].reverse().find((c) => c.dayOfWeek === day.day_of_week);
    if (!change) return day;
    const closed = change.closedAllDay ?? false;
    const allDay = !closed && (change.openAllDay ?? false);
    const time = (value: number | null | undefined, whenAllDay: number) =>
      closed ? null : allDay ? whenAllDay : (value ?? null);
    return {
      day_of_week: day.day_of_week,
      closed_all_day: closed,
      open_hour: time(change.openHour, 0),
      open_minutes: time(change.openMinutes, 0),
      close_hour: time(change.closeHour, 23),
      close_minutes: time(change.closeMinutes, 59),
      open_all_day: allDay,
    };
  });
}

type ChangedAttributes = Record<string, { previous_value: unknown; current_value: unknown }>[];

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The columns of `data` whose value differs from `inbox`'s. */
export function changedColumns<T extends Partial<Inbox>>(inbox: Inbox, data: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(data).filter(([key, value]) => value !== undefined && !same(inbox[key as keyof Inbox], value)),
  ) as Partial<T>;
}

/**
 * Rails' `previous_changes` as webhooks show it: one single-key object per
 * changed column (snake_case), `updated_at` last, times in ISO-8601.
 */
export function changedAttributes(before: Inbox, after: Inbox, columns: string[]): ChangedAttributes {
  if (columns.length === 0) return [];
  const wire = (value: unknown) => (value instanceof Date ? isoTime(value) : value);
  return [...columns, 'updatedAt'].map((column) => ({
    [snakeCase(column)]: {
      previous_value: wire(before[column as keyof Inbox]),
      current_value: wire(after[column as keyof Inbox]),
    },
  }));
}
