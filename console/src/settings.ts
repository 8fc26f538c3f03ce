// The settings form's draft: what the clinic has, as editable text, and back to the API's shape.
import type { Language } from "./language";
import type { Clinic } from "./types";

export type ReminderDraft = { mode: "before"; before: string } | { mode: "day"; days_before: string; at: string };

export interface SettingsDraft {
  reminders: ReminderDraft[];
  follow_ups: { after: string; survey: string }[];
  quiet: boolean;
  quiet_start: string;
  quiet_end: string;
  discreet: boolean;
  survey_expiry_hours: string;
  escalation_minutes: string;
  default_language: Language;
}

export function draftOf(clinic: Clinic): SettingsDraft {
  return {
    reminders: clinic.reminders.map((rule) =>
      "before" in rule ? { mode: "before", before: rule.before } : { mode: "day", days_before: String(rule.days_before), at: rule.at },
    ),
    follow_ups: clinic.follow_ups.map((rule) => ({ ...rule })),
    quiet: clinic.quiet_hours !== null,
    quiet_start: clinic.quiet_hours?.start ?? "21:00",
    quiet_end: clinic.quiet_hours?.end ?? "08:00",
    discreet: clinic.discreet,
    survey_expiry_hours: String(clinic.survey_expiry_hours),
    escalation_minutes: String(clinic.escalation_minutes),
    default_language: clinic.default_language ?? "en", // "en" if an older API sends none
  };
}

function whole(text: string): number | string {
  return /^\d{1,6}$/.test(text.trim()) ? Number(text.trim()) : text; // the API says what is wrong
}

/** The draft as PATCH /admin/clinics/{id} takes it. */
export function settingsBody(draft: SettingsDraft): Record<string, unknown> {
  return {
    reminders: draft.reminders.map((rule) =>
      rule.mode === "before" ? { before: rule.before.trim() } : { days_before: whole(rule.days_before), at: rule.at.trim() },
    ),
    follow_ups: draft.follow_ups.map((rule) => ({ after: rule.after.trim(), survey: rule.survey })),
    quiet_hours: draft.quiet ? { start: draft.quiet_start, end: draft.quiet_end } : null,
    discreet: draft.discreet,
    survey_expiry_hours: whole(draft.survey_expiry_hours),
    escalation_minutes: whole(draft.escalation_minutes),
    default_language: draft.default_language,
  };
}

/** Only the fields that differ from what is stored: a PATCH changes (and re-plans) nothing else. */
export function changedFields(clinic: Clinic, draft: SettingsDraft): Record<string, unknown> {
  const stored = settingsBody(draftOf(clinic));
  const wanted = settingsBody(draft);
  return Object.fromEntries(Object.entries(wanted).filter(([name, value]) => JSON.stringify(value) !== JSON.stringify(stored[name])));
}
