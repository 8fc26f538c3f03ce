// What the admin API answers (docs/api.md; functions/touchpoint/openapi.json).
import type { Language } from "./language";
import type { PlannedMessage } from "./states";

export interface Clinic {
  clinic_id: string;
  name: string;
  timezone: string;
  sender: string;
  phone: string;
  quiet_hours: { start: string; end: string } | null;
  reminders: ({ before: string } | { days_before: number; at: string })[];
  follow_ups: { after: string; survey: string }[];
  discreet: boolean;
  survey_expiry_hours: number;
  escalation_minutes: number;
  /** The language of a patient without their own. */
  default_language: Language;
}

export interface Appointment {
  appointment_id: string;
  patient_id: string;
  first_name: string | null;
  starts_at: string;
  starts_at_local: string;
  duration_minutes: number;
  status: string;
  messages?: PlannedMessage[];
  /** The pre-session checklist, once sent: pending, ready, not_ready or no_answer. */
  checklist?: string | null;
  course_id?: string;
  session?: number;
}

export interface Patient {
  patient_id: string;
  first_name: string;
  phone: string;
  timezone: string;
  opted_out: boolean;
  external_id?: string;
  /** Present only when set: else the patient reads the clinic's default_language. */
  language?: Language;
}

export interface Message {
  message_id: string;
  patient_id: string;
  direction: "inbound" | "outbound";
  body: string;
  status: string;
  at: string;
  error_code?: number;
}

export interface Survey {
  survey_id: string;
  survey: string;
  status: string;
  answers: number[];
  score: number | null;
  severity: string | null;
  session_at: string;
  completed_at: string | null;
}

export interface OutcomePoint {
  score: number;
  severity: string | null;
  session_at: string;
}

export interface Outcome {
  survey: string;
  baseline: OutcomePoint;
  latest: OutcomePoint;
  change_percent: number | null;
  response: boolean | null;
  remission: boolean | null;
  series: { appointment_id: string; session_at: string; score: number; severity: string | null }[];
}

export interface Alert {
  alert_id: string;
  patient_id: string;
  first_name: string | null;
  kind: string;
  rule: string | null;
  at: string;
  text: string | null;
  phone: string | null;
  state: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  note: string | null;
  escalations: number;
  escalated_at: string | null;
}
